import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CsvTokenizer, readCsvRecords, type CsvRecord, type CsvSource } from './places.csv.ts';
import { ParseError } from './places.errors.ts';

async function all(source: CsvSource): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const record of readCsvRecords(source)) out.push(record);
  return out;
}

async function* inPieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('readCsvRecords', () => {
  it('splits quoted fields with commas, doubled quotes and line breaks, counting physical lines', async () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""",3\r\n"two\nlines",,\r\n\r\nlast,1,2';
    const records = await all(text);
    assert.deepEqual(records, [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', '3'] },
      { line: 3, fields: ['two\nlines', '', ''] },
      { line: 6, fields: ['last', '1', '2'] },
    ]);
  });

  it('gives the same records however the bytes are split, including inside a multi-byte character', async () => {
    const text = '\uFEFFname,amount\n"Café, Ltd","1,234"\r\nPâtisserie,5\n';
    const whole = await all(new TextEncoder().encode(text));
    for (const size of [1, 2, 3, 7]) assert.deepEqual(await all(inPieces(text, size)), whole, `chunks of ${size}`);
    assert.deepEqual(whole[0]?.fields, ['name', 'amount'], 'byte-order mark dropped');
    assert.deepEqual(whole[1]?.fields, ['Café, Ltd', '1,234']);
  });

  it('rejects an unterminated quoted field, naming the line where it opened', async () => {
    await assert.rejects(all('a,b\n1,"open\n2,3\n'), (error: unknown) => {
      assert.ok(error instanceof ParseError);
      assert.equal(error.line, 2);
      assert.equal(error.column, 2);
      assert.match(error.message, /^line 2, column 2: a quoted field is never closed/);
      return true;
    });
  });

  it('rejects a stray quote inside an unquoted field and text after a closing quote', () => {
    assert.throws(() => new CsvTokenizer().push('a,b"c\n'), /line 1, column 2: a quote/);
    assert.throws(() => new CsvTokenizer().push('a,"b"c\n'), /line 1, column 2: unexpected character "c" after a closing quote/);
  });

  it('rejects bytes that are not UTF-8', async () => {
    await assert.rejects(all(new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x0a])), /line 2, column 0: the file is not valid UTF-8/);
  });
});
