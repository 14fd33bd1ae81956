import { stat } from 'node:fs/promises';
import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { confirmMapping, importSpendFile, type ImportResult } from './spend.import.ts';
import { readFile } from 'node:fs/promises';
import * as service from './spend.service.ts';
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
    summary: 'Import spending-over-£500 files for a publisher (all or nothing, per file)',
    usage: 'commonweal spend import FILE… --publisher ORG [--period 2010-10..2010-12] [--json]',
    options: { publisher: { type: 'string' }, period: { type: 'string' } },
    async run(ctx, { values, positionals }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher, an organisation id or org-id identifier such as GB-LAE-NET' }]);
      if (positionals.length === 0) throw AppError.validation([{ field: 'file', message: 'Name at least one file to import' }]);
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
    summary: 'Publish a senior salaries list for a date from a CSV file (replaces that date’s list)',
    usage: 'commonweal spend salaries import FILE --publisher ORG --as-at 2017-03-31',
    options: { publisher: { type: 'string' }, 'as-at': { type: 'string' } },
    async run(ctx, { values, positionals }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher, an organisation id or org-id identifier such as GB-LAE-NET' }]);
      if (positionals.length !== 1) throw AppError.validation([{ field: 'file', message: 'Name one senior salaries CSV file' }]);
      const bytes = await readFile(positionals[0]!).catch(() => {
        throw AppError.validation([{ field: 'file', message: `No file at ${positionals[0]}` }]);
      });
      return salaries.importSalaryCsv(ctx.db, cliActor, values.publisher as string, { bytes, asAt: values['as-at'] as string | undefined });
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
