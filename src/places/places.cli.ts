import { readFile } from 'node:fs/promises';
import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import * as service from './places.service.ts';
import { csvCell, type CsvValue } from '../platform/csv.ts';
import { importPostcodes, importWards, type LookupImportResult } from './places.lookups.ts';
import { findPlace } from './places.finder.ts';

type Format = 'csv' | 'json';

function format(values: Record<string, unknown>): Format {
  const f = (values.format as string | undefined) ?? 'csv';
  if (f !== 'csv' && f !== 'json') throw AppError.validation([{ field: 'format', message: 'Give --format csv or --format json' }]);
  return f;
}

async function readNamed(values: Record<string, unknown>, option: string, what: string): Promise<Uint8Array> {
  const path = values[option] as string | undefined;
  if (!path) throw AppError.validation([{ field: option, message: `Give --${option} FILE, ${what}` }]);
  try {
    return await readFile(path);
  } catch (error) {
    throw AppError.validation([{ field: option, message: `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
}

/** Writes rows as CSV (or one JSON array) to stdout in chunks; returns undefined so the CLI prints nothing more. */
function writeTable(rows: Record<string, unknown>[], columns: string[], f: Format): undefined {
  // A reader that stops early (`| head`) closes the pipe: that is not an error.
  process.stdout.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  if (f === 'json') {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return undefined;
  }
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c] as CsvValue)).join(','));
  process.stdout.write(`${lines.join('\n')}\n`);
  return undefined;
}

const progress = (message: string) => process.stderr.write(`${message}\n`);

/** A progress bar on stderr while a lookup file is read, when stderr is a terminal (or PLACES_PROGRESS=1). */
function progressBar(name: string): ((read: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY && process.env.PLACES_PROGRESS !== '1') return undefined;
  const started = Date.now();
  let last = -1;
  return (read, total) => {
    const pct = total > 0 ? Math.min(100, Math.floor((read / total) * 100)) : 100;
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    process.stderr.write(`\r${name} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${(read / 1048576).toFixed(1)}/${(total / 1048576).toFixed(1)} MB ${((Date.now() - started) / 1000).toFixed(1)}s`);
    if (pct === 100) process.stderr.write('\n');
  };
}

function oneFile(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw AppError.validation([{ field: 'file', message: `Name one file: ${what}` }]);
  return positionals[0]!;
}

async function lookupImport(run: () => Promise<LookupImportResult>) {
  const started = performance.now();
  const result = await run();
  if (!result.changed) progress(`${result.dataset}: this file is already loaded; nothing to do`);
  return { ...result, ms: Math.round(performance.now() - started) };
}

export const placesCommands: CliCommand[] = [
  {
    name: ['places', 'import-iod2019'],
    summary: 'Load the English Indices of Deprivation 2019 (File 2 domain ranks, File 6 population)',
    usage: 'commonweal places import-iod2019 --domains FILE --population FILE   (plain or gzip CSV)',
    options: { domains: { type: 'string' }, population: { type: 'string' } },
    async run(ctx, { values }) {
      const started = performance.now();
      const domains = await readNamed(values, 'domains', 'IoD2019 File 2 (domains of deprivation)');
      const population = await readNamed(values, 'population', 'IoD2019 File 6 (population denominators)');
      const result = await service.importIod2019(ctx.db, cliActor, { domains, population }, progress);
      return { ...result, ms: Math.round(performance.now() - started) };
    },
  },
  {
    name: ['places', 'import-simd2020'],
    summary: 'Load the Scottish Index of Multiple Deprivation 2020v2 ranks',
    usage: 'commonweal places import-simd2020 --ranks FILE   (plain or gzip CSV)',
    options: { ranks: { type: 'string' } },
    async run(ctx, { values }) {
      const started = performance.now();
      const ranks = await readNamed(values, 'ranks', 'the SIMD 2020v2 ranks file');
      const result = await service.importSimd2020(ctx.db, cliActor, { ranks }, progress);
      return { ...result, ms: Math.round(performance.now() - started) };
    },
  },
  {
    name: ['places', 'imd'],
    summary: 'Compute IMD 2019 for every English LSOA from the loaded domain ranks (CSV or JSON on stdout)',
    usage: 'commonweal places imd [--format csv|json]   columns lsoa_code,score,rank,decile',
    options: { format: { type: 'string' } },
    async run(ctx, { values }) {
      const f = format(values);
      return writeTable(await service.imdTable(ctx.db), ['lsoa_code', 'score', 'rank', 'decile'], f);
    },
  },
  {
    name: ['places', 'la-summaries'],
    summary: 'Population-weighted IMD 2019 summaries for every English local authority district',
    usage: 'commonweal places la-summaries [--format csv|json] [--measure imd|income|employment|education|health|crime|barriers|livingEnvironment]   columns lad_code,avg_score,avg_rank,proportion,extent,local_concentration',
    options: { format: { type: 'string' }, measure: { type: 'string' } },
    async run(ctx, { values }) {
      const f = format(values);
      const rows = await service.laSummaryTable(ctx.db, (values.measure as string | undefined) ?? 'imd');
      if (rows.length === 0) throw new AppError('unavailable', 'IoD2019 is not loaded yet. Run: commonweal places import-iod2019 --domains FILE --population FILE');
      return writeTable(rows, ['lad_code', 'avg_score', 'avg_rank', 'proportion', 'extent', 'local_concentration'], f);
    },
  },
  {
    name: ['places', 'import-postcodes'],
    summary: 'Load a postcode directory (ONSPD, NSPL or the ONS postcode to LSOA lookup) for the place finder',
    usage: 'commonweal places import-postcodes FILE   (CSV as published, plain or gzip; replaces every postcode, all or nothing)',
    options: {},
    async run(ctx, { positionals }) {
      const path = oneFile(positionals, 'the postcode directory CSV (e.g. NSPL_NOV_2021_UK.csv)');
      return lookupImport(() => importPostcodes(ctx, cliActor, { path }, { onProgress: progressBar(path.split('/').pop() ?? path) }));
    },
  },
  {
    name: ['places', 'import-wards'],
    summary: 'Load an ONS LSOA (2011) to ward lookup: ward names for the place finder and small-area names',
    usage: 'commonweal places import-wards FILE   (CSV with LSOA11CD, WDyyCD, WDyyNM, LADyyCD; replaces every ward, all or nothing)',
    options: {},
    async run(ctx, { positionals }) {
      const path = oneFile(positionals, 'the LSOA (2011) to ward lookup CSV');
      return lookupImport(() => importWards(ctx, cliActor, { path }, { onProgress: progressBar(path.split('/').pop() ?? path) }));
    },
  },
  {
    name: ['places', 'find'],
    summary: 'Find a place as the search page does: a postcode, sector, ward, town, local authority or code',
    usage: 'commonweal places find TEXT…   e.g. commonweal places find "SR1 1AE"',
    options: {},
    async run(ctx, { positionals }) {
      if (positionals.length === 0) throw AppError.validation([{ field: 'text', message: 'Give a postcode or place name, e.g. "SR1 1AE" or Byker' }]);
      return findPlace(ctx.db, positionals.join(' '));
    },
  },
  {
    name: ['places', 'status'],
    summary: 'Which deprivation datasets are loaded',
    usage: 'commonweal places status',
    options: {},
    async run(ctx) {
      return { datasets: await service.loadedDatasets(ctx.db) };
    },
  },
];
