// Grants out (issue 17, explore and publish): any view of the explorer (a search, a funder, a recipient, a
// programme, a publisher's grants) as CSV, as JSON, or as a 360Giving 1.4.3 package, streamed a batch at a
// time so a million grants never sit in memory.
//
// One function, `grantTo360Giving`, builds a grant's 360Giving object; everything that writes 360Giving calls
// it (the place to add links such as a regrant's pot). It starts from the grant as stored (the file's JSON
// after the import's repairs) and sets from the stored columns what the explorer vouches for (id, title,
// amount, currency, award date, funder, recipient, relatedActivity). A grant to an individual is anonymised
// to its local authority: the recipient's name becomes "Individual Recipient", every finer location
// (beneficiary or recipient, and the lookups a file's `additional_data` may carry) is removed, and the
// beneficiary location is the local authority, or none. Each object is checked against the 1.4.3 schema;
// a value the schema refuses (a web address that is not absolute, a date that is not one) is left out, and
// the grant is still exported.
import { grantChainFields, type ChainFields } from './grants.chains.ts';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { csvRow } from '../platform/csv.ts';
import { exportRows, type ExportRow, type GrantFilters } from './grants.search.repository.ts';
import { localAuthorities, presentGrant, RECIPIENT_KINDS } from './grants.explore.ts';

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as unknown as new (options: object) => { compile(schema: object): ValidateFunction };
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: object) => void;

let grantSchema: ValidateFunction | undefined;
/** The 1.4.3 grant schema, compiled once. */
function validateGrant(): ValidateFunction {
  if (!grantSchema) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv);
    grantSchema = ajv.compile(JSON.parse(readFileSync(new URL('../../schemas/360giving-1.4.3/360-giving-schema.json', import.meta.url), 'utf8')));
  }
  return grantSchema;
}

/** Minor units → the number 360Giving writes (pounds and pence as a decimal): exact, from the integer. */
export function majorUnits(minor: number, currency: string): number {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en-GB', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch { /* a historic code: two */ }
  if (digits === 0) return minor;
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return Number(`${sign}${Math.floor(abs / 10 ** digits)}.${String(abs % 10 ** digits).padStart(digits, '0')}`);
}

const REQUIRED = new Set(['id', 'title', 'description', 'currency', 'amountAwarded', 'awardDate', 'recipientOrganization', 'recipientIndividual', 'fundingOrganization']);

/** Removes the value at a JSON pointer (as Ajv reports it); false when that would remove a required field. */
function removeAt(obj: Record<string, unknown>, pointer: string): boolean {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0 || (parts.length === 1 && REQUIRED.has(parts[0]!))) return false;
  let at: unknown = obj;
  for (const p of parts.slice(0, -1)) at = (at as Record<string, unknown>)?.[p];
  if (!at || typeof at !== 'object') return false;
  const last = parts[parts.length - 1]!;
  if (Array.isArray(at)) at.splice(Number(last), 1);
  else delete (at as Record<string, unknown>)[last];
  return true;
}

export interface ExportContext {
  /** Local authority code → name, for an individual's anonymised location. */
  laNames: Map<string, string>;
}

export async function exportContext(db: Db): Promise<ExportContext> {
  return { laNames: new Map((await localAuthorities(db)).map((l) => [l.code, l.name])) };
}

/** A grant as a 360Giving 1.4.3 object (see the file's comment): valid against the schema, individuals anonymised. */
export function grantTo360Giving(row: ExportRow, ctx: ExportContext, chain?: ChainFields): Record<string, unknown> {
  return build(row, ctx, true, chain);
}

function build(row: ExportRow, ctx: ExportContext, fromStored: boolean, chain?: ChainFields): Record<string, unknown> {
  const raw = (fromStored && row.raw && typeof row.raw === 'object' ? structuredClone(row.raw) : {}) as Record<string, unknown>;
  // What a publisher's file adds outside the standard (GrantNav's lookups among it) is not ours to republish.
  delete raw.additional_data;
  const g: Record<string, unknown> = {
    ...raw,
    id: row.grant_id, title: row.title, description: row.description ?? (typeof raw.description === 'string' ? raw.description : row.title),
    currency: row.currency, amountAwarded: majorUnits(Number(row.amount_minor), row.currency), awardDate: row.award_date,
  };
  const funders = Array.isArray(raw.fundingOrganization) ? raw.fundingOrganization : [];
  g.fundingOrganization = funders.length ? funders : [{ id: row.funder_org_id ?? `360G-unknown-funder`, name: row.funder_name ?? 'Not given' }];
  if (row.recipient_type === 'individual') {
    const given = raw.recipientIndividual && typeof raw.recipientIndividual === 'object' ? (Array.isArray(raw.recipientIndividual) ? raw.recipientIndividual[0] : raw.recipientIndividual) as Record<string, unknown> : {};
    g.recipientIndividual = { id: typeof given?.id === 'string' ? given.id : row.recipient_org_id ?? `${row.grant_id}-recipient`, name: 'Individual Recipient' };
    delete g.recipientOrganization;
    const la = row.la_code;
    g.beneficiaryLocation = la ? [{ geoCode: la, geoCodeType: 'LA', name: ctx.laNames.get(la) ?? la, countryCode: 'GB' }] : [];
    if ((g.beneficiaryLocation as unknown[]).length === 0) delete g.beneficiaryLocation;
  } else {
    const orgs = Array.isArray(raw.recipientOrganization) ? raw.recipientOrganization : raw.recipientOrganization ? [raw.recipientOrganization] : [];
    g.recipientOrganization = orgs.length ? orgs : [{ id: row.recipient_org_id ?? `${row.grant_id}-recipient`, name: row.recipient_name ?? 'Not given' }];
    delete g.recipientIndividual;
  }
  // The pots a grant draws on (grants.chains.ts): their ids join relatedActivity, and the documented additional
  // field commonwealRegrantedFrom names them (docs/modules/grants-chains.md).
  g.relatedActivity = chain?.relatedActivity ?? row.related_activity ?? [];
  if ((g.relatedActivity as unknown[]).length === 0) delete g.relatedActivity;
  if (chain?.commonwealRegrantedFrom.length) g.commonwealRegrantedFrom = chain.commonwealRegrantedFrom;
  else delete g.commonwealRegrantedFrom;

  const validate = validateGrant();
  for (let attempt = 0; attempt < 20 && !validate(g); attempt++) {
    const pointers = [...new Set((validate.errors ?? []).map((e) => e.instancePath))].sort((a, b) => b.length - a.length);
    if (!pointers.every((p) => removeAt(g, p))) break;
  }
  // What the columns alone say: for a stored grant whose JSON cannot be made valid by leaving values out.
  return validate(g) || !fromStored ? g : build(row, ctx, false, chain);
}

/** The CSV's columns: the 360Giving flattened titles (so the file can be imported again), then the explorer's. */
export const CSV_HEADER = ['Identifier', 'Title', 'Description', 'Currency', 'Amount Awarded', 'Award Date', 'Recipient Org:Identifier', 'Recipient Org:Name',
  'Recipient Ind:Identifier', 'Funding Org:Identifier', 'Funding Org:Name', 'Grant Programme:Title', 'Beneficiary Location:0:Geographic Code',
  'Beneficiary Location:0:Geographic Code Type', 'For Regrant Type', 'Related Activity', 'Recipient type', 'Local authority'] as const;

function csvOf(row: ExportRow, ctx: ExportContext): string {
  const individual = row.recipient_type === 'individual';
  const code = individual ? row.la_code : (row.small_area_code ?? row.la_code ?? row.location_code);
  const codeType = code === null ? null : code === row.small_area_code ? (code.startsWith('S') ? 'DZ' : 'LSOA') : code === row.la_code ? 'LA' : row.location_code_type;
  return csvRow([row.grant_id, row.title, row.description, row.currency, majorUnits(Number(row.amount_minor), row.currency).toString(), row.award_date,
    individual ? null : row.recipient_org_id, individual ? null : row.recipient_name, individual ? (row.recipient_org_id ?? `${row.grant_id}-recipient`) : null,
    row.funder_org_id, row.funder_name, row.programme, code, codeType, row.regrant_type, (row.related_activity ?? []).join(';'),
    RECIPIENT_KINDS.find((k) => k.value === row.recipient_kind)?.text ?? row.recipient_kind, row.la_code ? (ctx.laNames.get(row.la_code) ?? row.la_code) : null]);
}

export type ExportFormat = '360giving' | 'csv' | 'json';

export interface PackageMeta {
  title: string;
  description?: string;
  /** Where the package can be downloaded again (absolute). */
  downloadURL?: string;
  publisher?: { name: string; identifier?: string };
}

/**
 * Every grant the filters match, as a stream of text in `format`. The first batch is read before this
 * returns, so "nothing matches" is a 404 (a 360Giving package must hold at least one grant), not an empty
 * or broken download.
 */
export async function exportGrants(db: Db, filters: GrantFilters, format: ExportFormat, meta: PackageMeta): Promise<Readable> {
  const ctx = await exportContext(db);
  const batches = exportRows(db, filters);
  const first = await batches.next();
  if (first.done || first.value.length === 0) throw new AppError('not_found', 'No published grants match: there is nothing to download');
  async function* text(): AsyncGenerator<string> {
    let n = 0;
    let chains = new Map<string, ChainFields>();
    const item = format === 'csv' ? (r: ExportRow) => csvOf(r, ctx) : format === 'json' ? (r: ExportRow) => JSON.stringify(presentGrant(r))
      : (r: ExportRow) => JSON.stringify(grantTo360Giving(r, ctx, chains.get(`${r.organisation_id}:${r.grant_id}`)));
    if (format === 'csv') yield csvRow(CSV_HEADER);
    else if (format === 'json') yield '{"grants":[\n';
    else {
      const head: Record<string, unknown> = { version: '1.4', title: meta.title, issued: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
      if (meta.description) head.description = meta.description;
      if (meta.publisher) head.publisher = meta.publisher;
      if (meta.downloadURL) head.downloadURL = meta.downloadURL;
      yield `${JSON.stringify(head).slice(0, -1)},"grants":[\n`;
    }
    let batch: ExportRow[] | undefined = first.value;
    while (batch) {
      if (format === '360giving') chains = await grantChainFields(db, batch.map((r) => ({ publisherId: r.organisation_id, grantId: r.grant_id, relatedActivity: r.related_activity ?? [] })));
      let chunk = '';
      for (const r of batch) {
        chunk += format === 'csv' ? item(r) : `${n ? ',\n' : ''}${item(r)}`;
        n++;
      }
      yield chunk;
      const next = await batches.next();
      batch = next.done ? undefined : next.value;
    }
    if (format !== 'csv') yield '\n]}\n';
  }
  return Readable.from(text());
}

export const CONTENT_TYPES: Record<ExportFormat, string> = { '360giving': 'application/json; charset=utf-8', csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8' };
