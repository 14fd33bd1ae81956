import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvTokenizer, tokenizeCsv, type CsvRecord } from './spend.csv.ts';
import { SpendFileError } from './spend.errors.ts';

const rows = (text: string, delimiter = ','): string[][] => tokenizeCsv(text, delimiter).map((r) => r.fields);
const lines = (text: string): number[] => tokenizeCsv(text).map((r) => r.line);

// Feeds the text in pieces of the given sizes, cycling, to exercise every chunk boundary.
function tokenizeInPieces(text: string, sizes: number[], delimiter = ','): CsvRecord[] {
  const tokenizer = new CsvTokenizer(delimiter);
  const out: CsvRecord[] = [];
  let at = 0;
  for (let k = 0; at < text.length; k++) {
    const size = sizes[k % sizes.length] ?? 1;
    tokenizer.write(text.slice(at, at + size), out);
    at += size;
  }
  tokenizer.end(out);
  return out;
}

describe('CsvTokenizer', () => {
  it('splits plain lines ending in LF, CRLF or a lone CR', () => {
    assert.deepEqual(rows('a,b\n1,2\n'), [['a', 'b'], ['1', '2']]);
    assert.deepEqual(rows('a,b\r\n1,2\r\n'), [['a', 'b'], ['1', '2']]);
    assert.deepEqual(rows('a,b\r1,2\r'), [['a', 'b'], ['1', '2']]);
    assert.deepEqual(rows('a,b\n1,2'), [['a', 'b'], ['1', '2']], 'no line break after the last line');
  });

  it('keeps empty fields and empty lines', () => {
    assert.deepEqual(rows(',,\n\nx,,\n'), [['', '', ''], [''], ['x', '', '']]);
  });

  it('unquotes fields, with doubled quotes, delimiters and line breaks inside', () => {
    const text = '"a ""quoted"" word","4,202.00","two\r\nlines",plain\r\nnext,"",x\r\n';
    assert.deepEqual(rows(text), [
      ['a "quoted" word', '4,202.00', 'two\r\nlines', 'plain'],
      ['next', '', 'x'],
    ]);
  });

  it('numbers each record by the physical line it starts on', () => {
    assert.deepEqual(lines('h\r\n"a\r\nb\nc"\r\nd\r\n\r\ne'), [1, 2, 5, 6, 7]);
    assert.deepEqual(lines('h\ra\rb'), [1, 2, 3]);
  });

  it('keeps text after a closing quote instead of losing it', () => {
    assert.deepEqual(rows('"abc"def,x\n'), [['abcdef', 'x']]);
    assert.deepEqual(rows('ab"c,x\n'), [['ab"c', 'x']], 'a quote inside an unquoted field is a character');
  });

  it('flags a quote that is never closed', () => {
    const records = tokenizeCsv('a,b\n"open,1\n2,3\n');
    assert.equal(records.length, 2);
    assert.equal(records[1]?.unterminated, true);
    assert.equal(records[1]?.line, 2);
  });

  it('uses other delimiters', () => {
    assert.deepEqual(rows('a\tb\t"c\td"\n1\t2\t3', '\t'), [['a', 'b', 'c\td'], ['1', '2', '3']]);
    assert.deepEqual(rows('a;b\n1,5;2', ';'), [['a', 'b'], ['1,5', '2']]);
  });

  it('gives the same records however the text is cut into chunks', () => {
    const text =
      'Body,Amount,Note\r\n"x","1,234.56","say ""hi""\r\nthere"\r\ny,2.00,\r\n\r\n"z",3,"a\rb"\rq,4,end\n"last","5",""';
    const whole = tokenizeCsv(text);
    for (const sizes of [[1], [2], [3], [1, 2, 5], [7, 1], [16]]) {
      assert.deepEqual(tokenizeInPieces(text, sizes), whole, `pieces ${sizes.join(',')}`);
    }
  });

  it('refuses a record longer than the limit (a stray quote swallowing the file)', () => {
    const tokenizer = new CsvTokenizer(',', 100);
    const out: CsvRecord[] = [];
    tokenizer.write('a,b\n"never closed', out);
    assert.throws(
      () => tokenizer.write('x'.repeat(200), out),
      (e: unknown) => e instanceof SpendFileError && e.code === 'spend.record-too-long' && /line 2/.test(e.message),
    );
  });
});
