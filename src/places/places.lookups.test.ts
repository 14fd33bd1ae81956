// Importing the place finder's lookups (a postcode directory, an LSOA→ward lookup) on both engines: all or
// nothing with the bad row named, idempotent, COPY of a file larger than one COPY piece, header variants of
// ONSPD/NSPL/the ONS postcode lookup, and two imports at once.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { importPostcodes, importWards } from './places.lookups.ts';

const NSPL_HEADER = 'pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa11,cty,ced,laua,ward,hlthau,nhser,ctry,rgn,pcon,eer,teclec,ttwa,pct,itl,park,lsoa11,msoa11';
const nsplRow = (pcds: string, lsoa: string, la = 'E08000024', doterm = '') =>
  `"${pcds.replace(' ', '')}","${pcds}","${pcds}","198001","${doterm}","0","439867","0557268","1","E00170202","E11000007","E99999999","${la}","E05001158","E18000001","E40000009","E92000001","E12000001","E14000982","E15000001","E24000018","E30000275","E16000052","E08000024","E99999999","${lsoa}","E02001803"`;

async function counts(db: Parameters<typeof importPostcodes>[0]['db']) {
  const n = async (table: 'places_postcodes' | 'places_wards' | 'places_area_wards') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const audit = await db.selectFrom('audit_log').select('action').where('action', 'like', 'places.%').execute();
  return { postcodes: await n('places_postcodes'), wards: await n('places_wards'), areaWards: await n('places_area_wards'), audit: audit.length };
}

function rejectsNaming(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.fieldErrors[0]?.field, 'file');
    assert.match(error.fieldErrors[0]!.message, pattern);
    return true;
  };
}

eachEngine('places lookups import', (t) => {
  it('refuses a postcode file with a bad row, names the row and line, and writes nothing', async () => {
    const { ctx } = t();
    const cases: [string[], RegExp][] = [
      [[nsplRow('SR1 1AA', 'E01008703'), nsplRow('SR1 1XX9', 'E01008703')], /^Data row 2 \(line 3\): "SR1 1XX9" is not a postcode$/],
      [[nsplRow('SR1 1AA', 'E01008703'), nsplRow('sr1 1aa', 'E01008703')], /^Data row 2 \(line 3\): SR1 1AA is given twice$/],
      [[nsplRow('SR1 1AA', 'E01-8703')], /^Data row 1 \(line 2\): "E01-8703" is not a small-area \(LSOA or data zone\) code$/],
      [[nsplRow('SR1 1AA', 'E01008703', 'E08000024', '1999-12')], /^Data row 1 \(line 2\): the date of termination "1999-12" is not a month written YYYYMM$/],
      [[nsplRow('SR1 1AA', 'E01008703'), '"SR11AB","SR1 1AB","SR1 1AB","1980'], /^Line 3, column 4: a quoted field is never closed$/],
      [[], /^The file has a header line but no postcodes$/],
    ];
    for (const [rows, pattern] of cases) {
      const file = Buffer.from([NSPL_HEADER, ...rows].join('\n'));
      await assert.rejects(importPostcodes(ctx, cliActor, { bytes: file }), rejectsNaming(pattern));
    }
    // A good file of 3,000 rows that goes wrong at its last row: COPY had already sent earlier pieces.
    const many = Array.from({ length: 3000 }, (_, i) => nsplRow(`SR${1 + Math.floor(i / 500)} ${i % 10}${'ABDEFGHJLNPQRSTUWXYZ'[Math.floor(i / 10) % 20]}${'ABDEFGHJLNPQRSTUWXYZ'[Math.floor(i / 200) % 20]}`, 'E01008703'));
    many.push(nsplRow('SR9 9Z', 'E01008703'));
    await assert.rejects(importPostcodes(ctx, cliActor, { bytes: gzipSync(Buffer.from([NSPL_HEADER, ...many].join('\n'))) }), rejectsNaming(/^Data row 3,001 \(line 3002\): "SR9 9Z" is not a postcode$/));
    await assert.rejects(importPostcodes(ctx, cliActor, { bytes: Buffer.from('pcds,oa11\n"SR1 1AA",E00170202\n') }), rejectsNaming(/no LSOA \(2011\) or data zone column/));
    await assert.rejects(importPostcodes(ctx, cliActor, { path: '/nonexistent/nspl.csv' }), rejectsNaming(/^No file at \/nonexistent\/nspl.csv$/));
    assert.deepEqual(await counts(ctx.db), { postcodes: 0, wards: 0, areaWards: 0, audit: 0 });
  });

  it('loads a postcode directory once, keeps terminated postcodes, and replaces it with the next', async () => {
    const { ctx } = t();
    const rows = [nsplRow('SR1 1AA', 'E01008703', 'E08000024', '199912'), nsplRow('SR1 1AE', 'E01008836'), nsplRow('JE2 3AA', 'L99999999', 'L99999999'), nsplRow('FK1 1AA', 'S01006000', 'S12000014')];
    const dir = mkdtempSync(join(tmpdir(), 'cw-postcodes-'));
    const path = join(dir, 'nspl.csv.gz');
    writeFileSync(path, gzipSync(Buffer.from(`${[NSPL_HEADER, ...rows].join('\r\n')}\r\n`)));
    const progress: number[] = [];
    const first = await importPostcodes(ctx, cliActor, { path }, { onProgress: (read) => progress.push(read) });
    assert.deepEqual([first.changed, first.rows], [true, 4]);
    assert.ok(progress.length >= 1, 'progress is reported');
    const again = await importPostcodes(ctx, cliActor, { path });
    assert.deepEqual([again.changed, again.rows], [false, 4]);
    const stored = await ctx.db.selectFrom('places_postcodes').selectAll().orderBy('compact').execute();
    assert.deepEqual(stored.map((r) => [r.compact, r.postcode, r.outward, r.sector, r.area_code, r.la_code, r.terminated]), [
      ['FK11AA', 'FK1 1AA', 'FK1', 'FK1 1', 'S01006000', 'S12000014', null],
      ['JE23AA', 'JE2 3AA', 'JE2', 'JE2 3', null, null, null],
      ['SR11AA', 'SR1 1AA', 'SR1', 'SR1 1', 'E01008703', 'E08000024', '199912'],
      ['SR11AE', 'SR1 1AE', 'SR1', 'SR1 1', 'E01008836', 'E08000024', null],
    ]);
    // The "postcode to OA to LSOA" lookup's own column names, replacing the first file whole.
    const lookup = 'PCD7,PCD8,PCDS,DOINTR,DOTERM,USERTYPE,OA11CD,LSOA11CD,MSOA11CD,LADCD,LSOA11NM,MSOA11NM,LADNM,LADNMW\n"SR1 1BA","SR1  1BA","SR1 1BA","198001","","0","E00170234","E01008703","E02001803","E08000024","Sunderland 027A","Sunderland 027","Sunderland",""\n';
    const replaced = await importPostcodes(ctx, cliActor, { bytes: Buffer.from(lookup) });
    assert.deepEqual([replaced.changed, replaced.rows], [true, 1]);
    assert.deepEqual((await ctx.db.selectFrom('places_postcodes').select('postcode').execute()).map((r) => r.postcode), ['SR1 1BA']);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'after']).where('action', '=', 'places.postcodes.imported').execute();
    assert.equal(audit.length, 2);
  });

  it('lets two postcode imports at once take turns: the result is one whole file, never a mixture', async () => {
    const { ctx } = t();
    // The same 2,000 postcodes in two files that put them in different small areas.
    const codes = Array.from({ length: 2000 }, (_, i) => `SR${2 + Math.floor(i / 400)} ${i % 10}${'ABDEFGHJLNPQRSTUWXYZ'[Math.floor(i / 10) % 20]}${'ABDEFGHJLNPQRSTUWXYZ'[Math.floor(i / 200) % 20]}`);
    const file = (area: string) => Buffer.from([NSPL_HEADER, ...codes.map((c) => nsplRow(c, area))].join('\n'));
    const results = await Promise.allSettled([importPostcodes(ctx, cliActor, { bytes: file('E01008703') }), importPostcodes(ctx, cliActor, { bytes: file('E01008836') })]);
    assert.ok(results.every((r) => r.status === 'fulfilled'), JSON.stringify(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))));
    const stored = await ctx.db.selectFrom('places_postcodes').select(['area_code']).select((eb) => eb.fn.countAll<string>().as('n')).groupBy('area_code').execute();
    assert.equal(stored.length, 1, 'every postcode from the same file');
    assert.equal(Number(stored[0]!.n), 2000);
  });

  it('loads an LSOA→ward lookup all or nothing, naming a bad row', async () => {
    const { ctx } = t();
    const header = 'FID,LSOA11CD,LSOA11NM,WD19CD,WD19NM,LAD19CD,LAD19NM';
    const good = [header, '1,E01008304,Newcastle upon Tyne 026C,E05011439,Byker,E08000021,Newcastle upon Tyne', '2,E01008305,Newcastle upon Tyne 026D,E05011439,Byker,E08000021,Newcastle upon Tyne', '3,E01008390,Newcastle upon Tyne 030A,E05011458,Walker,E08000021,Newcastle upon Tyne'];
    const bad: [string[], RegExp][] = [
      [[...good, '4,E01008390,Newcastle upon Tyne 030A,E05011458,Walker,E08000021,Newcastle upon Tyne'], /^Data row 4 \(line 5\): E01008390 is given twice$/],
      [[...good, '4,E01008391,x,E05011439,Byker East,E08000021,Newcastle upon Tyne'], /^Data row 4 \(line 5\): the ward E05011439 is called "Byker East" here but "Byker" earlier$/],
      [[...good, '4,E0100839,x,E05011439,Byker,E08000021,Newcastle upon Tyne'], /^Data row 4 \(line 5\): "E0100839" is not an LSOA or data zone code$/],
      [['LSOA11CD,WARD,LAD19CD', 'E01008304,Byker,E08000021'], /no ward code \(WDyyCD\) column/],
    ];
    for (const [lines, pattern] of bad) await assert.rejects(importWards(ctx, cliActor, { bytes: Buffer.from(lines.join('\n')) }), rejectsNaming(pattern));
    assert.equal((await counts(ctx.db)).wards, 0);
    const loaded = await importWards(ctx, cliActor, { bytes: gzipSync(Buffer.from(good.join('\n'))) });
    assert.deepEqual([loaded.changed, loaded.rows], [true, 3]);
    assert.deepEqual((await importWards(ctx, cliActor, { bytes: gzipSync(Buffer.from(good.join('\n'))) })).changed, false);
    const c = await counts(ctx.db);
    assert.deepEqual([c.wards, c.areaWards], [2, 3]);
  });
});
