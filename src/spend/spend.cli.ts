import { stat } from 'node:fs/promises';
import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { confirmMapping, importSpendFile, type ImportResult } from './spend.import.ts';
import { readFile } from 'node:fs/promises';
import * as service from './spend.service.ts';
import { createSalaryDraft, publishSalaryDraft } from './spend.salarydrafts.ts';
import { createSpendDraft, discardSpendDraft, listSpendDrafts, publishSpendDraft, withdrawSpendFile } from './spend.drafts.ts';
import * as salaries from './spend.salaries.ts';
import { confirmSupplierLink, supplierSuggestions, undoSupplierLink } from './spend.links.ts';

/**
 * A progress bar on stderr for files over a few megabytes, when stderr is a terminal (or SPEND_PROGRESS=1): the
 * bytes read, then each step after reading, then the time it all took.
 */
function progressBar(name: string, total: number): { read: (read: number) => void; stage: (stage: string) => void; done: () => void } | undefined {
  const show = process.stderr.isTTY || process.env.SPEND_PROGRESS === '1';
  if (!show || total < 4 * 1024 * 1024) return undefined;
  const started = Date.now();
  const secs = () => ((Date.now() - started) / 1000).toFixed(1);
  let last = -1;
  return {
    read(read: number) {
      const pct = Math.min(100, Math.floor((read / total) * 100));
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(`\r${name} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${(read / 1048576).toFixed(0)}/${(total / 1048576).toFixed(0)} MB ${secs()}s`);
      if (pct === 100) process.stderr.write('\n');
    },
    stage(stage: string) {
      process.stderr.write(`  ${stage}… (${secs()}s)\n`);
    },
    done() {
      process.stderr.write(`  published in ${secs()}s\n`);
    },
  };
}

/** The summary the issue names, first, then what else the import did. */
function summaryOf(r: ImportResult) {
  return {
    file: undefined as string | undefined,
    rowsImported: r.rowsImported, rowsRejected: r.rowsRejected, netTotalPence: r.netTotalPence, suppliers: r.suppliers,
    firstDate: r.firstDate, lastDate: r.lastDate, rejected: r.rejected, mapping: r.mapping, sha256: r.sha256,
    outcome: r.outcome, fileId: r.fileId, publisher: r.publisher.name, version: r.version, period: `${r.periodFrom}..${r.periodTo}`,
    replacedFileId: r.replacedFileId, replacedFileIds: r.replacedFileIds, diff: r.diff, warnings: r.warnings,
  };
}

export const spendCommands: CliCommand[] = [
  {
    name: ['spend', 'import'],
    summary: 'Import spending-over-£500 files for a publisher: each is held as a draft to check, or published at once with --yes (all or nothing, per file)',
    usage: 'commonweal spend import FILE… --publisher ORG [--period 2010-10..2010-12] [--yes] [--json]',
    options: { publisher: { type: 'string' }, period: { type: 'string' }, yes: { type: 'boolean' } },
    async run(ctx, { values, positionals }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher, an organisation id or org-id identifier such as GB-LAE-NET' }]);
      if (positionals.length === 0) throw AppError.validation([{ field: 'file', message: 'Name at least one file to import' }]);
      if (!values.yes) {
        // Without --yes each file waits as a draft: the check page says what was read and what to look at.
        const drafts = [];
        for (const path of positionals) {
          const { draft, reused } = await createSpendDraft(ctx, cliActor, { publisher: values.publisher as string, source: { path }, period: (values.period as string | undefined) ?? null });
          drafts.push({
            file: path, draftId: draft.id, reused, check: `${ctx.config.baseUrl}${draft.link}`, rowsImported: draft.check.rowsImported, rowsRejected: draft.check.rowsRejected,
            netTotalPence: draft.check.netTotalPence, suppliers: draft.check.suppliers, period: `${draft.check.periodFrom}..${draft.check.periodTo}`,
            warnings: draft.check.warnings.map((w) => ({ code: w.code, title: w.title })), blocked: draft.check.blocked,
            next: `Check it at ${ctx.config.baseUrl}${draft.link}, or publish it with: commonweal spend drafts publish ${draft.id}${draft.check.warnings.length ? ` --acknowledge ${draft.check.warnings.map((w) => w.code).join(',')}` : ''}`,
          });
        }
        return drafts.length === 1 ? drafts[0] : { drafts };
      }
      const results = [];
      for (const path of positionals) {
        const size = (await stat(path).catch(() => null))?.size ?? 0;
        const bar = progressBar(path.split('/').pop() ?? path, size);
        const result = await importSpendFile(ctx, cliActor, {
          publisher: values.publisher as string, source: { path }, period: (values.period as string | undefined) ?? null,
          onProgress: bar ? (read) => bar.read(read) : undefined,
          onStage: bar ? (stage) => bar.stage(stage) : undefined,
        });
        bar?.done();
        results.push({ ...summaryOf(result), file: path });
      }
      return results.length === 1 ? results[0] : { files: results };
    },
  },
  {
    name: ['spend', 'drafts'],
    summary: 'List a publisher’s spending drafts waiting to be published',
    usage: 'commonweal spend drafts --publisher ORG',
    options: { publisher: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher' }]);
      const drafts = await listSpendDrafts(ctx.db, cliActor, values.publisher as string);
      return { drafts: drafts.map((d) => ({ id: d.id, title: d.title, filename: d.filename, rowsImported: d.check.rowsImported, netTotalPence: d.check.netTotalPence, warnings: d.check.warnings.map((w) => w.code), expiresAt: d.expiresAt, check: `${ctx.config.baseUrl}${d.link}` })) };
    },
  },
  {
    name: ['spend', 'drafts', 'publish'],
    summary: 'Publish a spending draft; --acknowledge names every warning of its check (comma-separated codes)',
    usage: 'commonweal spend drafts publish DRAFT-ID [--acknowledge no-supplier,outliers]',
    options: { acknowledge: { type: 'string' } },
    async run(ctx, { values, positionals }) {
      if (positionals.length !== 1) throw AppError.validation([{ field: 'draft', message: 'Name one draft by its id (from `commonweal spend drafts`)' }]);
      const acknowledged = String(values.acknowledge ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      return summaryOf(await publishSpendDraft(ctx, cliActor, positionals[0]!, acknowledged));
    },
  },
  {
    name: ['spend', 'drafts', 'discard'],
    summary: 'Discard a spending draft',
    usage: 'commonweal spend drafts discard DRAFT-ID',
    options: {},
    async run(ctx, { positionals }) {
      if (positionals.length !== 1) throw AppError.validation([{ field: 'draft', message: 'Name one draft by its id' }]);
      const d = await discardSpendDraft(ctx, cliActor, positionals[0]!);
      return { id: d.id, state: d.state };
    },
  },
  {
    name: ['spend', 'withdraw'],
    summary: 'Withdraw a published spending file with a reason the public sees (it leaves the totals at once; audited)',
    usage: 'commonweal spend withdraw --publisher ORG --file FILE-ID --reason TEXT',
    options: { publisher: { type: 'string' }, file: { type: 'string' }, reason: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.publisher || !values.file) throw AppError.validation([{ field: 'file', message: 'Give --publisher and --file (an id from `commonweal spend files`)' }]);
      return withdrawSpendFile(ctx, cliActor, values.publisher as string, values.file as string, values.reason);
    },
  },
  {
    name: ['spend', 'files'],
    summary: 'List a publisher’s imported spend files and their versions',
    usage: 'commonweal spend files --publisher ORG',
    options: { publisher: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher' }]);
      const { files } = await service.publisherFiles(ctx.db, values.publisher as string);
      return { files: files.map((f) => ({ id: f.id, period: `${f.periodFrom}..${f.periodTo}`, version: f.version, status: f.status, rowsImported: f.rowsImported, netTotalPence: f.netTotalPence, filename: f.filename })) };
    },
  },
  {
    name: ['spend', 'mapping', 'confirm'],
    summary: 'Remember the column mapping used for a file as the publisher’s mapping for its next files',
    usage: 'commonweal spend mapping confirm --publisher ORG --file FILE-ID',
    options: { publisher: { type: 'string' }, file: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.publisher || !values.file) throw AppError.validation([{ field: 'file', message: 'Give --publisher and --file (an id from `commonweal spend files`)' }]);
      return { mapping: await confirmMapping(ctx, cliActor, values.publisher as string, values.file as string) };
    },
  },
  {
    name: ['spend', 'salaries', 'import'],
    summary: 'Upload a senior salaries list for a date from a CSV file as a draft to check, or publish it at once with --yes (replaces that date’s list)',
    usage: 'commonweal spend salaries import FILE --publisher ORG --as-at 2017-03-31 [--yes]',
    options: { publisher: { type: 'string' }, 'as-at': { type: 'string' }, yes: { type: 'boolean' } },
    async run(ctx, { values, positionals }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher, an organisation id or org-id identifier such as GB-LAE-NET' }]);
      if (positionals.length !== 1) throw AppError.validation([{ field: 'file', message: 'Name one senior salaries CSV file' }]);
      const bytes = await readFile(positionals[0]!).catch(() => {
        throw AppError.validation([{ field: 'file', message: `No file at ${positionals[0]}` }]);
      });
      if (!values.yes) {
        const draft = await createSalaryDraft(ctx, cliActor, values.publisher as string, { bytes, asAt: values['as-at'] as string | undefined, filename: positionals[0]!.split('/').pop() ?? null });
        return { draftId: draft.id, asAt: draft.check.asAt, posts: draft.check.posts, replaces: draft.check.replaces, warnings: draft.check.warnings, check: `${ctx.config.baseUrl}${draft.link}`, next: `Check it at ${ctx.config.baseUrl}${draft.link}, or publish it with: commonweal spend salaries publish ${draft.id}` };
      }
      return salaries.importSalaryCsv(ctx.db, cliActor, values.publisher as string, { bytes, asAt: values['as-at'] as string | undefined });
    },
  },
  {
    name: ['spend', 'salaries', 'publish'],
    summary: 'Publish a senior salaries draft (replaces the list for its date)',
    usage: 'commonweal spend salaries publish DRAFT-ID',
    options: {},
    async run(ctx, { positionals }) {
      if (positionals.length !== 1) throw AppError.validation([{ field: 'draft', message: 'Name one draft by its id' }]);
      return publishSalaryDraft(ctx.db, cliActor, positionals[0]!);
    },
  },
  {
    name: ['spend', 'salaries', 'show'],
    summary: 'Show a publisher’s senior salaries and pay multiple (the newest list unless --as-at)',
    usage: 'commonweal spend salaries show --publisher ORG [--as-at 2017-03-31]',
    options: { publisher: { type: 'string' }, 'as-at': { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher' }]);
      return salaries.publisherSalaries(ctx.db, values.publisher as string, values['as-at'] as string | undefined);
    },
  },
  {
    name: ['spend', 'salaries', 'pay-multiple'],
    summary: 'Set the pay multiple for a date: the highest paid’s and the median taxable earnings, in pounds',
    usage: 'commonweal spend salaries pay-multiple --publisher ORG --as-at 2017-03-31 --highest 182500 --median 24313',
    options: { publisher: { type: 'string' }, 'as-at': { type: 'string' }, highest: { type: 'string' }, median: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher' }]);
      return salaries.setPayMultiple(ctx.db, cliActor, values.publisher as string, { asAt: values['as-at'] as string | undefined, highest: values.highest as string | undefined, median: values.median as string | undefined });
    },
  },
  {
    name: ['spend', 'suppliers', 'suggestions'],
    summary: 'List suppliers whose name matches one registered organisation, waiting for confirmation',
    usage: 'commonweal spend suppliers suggestions',
    options: {},
    async run(ctx) {
      return { suggestions: await supplierSuggestions(ctx.db) };
    },
  },
  {
    name: ['spend', 'suppliers', 'link'],
    summary: 'Link a supplier to an organisation: its suggestion, or the one named with --organisation (audited)',
    usage: 'commonweal spend suppliers link SUPPLIER-SLUG [--organisation ORG]',
    options: { organisation: { type: 'string' } },
    async run(ctx, { values, positionals }) {
      if (positionals.length !== 1) throw AppError.validation([{ field: 'supplier', message: 'Name one supplier by its slug, as in /spend/suppliers/SLUG' }]);
      return confirmSupplierLink(ctx.db, cliActor, positionals[0]!, (values.organisation as string | undefined) ?? null);
    },
  },
  {
    name: ['spend', 'suppliers', 'unlink'],
    summary: 'Undo a supplier’s link, or turn down its suggestion (audited)',
    usage: 'commonweal spend suppliers unlink SUPPLIER-SLUG',
    options: {},
    async run(ctx, { positionals }) {
      if (positionals.length !== 1) throw AppError.validation([{ field: 'supplier', message: 'Name one supplier by its slug, as in /spend/suppliers/SLUG' }]);
      return undoSupplierLink(ctx.db, cliActor, positionals[0]!);
    },
  },
];
