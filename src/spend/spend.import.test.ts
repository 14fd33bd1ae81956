import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { isAppError } from '../platform/errors.ts';
import { confirmMapping, importSpendFile } from './spend.import.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { getSupplier } from './spend.service.ts';

const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/spend/${name}`, import.meta.url));

// The figures issue 3 pins, with the publisher of each file.
const PINNED = [
  { file: 'darlington-2010-10.csv', publisher: 'GB-LAE-DAL', rows: 794, pence: 474256156, period: '2010-10..2010-12' },
  { file: 'newcastle-2017-02.csv', publisher: 'GB-LAE-NET', rows: 6118, pence: 3308297524 },
  { file: 'northtyneside-2014-05.csv', publisher: 'GB-LAE-NTY', rows: 12245, pence: 2607375200 },
  { file: 'calderdale-2015-06.csv', publisher: 'GB-LAE-CLD', rows: 5295, pence: 2396036612 },
  { file: 'leeds-2011-04.csv', publisher: 'GB-LAE-LDS', rows: 11707, pence: 8096512553 },
  { file: 'gateshead-2011-02.csv', publisher: 'GB-LAE-GAT', rows: 5077, pence: 1683174010 },
  { file: 'oxford-2017-q1.csv', publisher: 'GB-LAE-OXO', rows: 3913, pence: 1339798924 },
] as const;

async function stored(db: Parameters<typeof seedOrganisations>[0]['db'], organisationId: string) {
  const r = await db.selectFrom('spend_lines').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('net_pence').as('pence')])
    .where('organisation_id', '=', organisationId).executeTakeFirstOrThrow();
  const files = await db.selectFrom('spend_files').selectAll().where('organisation_id', '=', organisationId).execute();
  return { lines: Number(r.n), pence: Number(r.pence ?? 0), files };
}

eachEngine('spend import', (t) => {
  it('imports the seven shared council files with the pinned figures', async (c) => {
    const { ctx, engine } = t();
    await seedOrganisations(ctx);
    // PostgreSQL: a sample, since PGlite already covers all seven (the figures come from the same reader).
    const files = engine === 'pglite' ? PINNED : PINNED.filter((p) => ['darlington-2010-10.csv', 'gateshead-2011-02.csv', 'leeds-2011-04.csv'].includes(p.file));
    for (const p of files) {
      const result = await importSpendFile(ctx, cliActor, { publisher: p.publisher, source: { bytes: dataset(p.file) }, filename: p.file, period: 'period' in p ? p.period : null });
      assert.equal(result.outcome, 'imported', p.file);
      assert.equal(result.rowsImported, p.rows, p.file);
      assert.equal(result.netTotalPence, p.pence, p.file);
      assert.equal(result.rowsRejected, 0, p.file);
      const db = await stored(ctx.db, result.publisher.id);
      assert.equal(db.lines, p.rows, `${p.file} lines stored`);
      assert.equal(db.pence, p.pence, `${p.file} pence stored`);
      const audit = await ctx.db.selectFrom('audit_log').selectAll().where('entity_id', '=', result.fileId).execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.action, 'spend.file.imported');
    }
    c.diagnostic(`${files.length} files on ${engine}`);
  });

  it('changes nothing when the same bytes are imported again', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const bytes = dataset('gateshead-2011-02.csv');
    // Read in a worker thread, as a large file is.
    const first = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-GAT', source: { bytes }, readInWorker: true });
    assert.equal(first.rowsImported, 5077);
    assert.equal(first.netTotalPence, 1683174010);
    const before = await stored(ctx.db, first.publisher.id);
    const again = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-GAT', source: { bytes } });
    assert.equal(again.outcome, 'unchanged');
    assert.equal(again.fileId, first.fileId);
    assert.equal(again.rowsImported, 5077);
    assert.deepEqual(await stored(ctx.db, first.publisher.id), before);
  });

  it('replaces a period atomically, keeps the old version and shows the difference', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const header = 'Date,Supplier Name,Expense Type,Net Amount\n';
    const v1 = `${header}01/03/2020,ACME LTD,Stationery,100.00\n02/03/2020,Byker Trust,Grant,250.50\n31/03/2020,ACME LTD,Stationery,100.00\n`;
    const v2 = `${header}01/03/2020,ACME LTD,Stationery,100.00\n31/03/2020,ACME LTD,Stationery,100.00\n15/03/2020,Ouseburn Farm,Grant,1000.00\n20/03/2020,Ouseburn Farm,Grant,5.00\n`;
    const a = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-STY', source: { bytes: Buffer.from(v1) } });
    assert.equal(a.version, 1);
    assert.equal(a.periodFrom, '2020-03-01');
    assert.equal(a.periodTo, '2020-03-31');
    const b = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-STY', source: { bytes: Buffer.from(v2) } });
    assert.equal(b.outcome, 'replaced');
    assert.equal(b.version, 2);
    assert.equal(b.replacedFileId, a.fileId);
    assert.deepEqual(b.diff, { linesAdded: 2, penceAdded: 100500, linesRemoved: 1, penceRemoved: 25050 });
    const files = await ctx.db.selectFrom('spend_files').selectAll().where('organisation_id', '=', a.publisher.id).orderBy('version').execute();
    assert.deepEqual(files.map((f) => [f.version, f.status, f.replaced_by]), [[1, 'replaced', b.fileId], [2, 'current', null]]);
    // The old lines are kept for the record.
    const oldLines = await ctx.db.selectFrom('spend_lines').select('line').where('organisation_id', '=', a.publisher.id).where('file_id', '=', a.fileId).execute();
    assert.equal(oldLines.length, 3);
  });

  it('leaves nothing behind when a file cannot be imported', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const org = (await ctx.db.selectFrom('organisation_identifiers').select('organisation_id').where('identifier', '=', 'NBL').executeTakeFirstOrThrow()).organisation_id;
    const noAmount = Buffer.from('Date,Supplier Name,Expense Type\n01/03/2020,ACME LTD,Stationery\n');
    await assert.rejects(importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: noAmount } }),
      (e: unknown) => isAppError(e) && e.code === 'validation_failed' && e.fieldErrors[0]?.field === 'file' && /net amount/i.test(e.message));
    // A gzip stream cut off after most of its lines: the lines read before the damage must not survive.
    const gz = gzipSync(dataset('leeds-2011-04.csv'));
    const truncated = gz.subarray(0, Math.floor(gz.length * 0.8));
    for (const readInWorker of [false, true]) {
      await assert.rejects(importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: truncated }, readInWorker }),
        (e: unknown) => isAppError(e) && e.code === 'validation_failed' && /gzip/.test(e.message));
    }
    // No dates and no period: the missing period is the fault, and the error names that field.
    const noDates = Buffer.from('Supplier Name,Net Amount\nACME LTD,600.00\n');
    await assert.rejects(importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: noDates } }),
      (e: unknown) => isAppError(e) && e.code === 'validation_failed' && e.fieldErrors.length === 1 && e.fieldErrors[0]?.field === 'period');
    const after = await stored(ctx.db, org);
    assert.equal(after.lines, 0);
    assert.equal(after.files.length, 0);
    const audit = await ctx.db.selectFrom('audit_log').select('id').where('organisation_id', '=', org).where('action', 'like', 'spend.%').execute();
    assert.equal(audit.length, 0);
    // The database is still usable afterwards.
    const ok = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: Buffer.from('Date,Supplier,Amount\n01/01/2021,X LTD,600\n') } });
    assert.equal(ok.rowsImported, 1);
  });

  it('keeps identical lines and flags each with the first, read here or in a worker', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const header = 'Date,Supplier Name,Expense Type,Net Amount\n';
    const rows = ['01/03/2020,ACME LTD,Stationery,100.00', '02/03/2020,Byker Trust,Grant,250.50', '01/03/2020,ACME LTD,Stationery,100.00',
      '03/03/2020,ACME LTD,Stationery,100.00', '01/03/2020,ACME LTD,Stationery,100.00', '02/03/2020,Byker Trust,Grant,250.50'];
    for (const [publisher, readInWorker] of [['GB-LAE-STY', false], ['GB-LAE-NBL', true]] as const) {
      const stages: string[] = [];
      const result = await importSpendFile(ctx, cliActor, { publisher, source: { bytes: Buffer.from(header + rows.join('\n') + '\n') }, readInWorker, onStage: (s) => stages.push(s) });
      assert.equal(result.rowsImported, 6);
      assert.deepEqual(stages, ['finding identical lines', 'building the indexes', 'adding up the totals', 'updating the supplier register']);
      const lines = await ctx.db.selectFrom('spend_lines').select(['line', 'duplicate_of']).where('file_id', '=', result.fileId).orderBy('line').execute();
      assert.deepEqual(lines.map((l) => [l.line, l.duplicate_of]), [[2, null], [3, null], [4, 2], [5, null], [6, 2], [7, 3]], publisher);
      const file = await ctx.db.selectFrom('spend_files').select('summary').where('id', '=', result.fileId).executeTakeFirstOrThrow();
      assert.equal((file.summary as { duplicateLines: number }).duplicateLines, 3);
    }
  });

  it('refuses someone without a publishing role', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const stranger = { userId: '00000000-0000-4000-8000-000000000001', tokenId: null, isAdmin: false, via: 'token' as const };
    await assert.rejects(importSpendFile(ctx, stranger, { publisher: 'GB-LAE-SND', source: { bytes: Buffer.from('Date,Supplier,Amount\n01/01/2021,X LTD,600\n') } }),
      (e: unknown) => isAppError(e) && e.code === 'forbidden');
  });

  it('links a supplier to the registry by its company number, and never a redacted payee', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    await createOrganisation(ctx.db, cliActor, { name: 'Tyne Builders Ltd', legalForm: 'company-limited-by-shares', identifiers: ['GB-COH-01234567'] });
    const file = 'Date,Supplier Name,Supplier Company Registration Number,Net Amount\n'
      + '01/05/2021,TYNE BUILDERS LIMITED,1234567,1200.00\n02/05/2021,Redacted - personal data,,800.00\n03/05/2021,Tyne Builders Ltd.,,99.50\n';
    const r = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-SND', source: { bytes: Buffer.from(file) } });
    assert.equal(r.rowsImported, 3);
    const supplier = await getSupplier(ctx.db, 'tyne-builders-ltd');
    assert.equal(supplier.organisation?.name, 'Tyne Builders Ltd');
    assert.equal(supplier.organisation?.method, 'identifier');
    assert.equal(supplier.lines, 2, 'both spellings are one supplier');
    assert.equal(supplier.netTotalPence, 129950);
    const redacted = await ctx.db.selectFrom('spend_suppliers').select('key').where('name', 'like', 'Redacted%').execute();
    assert.equal(redacted.length, 0);
  });

  it('remembers a confirmed mapping for the publisher’s next files', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    // Two amount-like columns; the publisher confirms the one used, and the next file is read with it.
    const v1 = 'Date,Supplier,Gross,Net\n01/06/2021,A LTD,1200.00,1000.00\n';
    const first = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: Buffer.from(v1) } });
    assert.equal(first.mapping.netAmount?.column, 'Net');
    const saved = await confirmMapping(ctx, cliActor, 'GB-LAE-NBL', first.fileId);
    assert.equal(saved.netAmount, 'Net');
    const v2 = 'Date,Supplier,Gross,Net\n01/07/2021,B LTD,600.00,500.00\n';
    const second = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: Buffer.from(v2) } });
    assert.equal(second.netTotalPence, 50000);
    assert.equal(second.mapping.netAmount?.column, 'Net');
    const files = await ctx.db.selectFrom('spend_files').select('summary').where('id', '=', second.fileId).executeTakeFirstOrThrow();
    assert.equal((files.summary as { rememberedMapping: boolean }).rememberedMapping, true);
  });
});

eachEngine('spend import: overlapping periods', (t) => {
  const header = 'Date,Supplier Name,Expense Type,Net Amount\n';
  const sum = async (ctx: ReturnType<typeof t>['ctx'], organisationId: string) => {
    const r = await ctx.db.selectFrom('spend_lines as l').innerJoin('spend_files as f', (j) => j.onRef('f.organisation_id', '=', 'l.organisation_id').onRef('f.id', '=', 'l.file_id'))
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('l.net_pence').as('pence')])
      .where('l.organisation_id', '=', organisationId).where('f.status', '=', 'current').executeTakeFirstOrThrow();
    return { lines: Number(r.n), pence: Number(r.pence ?? 0) };
  };

  it('a file covering the whole periods of several files replaces them all, with the difference against them together', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const jan = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-STY', source: { bytes: Buffer.from(`${header}05/01/2022,A LTD,X,100.00\n`) } });
    const feb = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-STY', source: { bytes: Buffer.from(`${header}05/02/2022,B LTD,X,200.00\n06/02/2022,C LTD,X,300.00\n`) } });
    const q1 = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-STY', source: { bytes: Buffer.from(`${header}05/01/2022,A LTD,X,100.00\n05/02/2022,B LTD,X,200.00\n07/03/2022,D LTD,X,400.00\n`) } });
    assert.equal(q1.outcome, 'replaced');
    assert.deepEqual([q1.periodFrom, q1.periodTo], ['2022-01-01', '2022-03-31']);
    assert.deepEqual(new Set(q1.replacedFileIds), new Set([jan.fileId, feb.fileId]));
    assert.deepEqual(q1.diff, { linesAdded: 1, penceAdded: 40000, linesRemoved: 1, penceRemoved: 30000 });
    assert.deepEqual(await sum(ctx, q1.publisher.id), { lines: 3, pence: 70000 }, 'nothing counted twice');
    const files = await ctx.db.selectFrom('spend_files').select(['id', 'status', 'replaced_by']).where('organisation_id', '=', q1.publisher.id).execute();
    assert.deepEqual(files.filter((f) => f.status === 'current').map((f) => f.id), [q1.fileId]);
    assert.ok(files.filter((f) => f.id !== q1.fileId).every((f) => f.replaced_by === q1.fileId));
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'before']).where('entity_id', '=', q1.fileId).executeTakeFirstOrThrow();
    assert.equal(audit.action, 'spend.file.replaced');
    assert.equal((audit.before as { files: unknown[] }).files.length, 2);
  });

  it('refuses a file that covers only part of a published file’s period, naming the period that would replace it, and writes nothing', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const q = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: Buffer.from(`${header}05/04/2022,A LTD,X,100.00\n07/06/2022,D LTD,X,400.00\n`) }, filename: 'q2.csv' });
    const before = await sum(ctx, q.publisher.id);
    // Inside the quarter (a correction for May alone), and straddling its end: both refused.
    for (const [file, wanted] of [
      [`${header}05/05/2022,B LTD,X,250.00\n`, '2022-04-01..2022-06-30'],
      [`${header}05/06/2022,B LTD,X,250.00\n05/07/2022,C LTD,X,10.00\n`, '2022-04-01..2022-07-31'],
    ] as const) {
      await assert.rejects(importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: Buffer.from(file) } }), (e: unknown) =>
        isAppError(e) && e.fieldErrors[0]?.field === 'period' && e.fieldErrors[0].message.includes('2022-04-01 to 2022-06-30 (q2.csv)') && e.fieldErrors[0].message.includes(wanted));
    }
    assert.deepEqual(await sum(ctx, q.publisher.id), before);
    assert.equal((await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', q.publisher.id).execute()).length, 1);
    // A file next to it, not overlapping, is simply added.
    const jul = await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: Buffer.from(`${header}05/07/2022,C LTD,X,10.00\n`) } });
    assert.equal(jul.outcome, 'imported');
  });

  it('lets only one of two overlapping imports racing each other become current', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const rows = (month: string, n: number) => Array.from({ length: n }, (_, i) => `${String((i % 27) + 1).padStart(2, '0')}/${month}/2023,S${i} LTD,X,${i + 1}.00`).join('\n');
    const janFeb = Buffer.from(`${header}${rows('01', 3000)}\n${rows('02', 3000)}\n`);
    const febMar = Buffer.from(`${header}${rows('02', 3000)}\n${rows('03', 3000)}\n`);
    const results = await Promise.allSettled([
      importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-GAT', source: { bytes: janFeb } }),
      importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-GAT', source: { bytes: febMar } }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(isAppError(failed.reason) && failed.reason.fieldErrors[0]?.field === 'period', String(failed.reason));
    const org = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof importSpendFile>>>).value.publisher.id;
    assert.deepEqual(await sum(ctx, org), { lines: 6000, pence: 2 * (3000 * 3001 / 2) * 100 });
  });
});
