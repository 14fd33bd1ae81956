import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createTextDecoder, decodeWindows1252, detectEncoding } from './spend.encoding.ts';
import { SpendFileError } from './spend.errors.ts';
import { detectDelimiter, isGzip, sniffSample } from './spend.sniff.ts';

const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/spend/${name}`, import.meta.url));
const sniff = (text: string | Buffer) =>
  sniffSample(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, { complete: true, compression: 'none' });
const isCode = (code: string) => (e: unknown) => e instanceof SpendFileError && e.code === code;

describe('gzip detection', () => {
  it('goes by the magic bytes, not the name', () => {
    assert.equal(isGzip(dataset('gateshead-2011-02.csv')), true, 'gateshead is gzip despite .csv');
    assert.equal(isGzip(dataset('leeds-2011-04.csv')), false);
    assert.equal(isGzip(gzipSync('a,b\n')), true);
    assert.equal(isGzip(Buffer.from([0x1f])), false);
  });
});

describe('encodings', () => {
  it('decodes Windows-1252 exactly: £, €, curly quotes and dashes', () => {
    const bytes = Buffer.from([0xa3, 0x35, 0x20, 0x80, 0x20, 0x91, 0x61, 0x92, 0x20, 0x93, 0x62, 0x94, 0x20, 0x96, 0x97, 0xe9]);
    assert.equal(decodeWindows1252(bytes), '£5 € ‘a’ “b” –—é');
  });

  it('tells UTF-8 (with or without BOM) from Windows-1252', () => {
    assert.deepEqual(detectEncoding(Buffer.from('\ufeffa,£\n', 'utf8'), true), { encoding: 'utf-8', bom: true });
    assert.deepEqual(detectEncoding(Buffer.from('a,£\n', 'utf8'), true), { encoding: 'utf-8', bom: false });
    assert.deepEqual(detectEncoding(Buffer.from([0x61, 0x2c, 0xa3, 0x0a]), true), { encoding: 'windows-1252', bom: false });
    assert.deepEqual(detectEncoding(Buffer.from('\ufeffa,b', 'utf16le'), true), { encoding: 'utf-16le', bom: true });
  });

  it('does not mistake a UTF-8 character cut by the end of the sample for Windows-1252', () => {
    const bytes = Buffer.from('abc £', 'utf8');
    assert.equal(detectEncoding(bytes.subarray(0, bytes.length - 1), false).encoding, 'utf-8');
  });

  it('decodes UTF-8 across chunk boundaries and falls back to Windows-1252 byte by byte', () => {
    const decoder = createTextDecoder('utf-8');
    const bytes = Buffer.concat([Buffer.from('\ufeff€1 “x” ', 'utf8'), Buffer.from([0xa3, 0x32]), Buffer.from(' é', 'utf8')]);
    let text = '';
    for (let i = 0; i < bytes.length; i++) text += decoder.decode(bytes.subarray(i, i + 1));
    text += decoder.end();
    assert.equal(text, '€1 “x” £2 é');
    assert.deepEqual(decoder.stats, { utf8: true, fallbackBytes: 1 });
  });

  it('reads the real Windows-1252 titles', () => {
    assert.equal(sniff(dataset('darlington-2010-10.csv')).titleRows[0], 'Darlington Borough Council - Analysis of Transactions Over £500');
    assert.equal(sniff(dataset('newcastle-2017-02.csv')).encoding, 'windows-1252');
  });
});

describe('delimiter', () => {
  it('picks the delimiter that splits rows consistently', () => {
    assert.equal(detectDelimiter('a,b,c\n1,2,3\n'), ',');
    assert.equal(detectDelimiter('a;b;c\n1,50;2;3\n4;5,25;6\n'), ';');
    assert.equal(detectDelimiter('a\tb\tc\n1,234.00\t2\t3\n5\t6,000.00\t7\n'), '\t');
    assert.equal(detectDelimiter('a|b\n1|2\n'), '|');
  });
});

describe('header row', () => {
  it('skips title and blank rows before the header', () => {
    const s = sniff(dataset('darlington-2010-10.csv'));
    assert.equal(s.headerLine, 5);
    assert.equal(s.headerRecord, 4);
    assert.deepEqual(s.titleRows, ['Darlington Borough Council - Analysis of Transactions Over £500', 'October 2010 to December 2010']);
    assert.equal(s.blankRowsBeforeHeader, 2);
    assert.deepEqual(s.columns.map((c) => c.name), ['Directotate', 'Service', 'Supplier', 'Invoice Line Value (net of VAT)', 'Account']);
    assert.deepEqual(s.droppedColumns, [0], 'the empty first column');
    assert.equal(s.trailingEmptyColumns, 0);
  });

  it('finds the header under a title and a blank row, and strips a BOM', () => {
    const s = sniff('\ufeffGateshead Council,,\r\n,,\r\nSupplier,Amount,Date\r\nA LTD,"9,300.00 ",09/02/2011\r\n');
    assert.equal(s.encoding, 'utf-8');
    assert.equal(s.bom, true);
    assert.equal(s.headerLine, 3);
    assert.deepEqual(s.titleRows, ['Gateshead Council']);
  });

  it('drops trailing empty columns and counts them', () => {
    const s = sniff(dataset('leeds-2011-04.csv'));
    assert.equal(s.columns.length, 12);
    assert.equal(s.trailingEmptyColumns, 17);
    assert.equal(s.headerLine, 1);
  });

  it('renames duplicated header names and reports them', () => {
    const s = sniff('Supplier,Amount,Amount,amount\nX,1.00,2.00,3.00\n');
    assert.deepEqual(s.columns.map((c) => c.name), ['Supplier', 'Amount', 'Amount (2)', 'amount (3)']);
    assert.deepEqual(s.duplicateHeaders, ['Amount', 'amount']);
  });

  it('names a blank-headed column that holds data', () => {
    const s = sniff('Supplier,,Amount\nX,note,1.00\n');
    assert.deepEqual(s.columns.map((c) => c.name), ['Supplier', 'Column 2', 'Amount']);
  });

  it('takes a file with no header row as columns numbered from 1', () => {
    const s = sniff('ACME LTD,01/02/2017,1234.56\nBETA LTD,02/02/2017,99.00\n');
    assert.equal(s.headerRecord, -1);
    assert.deepEqual(s.columns.map((c) => c.name), ['Column 1', 'Column 2', 'Column 3']);
    assert.equal(s.sample.length, 2);
  });
});

describe('refusals', () => {
  it('refuses an empty file', () => {
    assert.throws(() => sniff(''), isCode('spend.empty-file'));
    assert.throws(() => sniff(' \r\n\r\n'), isCode('spend.empty-file'));
  });

  it('refuses binary garbage and names spreadsheets and PDFs', () => {
    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 256;
    assert.throws(() => sniff(garbage), isCode('spend.not-text'));
    assert.throws(() => sniff(Buffer.from('PK\u0003\u0004xl/workbook.xml', 'latin1')), /Excel workbook \(\.xlsx\)/);
    assert.throws(() => sniff(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1])), /old Excel workbook/);
    assert.throws(() => sniff(Buffer.from('%PDF-1.4\n')), /PDF/);
  });
});
