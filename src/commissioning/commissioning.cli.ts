// The commissioning commands: create and publish an opportunity from a JSON file (the API's body), list and
// show opportunities, award, print OCDS release packages, and validate any OCDS release package.
import { readFile } from 'node:fs/promises';
import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import * as service from './commissioning.service.ts';
import { validateReleasePackage } from './commissioning.ocds.ts';

function need(values: Record<string, unknown>, name: string, what: string): string {
  if (typeof values[name] !== 'string' || !values[name]) throw AppError.validation([{ field: name, message: `Give --${name}, ${what}` }]);
  return values[name] as string;
}

/** Reads JSON from a file, or from standard input when the file is "-". Limited to 5 MB. */
async function readJson(path: string, stdin: () => Promise<string>, field: string): Promise<unknown> {
  const text = path === '-' ? await stdin() : await readFile(path, 'utf8').catch(() => { throw AppError.validation([{ field, message: `Cannot read ${path}` }]); });
  if (text.length > 5 * 1024 * 1024) throw AppError.validation([{ field, message: 'The JSON is larger than 5 MB' }]);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw AppError.validation([{ field, message: `Not valid JSON: ${(error as Error).message}` }]);
  }
}

export const commissioningCommands: CliCommand[] = [
  {
    name: ['commissioning', 'create'],
    summary: 'Create a draft opportunity from a JSON file (the body of POST /api/v1/commissioning/opportunities)',
    usage: 'commonweal commissioning create --file opportunity.json [--publish]   (--file - reads standard input)',
    options: { file: { type: 'string' }, publish: { type: 'boolean' } },
    async run(ctx, { values, stdin }) {
      const body = await readJson(need(values, 'file', 'a JSON file with the opportunity'), stdin, 'file');
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw AppError.validation([{ field: 'file', message: 'The file must hold one JSON object' }]);
      const created = await service.createProcess(ctx.db, cliActor, body as service.ProcessInput);
      if (values.publish === true) {
        const published = await service.publishProcess(ctx.db, cliActor, created.id);
        return { ...created, status: 'open', releaseId: published.releaseId };
      }
      return created;
    },
  },
  {
    name: ['commissioning', 'publish'],
    summary: 'Publish a draft opportunity (open for bids, in the feed, as an OCDS tender release)',
    usage: 'commonweal commissioning publish --id PROCESS-ID',
    options: { id: { type: 'string' } },
    async run(ctx, { values }) {
      return service.publishProcess(ctx.db, cliActor, need(values, 'id', 'the opportunity’s id'));
    },
  },
  {
    name: ['commissioning', 'list'],
    summary: 'List opportunities (drafts included), with status, value and lots open to small providers',
    usage: 'commonweal commissioning list [--org ORG-ID] [--status open|evaluation|awarded|draft]',
    options: { org: { type: 'string' }, status: { type: 'string' } },
    async run(ctx, { values }) {
      return { items: await service.listOpportunities(ctx.db, cliActor, { organisationId: values.org as string | undefined, status: values.status as string | undefined }) };
    },
  },
  {
    name: ['commissioning', 'show'],
    summary: 'Show one opportunity: lots, criteria, questions, awards and releases',
    usage: 'commonweal commissioning show --id PROCESS-ID',
    options: { id: { type: 'string' } },
    async run(ctx, { values }) {
      const o = await service.getOpportunity(ctx.db, cliActor, need(values, 'id', 'the opportunity’s id'));
      const { you: _you, ...rest } = o;
      return rest;
    },
  },
  {
    name: ['commissioning', 'evaluation'],
    summary: 'Weighted totals and ranks per lot, with every score and declared conflict (after the deadline)',
    usage: 'commonweal commissioning evaluation --id PROCESS-ID',
    options: { id: { type: 'string' } },
    async run(ctx, { values }) {
      return service.evaluationResults(ctx.db, cliActor, need(values, 'id', 'the opportunity’s id'));
    },
  },
  {
    name: ['commissioning', 'award'],
    summary: 'Award a lot to a bid, with the reason (after the deadline; a standstill period follows)',
    usage: 'commonweal commissioning award --id PROCESS-ID --bid BID-ID --rationale TEXT',
    options: { id: { type: 'string' }, bid: { type: 'string' }, rationale: { type: 'string' } },
    async run(ctx, { values }) {
      return service.awardLot(ctx.db, cliActor, need(values, 'id', 'the opportunity’s id'), { bidId: values.bid, rationale: values.rationale });
    },
  },
  {
    name: ['commissioning', 'ocds'],
    summary: 'Print an OCDS 1.1.5 release package: every release of one process (--ocid) or of one publisher (--org)',
    usage: 'commonweal commissioning ocds --ocid OCID | --org ORG-ID|SLUG',
    options: { ocid: { type: 'string' }, org: { type: 'string' } },
    async run(ctx, { values }) {
      if (typeof values.ocid === 'string' && values.ocid) return service.releasePackageForOcid(ctx.db, values.ocid, ctx.config.baseUrl);
      return service.releasePackageForPublisher(ctx.db, need(values, 'org', 'the publisher (or --ocid)'), ctx.config.baseUrl);
    },
  },
  {
    name: ['commissioning', 'validate'],
    summary: 'Check any OCDS release package against the OCDS 1.1.5 schema; lists each error with its JSON pointer',
    usage: 'commonweal commissioning validate --file package.json   (--file - reads standard input; exits 1 when invalid)',
    options: { file: { type: 'string' } },
    async run(_ctx, { values, stdin }) {
      const pkg = await readJson(need(values, 'file', 'the release package to check'), stdin, 'file');
      const errors = validateReleasePackage(pkg);
      if (errors.length) throw new AppError('validation_failed', `The package is not valid OCDS 1.1.5 (${errors.length} ${errors.length === 1 ? 'error' : 'errors'})`, { fieldErrors: errors.slice(0, 50).map((message) => ({ field: 'file', message })) });
      return { valid: true, releases: Array.isArray((pkg as { releases?: unknown[] }).releases) ? (pkg as { releases: unknown[] }).releases.length : 0 };
    },
  },
];
