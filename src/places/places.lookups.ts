// Loading the published lookups the place finder reads: the ONS postcode directory (postcode → small area and
// local authority) and an ONS "LSOA (2011) to ward" lookup (small area → electoral ward, with names). Each import
// replaces the whole dataset in one transaction with an audit row: all or nothing, and a file already loaded
// (same SHA-256) changes nothing. Every problem names the data row and line.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import type { DatabaseHandle, Db } from '../platform/db.ts';
import { readCsvRecords, type CsvRecord } from './places.csv.ts';
import { ParseError } from './places.errors.ts';
import { copyField, withCopyTransaction } from './places.load.ts';
import { formatPostcode, postcodeParts } from './places.postcode.ts';
import * as repo from './places.repository.ts';

/** A file to import: a path (streamed, never read whole) or bytes (an upload, a test). Gzip is recognised. */
export type LookupSource = { path: string } | { bytes: Uint8Array };

export interface LookupImportOptions {
  /** Bytes read so far of `total` (the file's size: compressed bytes for gzip), for a progress bar. */
  onProgress?: (read: number, total: number) => void;
}

export interface LookupImportResult {
  dataset: 'postcodes' | 'wards';
  /** False when the same file was already loaded: nothing was changed. */
  changed: boolean;
  rows: number;
  sha256: string;
}

interface Context {
  db: Db;
  handle: DatabaseHandle;
}

const fail = (field: string, message: string): never => {
  throw AppError.validation([{ field, message }]);
};

async function sizeOf(source: LookupSource, field: string): Promise<number> {
  if ('bytes' in source) return source.bytes.length;
  try {
    return (await stat(source.path)).size;
  } catch {
    return fail(field, `No file at ${source.path}`);
  }
}

async function sha256Of(source: LookupSource): Promise<string> {
  const hash = createHash('sha256');
  if ('bytes' in source) hash.update(source.bytes);
  else for await (const chunk of createReadStream(source.path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function* counted(source: LookupSource, total: number, onProgress?: (read: number, total: number) => void): AsyncGenerator<Uint8Array> {
  let read = 0;
  let last = 0;
  const chunks: AsyncIterable<Uint8Array> = 'bytes' in source
    ? (async function* () { for (let i = 0; i < source.bytes.length; i += 1 << 20) yield source.bytes.subarray(i, i + (1 << 20)); })()
    : (createReadStream(source.path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>);
  for await (const chunk of chunks) {
    read += chunk.length;
    if (onProgress && (read - last >= 1 << 20 || read === total)) {
      last = read;
      onProgress(read, total);
    }
    yield chunk;
  }
}

/** Reads the header line and finds each wanted column by any of its published names (case-insensitive). */
function columnsOf(record: CsvRecord | undefined, field: string, what: string, wanted: Record<string, { names: (string | RegExp)[]; required: boolean; label: string }>): Record<string, number> {
  if (!record) return fail(field, `The file is empty: expected ${what} with a header line`);
  const header = record.fields.map((f) => f.trim().toLowerCase());
  const out: Record<string, number> = {};
  for (const [key, spec] of Object.entries(wanted)) {
    // Names in order of preference: "pcds" (the written form) before "pcd" (the 7-character form).
    let index = -1;
    for (const n of spec.names) {
      index = header.findIndex((h) => (typeof n === 'string' ? h === n : n.test(h)));
      if (index >= 0) break;
    }
    if (index < 0 && spec.required) {
      fail(field, `The header line has no ${spec.label} column (looked for ${spec.names.map(String).join(', ')}); it has ${header.slice(0, 12).join(', ')}${header.length > 12 ? ', …' : ''}. Is this ${what}?`);
    }
    out[key] = index;
  }
  return out;
}

/** Codes in the directories: GSS codes, and the pseudo codes (e.g. E99999999, L99999999) meaning "none". */
const CODE = /^[A-Z0-9]{8,9}$/;
const PSEUDO = /^[A-Z]9{8}$/;

function areaOrNull(value: string, what: string, at: () => string): string | null {
  const v = value.trim().toUpperCase();
  if (v === '' || PSEUDO.test(v)) return null;
  if (!CODE.test(v)) return fail('file', `${at()}: "${value.slice(0, 20)}" is not a ${what} code`);
  return v;
}

/**
 * Loads a postcode directory: the ONS Postcode Directory (ONSPD), the National Statistics Postcode Lookup
 * (NSPL) or the "postcode to OA to LSOA to MSOA to LAD" lookup, as published (CSV, plain or gzip; columns
 * found by name: pcds/pcd/pcd7/pcd8, lsoa11/lsoa11cd, laua/oslaua/ladcd, doterm). Replaces every postcode in
 * one transaction with COPY; terminated postcodes are kept with the month they ended. A bad row (not a
 * postcode, a postcode given twice, a malformed code or date) stops the import, names the row and line, and
 * changes nothing. Importing the same file again changes nothing.
 */
export async function importPostcodes(ctx: Context, actor: Actor, source: LookupSource, options: LookupImportOptions = {}): Promise<LookupImportResult> {
  const total = await sizeOf(source, 'file');
  const sha256 = await sha256Of(source);
  const previous = await repo.getImport(ctx.db, 'postcodes');
  if (previous?.sha256 === sha256) return { dataset: 'postcodes', changed: false, rows: previous.areas, sha256 };
  const records = readCsvRecords(counted(source, total, options.onProgress))[Symbol.asyncIterator]();
  let first: CsvRecord | undefined;
  try {
    first = (await records.next()).value as CsvRecord | undefined;
  } catch (error) {
    if (error instanceof ParseError) fail('file', `Line ${error.line}, column ${error.column}: ${error.detail}`);
    throw error;
  }
  const col = columnsOf(first, 'file', 'a postcode directory (ONSPD, NSPL or the postcode to LSOA lookup)', {
    postcode: { names: ['pcds', 'pcd', 'pcd7', 'pcd8', 'postcode'], required: true, label: 'postcode' },
    area: { names: ['lsoa11', 'lsoa11cd', 'lsoa_dz_code'], required: true, label: 'LSOA (2011) or data zone' },
    la: { names: ['laua', 'oslaua', 'ladcd', 'lad', /^lad\d\dcd$/], required: true, label: 'local authority' },
    terminated: { names: ['doterm'], required: false, label: 'date of termination' },
  });
  let rows = 0;
  const seen = new Set<string>();
  async function* copyRows(): AsyncGenerator<string> {
    for (;;) {
      let next: IteratorResult<CsvRecord>;
      try {
        next = await records.next();
      } catch (error) {
        if (error instanceof ParseError) fail('file', `Line ${error.line}, column ${error.column}: ${error.detail}`);
        throw error;
      }
      if (next.done) return;
      const record = next.value;
      rows += 1;
      const at = () => `Data row ${rows.toLocaleString('en-GB')} (line ${record.line})`;
      const f = record.fields;
      const raw = f[col.postcode!] ?? '';
      const postcode = formatPostcode(raw);
      if (!postcode) fail('file', `${at()}: "${raw.slice(0, 20)}" is not a postcode`);
      const parts = postcodeParts(postcode!);
      if (seen.has(parts.compact)) fail('file', `${at()}: ${postcode} is given twice`);
      seen.add(parts.compact);
      const area = areaOrNull(f[col.area!] ?? '', 'small-area (LSOA or data zone)', at);
      const la = areaOrNull(f[col.la!] ?? '', 'local authority', at);
      const term = col.terminated! >= 0 ? (f[col.terminated!] ?? '').trim() : '';
      if (term !== '' && !/^(19|20)[0-9]{2}(0[1-9]|1[0-2])$/.test(term)) fail('file', `${at()}: the date of termination "${term.slice(0, 10)}" is not a month written YYYYMM`);
      yield `${parts.compact}\t${postcode}\t${parts.outward}\t${parts.sector}\t${copyField(area)}\t${copyField(la)}\t${copyField(term === '' ? null : term)}\n`;
    }
  }
  await withCopyTransaction(ctx.handle, async (trx, copy) => {
    await repo.deletePostcodes(trx);
    await copy('places_postcodes', ['compact', 'postcode', 'outward', 'sector', 'area_code', 'la_code', 'terminated'], copyRows());
    if (rows === 0) fail('file', 'The file has a header line but no postcodes');
    await repo.saveImport(trx, 'postcodes', sha256, rows);
    await recordAudit(trx, actor, {
      action: 'places.postcodes.imported', entityType: 'places_dataset', entityId: 'postcodes',
      before: previous ? { sha256: previous.sha256, rows: previous.areas } : null, after: { sha256, rows },
    });
  });
  return { dataset: 'postcodes', changed: true, rows, sha256 };
}

/**
 * Loads an ONS "LSOA (2011) to ward" best-fit lookup (any year: columns LSOA11CD, WDyyCD, WDyyNM, LADyyCD; data
 * zones and Scottish wards work the same way), replacing every ward and every small area's ward in one
 * transaction. A bad row (a malformed code, a small area given twice, one ward code with two names) names the
 * row and line and changes nothing. Importing the same file again changes nothing.
 */
export async function importWards(ctx: Context, actor: Actor, source: LookupSource, options: LookupImportOptions = {}): Promise<LookupImportResult> {
  const total = await sizeOf(source, 'file');
  const sha256 = await sha256Of(source);
  const previous = await repo.getImport(ctx.db, 'wards');
  if (previous?.sha256 === sha256) return { dataset: 'wards', changed: false, rows: previous.areas, sha256 };
  const wards = new Map<string, { code: string; name: string; la_code: string }>();
  const areaWards = new Map<string, string>();
  let rows = 0;
  try {
    let col: Record<string, number> | null = null;
    for await (const record of readCsvRecords(counted(source, total, options.onProgress))) {
      if (!col) {
        col = columnsOf(record, 'file', 'an LSOA (2011) to ward lookup', {
          area: { names: ['lsoa11cd', 'lsoa11', 'datazone', 'dz11cd', 'datazone2011'], required: true, label: 'LSOA (2011) code' },
          ward: { names: [/^wd\d\dcd$/], required: true, label: 'ward code (WDyyCD)' },
          name: { names: [/^wd\d\dnm$/], required: true, label: 'ward name (WDyyNM)' },
          la: { names: [/^lad\d\dcd$/, 'ladcd'], required: true, label: 'local authority code (LADyyCD)' },
        });
        continue;
      }
      rows += 1;
      const at = `Data row ${rows.toLocaleString('en-GB')} (line ${record.line})`;
      const f = record.fields.map((v) => v.trim());
      const area = (f[col.area!] ?? '').toUpperCase();
      const ward = (f[col.ward!] ?? '').toUpperCase();
      const name = f[col.name!] ?? '';
      const la = (f[col.la!] ?? '').toUpperCase();
      if (!/^[EWS]0[0-9]{7}$/.test(area)) fail('file', `${at}: "${area.slice(0, 20)}" is not an LSOA or data zone code`);
      if (!/^[EWS][0-9]{8}$/.test(ward)) fail('file', `${at}: "${ward.slice(0, 20)}" is not a ward code`);
      if (name === '' || name.length > 100) fail('file', `${at}: the ward ${ward} has no name`);
      if (!/^[EWSN][0-9]{8}$/.test(la)) fail('file', `${at}: "${la.slice(0, 20)}" is not a local authority code`);
      if (areaWards.has(area)) fail('file', `${at}: ${area} is given twice`);
      const known = wards.get(ward);
      if (known && known.name !== name) fail('file', `${at}: the ward ${ward} is called "${name}" here but "${known.name}" earlier`);
      wards.set(ward, { code: ward, name, la_code: la });
      areaWards.set(area, ward);
    }
    if (!col) fail('file', 'The file is empty: expected an LSOA (2011) to ward lookup with a header line');
  } catch (error) {
    if (error instanceof ParseError) fail('file', `Line ${error.line}, column ${error.column}: ${error.detail}`);
    throw error;
  }
  if (rows === 0) fail('file', 'The file has a header line but no rows');
  await inTransaction(ctx.db, async (trx) => {
    await repo.replaceWards(trx, [...wards.values()], [...areaWards].map(([area_code, ward_code]) => ({ area_code, ward_code })));
    await repo.saveImport(trx, 'wards', sha256, rows);
    await recordAudit(trx, actor, {
      action: 'places.wards.imported', entityType: 'places_dataset', entityId: 'wards',
      before: previous ? { sha256: previous.sha256, rows: previous.areas } : null, after: { sha256, rows, wards: wards.size },
    });
  });
  return { dataset: 'wards', changed: true, rows, sha256 };
}
