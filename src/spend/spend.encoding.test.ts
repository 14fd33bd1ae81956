import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { detectEncoding, utf8Evidence } from './spend.encoding.ts';
import { readSpendFile } from './spend.read.ts';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { importSpendFile } from './spend.import.ts';

const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/spend/${name}`, import.meta.url));

/**
 * Leeds's real file, made UTF-8 with a euro sign in the body name of lines 2 to 40, and one damaged byte (a
 * lone 0x92, Windows-1252's apostrophe) in the supplier name of each line in `bad`.
 */
function leedsWithEuros(bad: number[]): Buffer {
  const lines = dataset('leeds-2011-04.csv').toString('latin1').split('\n'); // the file is ASCII
  const out = lines.map((line, i) => {
    const n = i + 1;
    let bytes = Buffer.from(n >= 2 && n <= 40 ? line.replace('Leeds City Council', 'Leeds City Council €') : line, 'utf8');
    if (bad.includes(n)) {
      const at = bytes.lastIndexOf(',R,') + 3;
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([0x92]), bytes.subarray(at)]);
    }
    return bytes;
  });
  return Buffer.concat(out.flatMap((b, i) => (i < out.length - 1 ? [b, Buffer.from('\n')] : [b])));
}

describe('spend encoding on evidence', () => {
  it('counts valid multi-byte UTF-8 sequences against bytes that are not UTF-8', () => {
    assert.deepEqual(utf8Evidence(Buffer.from('a € b £ c', 'utf8')), { valid: 2, invalid: 0 });
    assert.deepEqual(utf8Evidence(Buffer.concat([Buffer.from('€ ', 'utf8'), Buffer.from([0xa3, 0x31])])), { valid: 1, invalid: 1 });
    assert.equal(detectEncoding(Buffer.concat([Buffer.from('x,€5\n', 'utf8'), Buffer.from([0x92]), Buffer.from('\n')]), true).encoding, 'utf-8');
    assert.equal(detectEncoding(Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x2c, 0xa3, 0x35, 0x0a]), true).encoding, 'windows-1252', 'Café,£5 in Windows-1252');
  });

  it('a real file that is UTF-8 with one bad byte stays UTF-8 (€ kept) and names the line', async () => {
    const { lines, summary } = await readSpendFile(leedsWithEuros([7]));
    assert.equal(summary.encoding, 'utf-8');
    assert.equal(lines.find((l) => l.line === 2)?.bodyName, 'Leeds City Council €', 'not "â‚¬"');
    assert.equal(lines.find((l) => l.line === 7)?.supplierName?.startsWith('\u2019'), true, 'the stray byte read as Windows-1252');
    assert.deepEqual(summary.undecodedLines, [7]);
    assert.ok(summary.warnings.some((w) => /1 line\(s\) hold 1 byte\(s\) that are not UTF-8.*line 7\b/.test(w)), summary.warnings.join('\n'));
    assert.equal(summary.rowsImported, 11707);
  });

  it('names every damaged line, also far beyond the sniffed sample, once each', async () => {
    const { summary } = await readSpendFile(leedsWithEuros([3, 9, 5000, 11000]));
    assert.equal(summary.encoding, 'utf-8');
    assert.deepEqual(summary.undecodedLines, [3, 9, 5000, 11000]);
  });

  it('Windows-1252 files are still read as Windows-1252 (darlington, calderdale)', async () => {
    assert.equal((await readSpendFile(dataset('darlington-2010-10.csv'), { period: '2010-10..2010-12' })).summary.encoding, 'windows-1252');
    const calderdale = await readSpendFile(dataset('calderdale-2015-06.csv'));
    assert.equal(calderdale.summary.encoding, 'windows-1252');
    assert.deepEqual(calderdale.summary.undecodedLines, []);
  });
});

eachEngine('spend import encoding', (t) => {
  it('the import keeps € and reports the lines that did not decode, in the result and the stored summary', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    for (const readInWorker of [false, true]) {
      const result = await importSpendFile(ctx, cliActor, { publisher: readInWorker ? 'GB-LAE-LDS' : 'GB-LAE-NET', source: { bytes: leedsWithEuros([7, 200]) }, readInWorker });
      assert.deepEqual(result.undecodedLines, [7, 200]);
      assert.ok(result.warnings.some((w) => /lines 7, 200/.test(w)), result.warnings.join('\n'));
      const stored = await ctx.db.selectFrom('spend_files').select('summary').where('id', '=', result.fileId).executeTakeFirstOrThrow();
      assert.deepEqual((stored.summary as { undecodedLines: number[] }).undecodedLines, [7, 200]);
      const euro = await ctx.db.selectFrom('spend_lines').select('body_name').where('file_id', '=', result.fileId).where('line', '=', 2).executeTakeFirst();
      assert.equal(euro?.body_name, 'Leeds City Council €');
    }
  });
});
