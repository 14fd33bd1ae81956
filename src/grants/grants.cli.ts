import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import * as service from './grants.service.ts';

/** The summary the issue names, in its order, then what else happened. */
function summaryOf(s: service.GrantsSummary) {
  return {
    grantsImported: s.grantsImported, grantsRejected: s.grantsRejected, gbpTotalPence: s.gbpTotalPence, otherCurrencies: s.otherCurrencies,
    funders: s.funders, recipients: s.recipients, firstAwardDate: s.firstAwardDate, lastAwardDate: s.lastAwardDate,
    problems: s.problems.map((p) => ({ id: p.id, field: p.field, severity: p.severity, message: p.message, index: p.index, code: p.code })),
    sha256: s.sha256, rejected: s.rejected, problemCounts: s.problemCounts,
  };
}

export const grantsCommands: CliCommand[] = [
  {
    name: ['grants', 'import'],
    summary: 'Import 360Giving files (JSON, gzip, CSV, XLSX) for a publisher: each is held as a draft to check, or published at once with --yes (all or nothing, per file)',
    usage: 'commonweal grants import FILE… --publisher ORG [--yes] [--json]',
    options: { publisher: { type: 'string' }, yes: { type: 'boolean' } },
    async run(ctx, { values, positionals }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher, an organisation id or org-id identifier such as GB-CHC-1156077' }]);
      if (positionals.length === 0) throw AppError.validation([{ field: 'file', message: 'Name at least one file to import' }]);
      const out = [];
      for (const path of positionals) {
        if (!values.yes) {
          const { draft, reused } = await service.createGrantsDraft(ctx, cliActor, { publisher: values.publisher as string, source: { path } });
          out.push({
            ...summaryOf(draft.check), file: path, draftId: draft.id, reused, changes: draft.check.changes, check: `${ctx.config.baseUrl}${draft.link}`,
            next: `Check it at ${ctx.config.baseUrl}${draft.link}, or publish it with: commonweal grants drafts publish ${draft.id}`,
          });
        } else {
          const r = await service.importGrantsFile(ctx, cliActor, { publisher: values.publisher as string, source: { path } });
          out.push({ ...summaryOf(r), file: path, outcome: r.outcome, fileId: r.fileId, publisher: r.publisher.name, changes: r.changes });
        }
      }
      return out.length === 1 ? out[0] : { files: out };
    },
  },
  {
    name: ['grants', 'validate'],
    summary: 'Report the problems of a 360Giving file without importing it',
    usage: 'commonweal grants validate FILE [--json]',
    options: {},
    async run(_ctx, { positionals }) {
      if (positionals.length !== 1) throw AppError.validation([{ field: 'file', message: 'Name one file to check' }]);
      return summaryOf(await service.validateGrantsFile({ path: positionals[0]! }));
    },
  },
  {
    name: ['grants', 'drafts'],
    summary: 'List a publisher’s grants drafts waiting to be published',
    usage: 'commonweal grants drafts --publisher ORG',
    options: { publisher: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher' }]);
      const drafts = await service.listGrantsDrafts(ctx.db, cliActor, values.publisher as string);
      return { drafts: drafts.map((d) => ({ id: d.id, title: d.title, filename: d.filename, grantsImported: d.check.grantsImported, grantsRejected: d.check.grantsRejected, changes: d.check.changes, expiresAt: d.expiresAt, check: `${ctx.config.baseUrl}${d.link}` })) };
    },
  },
  {
    name: ['grants', 'drafts', 'publish'],
    summary: 'Publish a grants draft',
    usage: 'commonweal grants drafts publish DRAFT-ID',
    options: {},
    async run(ctx, { positionals }) {
      if (positionals.length !== 1) throw AppError.validation([{ field: 'draft', message: 'Name one draft by its id (from `commonweal grants drafts`)' }]);
      const r = await service.publishGrantsDraft(ctx, cliActor, positionals[0]!);
      return { ...summaryOf(r), outcome: r.outcome, fileId: r.fileId, publisher: r.publisher.name, changes: r.changes, draftId: r.draftId };
    },
  },
  {
    name: ['grants', 'withdraw'],
    summary: 'Withdraw a published grants file with a reason: its grants leave the totals, the file stays in the record marked withdrawn',
    usage: 'commonweal grants withdraw --publisher ORG --file FILE-ID --reason TEXT',
    options: { publisher: { type: 'string' }, file: { type: 'string' }, reason: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher' }]);
      if (!values.file) throw AppError.validation([{ field: 'file', message: 'Give --file, the file id (from `commonweal grants import --yes` or the file’s page)' }]);
      return service.withdrawGrantsFile(ctx, cliActor, values.publisher as string, values.file as string, values.reason);
    },
  },
  {
    name: ['grants', 'totals', 'rebuild'],
    summary: 'Rebuild the kept grants totals (areas, explorer, words, amounts) from the current grants, of one publisher or of all (after a restore): imports keep them by difference',
    usage: 'commonweal grants totals rebuild [--publisher ORG]',
    options: { publisher: { type: 'string' } },
    async run(ctx, { values }) {
      return service.rebuildGrantsTotals(ctx, cliActor, values.publisher as string | undefined);
    },
  },
];
