import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SpendFileError } from './spend.errors.ts';
import { openSpendFile, readSpendFile, spendSummaryJson, type SpendInput } from './spend.read.ts';

const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/spend/${name}`, import.meta.url));
const read = (text: string | Buffer, options = {}) =>
  readSpendFile(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, options);
const isCode = (code: string) => (e: unknown) => e instanceof SpendFileError && e.code === code;

/** A Readable that hands out the bytes in chunks of the given size, like a slow upload. */
function trickle(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks, { objectMode: false });
}

// The figures issue 3 pins: every shared file imports with no per-file options but Darlington's period.
const PINNED = [
  { file: 'darlington-2010-10.csv', rows: 794, pence: 474256156n, period: '2010-10..2010-12' },
  { file: 'newcastle-2017-02.csv', rows: 6118, pence: 3308297524n },
  { file: 'northtyneside-2014-05.csv', rows: 12245, pence: 2607375200n },
  { file: 'calderdale-2015-06.csv', rows: 5295, pence: 2396036612n },
  { file: 'leeds-2011-04.csv', rows: 11707, pence: 8096512553n },
  { file: 'gateshead-2011-02.csv', rows: 5077, pence: 1683174010n },
  { file: 'oxford-2017-q1.csv', rows: 3913, pence: 1339798924n },
] as const;

describe('the seven shared council files', () => {
  for (const pinned of PINNED) {
    it(`${pinned.file}: ${pinned.rows} lines, ${pinned.pence} pence, nothing rejected`, async () => {
      const bytes = dataset(pinned.file);
      const options = 'period' in pinned ? { period: pinned.period } : {};
      const { lines, summary } = await readSpendFile(bytes, options);
      assert.equal(summary.rowsImported, pinned.rows);
      assert.equal(summary.netTotalPence, pinned.pence);
      assert.equal(summary.rowsRejected, 0, JSON.stringify(summary.rejected.slice(0, 3)));
      assert.equal(lines.length, pinned.rows);
      assert.equal(lines.reduce((sum, l) => sum + l.netPence, 0n), pinned.pence);
      assert.equal(summary.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(summary.bytes, bytes.length);
    });
  }

  it('gives the same lines when the file streams in small chunks', async () => {
    for (const name of ['calderdale-2015-06.csv', 'gateshead-2011-02.csv', 'darlington-2010-10.csv']) {
      const bytes = dataset(name);
      const options = { period: '2010-10..2010-12' };
      const whole = await readSpendFile(bytes, options);
      const streamed = await readSpendFile(trickle(bytes, 997), options);
      assert.deepEqual(streamed.lines, whole.lines, name);
      assert.deepEqual(spendSummaryJson(streamed.summary), spendSummaryJson(whole.summary), name);
    }
  });

  it('darlington: Windows-1252, title rows, no dates, the period on every line', async () => {
    const { lines, summary } = await readSpendFile(dataset('darlington-2010-10.csv'), { period: '2010-10..2010-12' });
    assert.equal(summary.encoding, 'windows-1252');
    assert.equal(summary.headerLine, 5);
    assert.equal(summary.firstDate, null);
    assert.deepEqual(summary.period, { from: '2010-10-01', to: '2010-12-31' });
    assert.equal(summary.blankRowsSkipped, 3310);
    const first = lines[0];
    assert.equal(first?.line, 6);
    assert.equal(first?.date, null);
    assert.deepEqual(first?.period, { from: '2010-10-01', to: '2010-12-31' });
    assert.equal(lines[1]?.netPence, 420200n, '"4,202.00"');
    assert.equal(lines[1]?.supplierName, 'DICKINSON DEES LAW FIRM');
    assert.equal(lines[1]?.department, 'Corporate Services');
  });

  it('darlington needs the period, and the error quotes its title', async () => {
    await assert.rejects(
      readSpendFile(dataset('darlington-2010-10.csv')),
      (e: unknown) => isCode('spend.period-required')(e) && /October 2010 to December 2010/.test((e as Error).message),
    );
  });

  it('flags identical lines in a file and keeps them', async () => {
    const { lines, summary } = await readSpendFile(dataset('darlington-2010-10.csv'), { period: '2010-10..2010-12' });
    const sibcas = lines.filter((l) => l.supplierName === 'SIBCAS LTD' && l.netPence === 67600n);
    assert.equal(sibcas.length, 3);
    assert.equal(sibcas[0]?.duplicateOf, null);
    assert.equal(sibcas[1]?.duplicateOf, sibcas[0]?.line);
    assert.equal(sibcas[2]?.duplicateOf, sibcas[0]?.line);
    assert.equal(summary.duplicateLines, lines.filter((l) => l.duplicateOf !== null).length);
  });

  it('gateshead: gzip found by its bytes, BOM, names under "Supplier id(T)", dates under "Updated"', async () => {
    const { lines, summary } = await readSpendFile(dataset('gateshead-2011-02.csv'));
    assert.equal(summary.compression, 'gzip');
    assert.equal(summary.encoding, 'utf-8');
    assert.deepEqual(summary.titleRows, ['Gateshead Council']);
    assert.equal(lines[0]?.supplierName, 'STEVEN GREGORY DESIGN LTD');
    assert.equal(lines[0]?.netPence, 930000n);
    assert.equal(lines[0]?.date, '2011-02-09');
    assert.equal(lines[0]?.line, 4);
    assert.equal(summary.firstDate, '2011-02-01');
    assert.equal(summary.lastDate, '2011-02-28');
  });

  it('calderdale: quoted fields, URI body, leading spaces trimmed, N/A VAT, a stray Windows-1252 £', async () => {
    const { lines, summary } = await readSpendFile(dataset('calderdale-2015-06.csv'));
    const first = lines[0];
    assert.equal(first?.body, 'http://statistics.data.gov.uk/doc/local-authority-district/00CY');
    assert.equal(first?.supplierName, 'Church Lane Surgery');
    assert.equal(first?.raw['Supplier(Beneficiary) Name'], ' Church Lane Surgery');
    assert.equal(first?.vatPence, null);
    assert.equal(summary.encoding, 'windows-1252', 'ASCII except one 0xA3 byte');
    const pound = lines.find((l) => l.line === 4646);
    assert.equal(pound?.invoiceNumber, 'IUCD Q£ 14/15');
  });

  it('leeds, newcastle, oxford: dates, negative amounts, padded text, odd transaction numbers', async () => {
    const leeds = await readSpendFile(dataset('leeds-2011-04.csv'));
    assert.equal(leeds.lines[0]?.date, '2011-04-06');
    assert.ok(leeds.lines.some((l) => l.netPence < 0n), 'Leeds has credits');
    assert.equal(Object.keys(leeds.lines[0]?.raw ?? {}).length, 12, 'the 17 empty trailing columns are gone');
    const newcastle = await readSpendFile(dataset('newcastle-2017-02.csv'));
    assert.equal(newcastle.lines[0]?.date, '2017-02-13');
    assert.equal(newcastle.lines[0]?.serviceArea, 'Adult Serv Admin Support');
    assert.deepEqual(newcastle.summary.titleRows, ['Newcastle City Council Invoices over £250 paid in February 2017']);
    const oxford = await readSpendFile(dataset('oxford-2017-q1.csv'));
    assert.equal(oxford.lines[0]?.transactionNumber, '1034526 - 2');
    assert.equal(oxford.lines[0]?.purpose, 'VAT Pro Forma Invoices');
    assert.equal(oxford.summary.mapping.fields.purpose?.header, 'Expenditure Catergory');
  });
});

describe('rows that are not plain spend lines', () => {
  it('rejects a bad date with its line number, field and value', async () => {
    const { lines, summary } = await read('Date,Supplier,Amount\r\n01/02/2017,A,1.00\r\n31/02/2017,B,2.00\r\n03/02/2017,C,3.00\r\n');
    assert.equal(summary.rowsImported, 2);
    assert.equal(summary.rowsRejected, 1);
    assert.equal(summary.rejected[0]?.line, 3);
    assert.match(summary.rejected[0]?.reason ?? '', /^Date \("Date"\) "31\/02\/2017" is not a real date: day 31 is not in that month$/);
    assert.equal(summary.netTotalPence, 400n);
    assert.deepEqual(lines.map((l) => l.line), [2, 4]);
  });

  it('rejects rows whose amount is empty, redacted or not a number, saying which', async () => {
    const { summary } = await read('Supplier,Amount\nA,1.00\nB,\nC,Redacted\nD,12abc\nE,Nil\n', { period: '2017-02' });
    assert.equal(summary.rowsImported, 2, 'Nil is zero, so E is a line');
    assert.deepEqual(summary.rejected, [
      { line: 3, reason: 'Net amount ("Amount") is empty' },
      { line: 4, reason: 'Net amount ("Amount") is "Redacted", not a number' },
      { line: 5, reason: 'Net amount ("Amount") "12abc" is not a number' },
    ]);
  });

  it('skips blank rows but rejects a total row rather than count the money twice', async () => {
    const { summary } = await read('Date,Supplier,Amount\n01/02/2017,TOTAL GAS & POWER LTD,5.00\n,,\n , ,\n,Grand Total,5.00\n');
    assert.equal(summary.rowsImported, 1, 'a supplier called Total is a supplier');
    assert.equal(summary.blankRowsSkipped, 2);
    assert.equal(summary.rejected[0]?.line, 5);
    assert.match(summary.rejected[0]?.reason ?? '', /total row \("Grand Total"\)/);
    assert.equal(summary.netTotalPence, 500n);
  });

  it('imports a row without a date as undated, with a warning', async () => {
    const { lines, summary } = await read('Date,Supplier,Amount\n01/02/2017,A,1.00\n,B,2.00\n');
    assert.equal(lines[1]?.date, null);
    assert.equal(summary.linesWithoutDate, 1);
    assert.match(summary.warnings.join(), /1 line\(s\) have no date/);
  });

  it('rejects a row with values past the header, where cells may have shifted', async () => {
    const { summary } = await read('Supplier,Amount\nSMITH, J,5.00\nA,1.00\n', { period: '2017-02' });
    assert.equal(summary.rowsImported, 1);
    assert.match(summary.rejected[0]?.reason ?? '', /value in column 3 \("5.00"\), past the last column/);
  });

  it('numbers lines physically when a quoted cell spans lines', async () => {
    const { lines } = await read('Supplier,Purpose,Amount\r\nA,"two\r\nlines",1.00\r\nB,x,2.00\r\n', { period: '2017-02' });
    assert.deepEqual(lines.map((l) => l.line), [2, 4]);
    assert.equal(lines[0]?.purpose, 'two lines');
  });

  it('reads bracketed, trailing-minus and £ amounts and irrecoverable VAT', async () => {
    const { lines, summary } = await read('Supplier,Net Amount,Irrecoverable VAT\nA,(1.00),N/A\nB,2.50-,0.50\nC,"£1,000.00",Nil\n', { period: '2017-02' });
    assert.deepEqual(lines.map((l) => l.netPence), [-100n, -250n, 100000n]);
    assert.deepEqual(lines.map((l) => l.vatPence), [null, 50n, 0n]);
    assert.equal(summary.netTotalPence, 99650n);
  });

  it('counts suppliers after trimming, collapsing spaces and folding case', async () => {
    const { summary } = await read('Date,Supplier,Amount\n01/02/2017, Acme  Ltd ,1\n01/02/2017,ACME LTD,1\n01/02/2017,acme ltd,1\n01/02/2017,Beta,1\n');
    assert.equal(summary.suppliers, 2);
  });

  it('warns about dates outside the given period', async () => {
    const { summary } = await read('Date,Supplier,Amount\n01/02/2017,A,1\n01/05/2017,B,1\n', { period: '2017-02' });
    assert.match(summary.warnings.join(), /1 line\(s\) are dated outside the period 2017-02-01..2017-02-28/);
  });
});

describe('files that cannot be read', () => {
  it('refuses an empty file', async () => {
    await assert.rejects(read(Buffer.alloc(0)), isCode('spend.empty-file'));
    await assert.rejects(read('\r\n\r\n'), isCode('spend.empty-file'));
    await assert.rejects(read(gzipSync(Buffer.alloc(0))), isCode('spend.empty-file'));
  });

  it('refuses binary garbage', async () => {
    const garbage = Buffer.alloc(10_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
    await assert.rejects(read(garbage), isCode('spend.not-text'));
  });

  it('refuses a file with no recognisable amount column, listing its columns', async () => {
    await assert.rejects(
      read('Supplier,Department,Notes\nACME,Housing,Boilers\n'),
      (e: unknown) =>
        isCode('spend.no-amount-column')(e) && /Columns found: "Supplier", "Department", "Notes"/.test((e as Error).message),
    );
  });

  it('refuses a truncated gzip file, whatever its size', async () => {
    const gateshead = dataset('gateshead-2011-02.csv');
    await assert.rejects(read(gateshead.subarray(0, gateshead.length - 100)), isCode('spend.gzip-invalid'));
    await assert.rejects(read(gateshead.subarray(0, 20)), isCode('spend.gzip-invalid'));
    const corrupt = Buffer.from(gateshead);
    corrupt.fill(0x55, 200, 300);
    await assert.rejects(read(corrupt), isCode('spend.gzip-invalid'));
  });

  it('refuses a file larger than the limit once decompressed', async () => {
    const bomb = gzipSync(Buffer.from('Supplier,Amount\n' + 'A,1.00\n'.repeat(200_000)));
    await assert.rejects(read(bomb, { maxBytes: 100_000 }), isCode('spend.too-large'));
  });

  it('refuses a period it cannot read', async () => {
    await assert.rejects(read('Supplier,Amount\nA,1\n', { period: 'Q4' }), isCode('spend.period-invalid'));
  });

  it('reports a quote that is never closed as a rejection, not a crash', async () => {
    const { summary } = await read('Supplier,Amount\nA,1.00\n"B,2.00\nC,3.00\n', { period: '2017-02' });
    assert.equal(summary.rowsImported, 1);
    assert.equal(summary.rejected[0]?.line, 3);
    assert.match(summary.rejected[0]?.reason ?? '', /never closed/);
  });
});

describe('other shapes of file', () => {
  it('reads UTF-16 (Excel "Unicode text"), tab-delimited', async () => {
    const text = '\ufeffDate\tSupplier\tAmount\r\n01/02/2017\tCafé “Nord”\t£1,000.00\r\n';
    const { lines, summary } = await read(Buffer.from(text, 'utf16le'));
    assert.equal(summary.encoding, 'utf-16le');
    assert.equal(summary.delimiter, '\t');
    assert.equal(lines[0]?.supplierName, 'Café “Nord”');
    assert.equal(lines[0]?.netPence, 100000n);
  });

  it('keeps a filled cell under a blank header in raw as "Column N", even past the sample', async () => {
    const early = await read(',Supplier,Amount\n,A,1.00\nnote,B,2.00\n', { period: '2017-02' });
    assert.deepEqual(early.lines[1]?.raw, { 'Column 1': 'note', Supplier: 'B', Amount: '2.00' });
    const late = await read(',Supplier,Amount\n' + ',A,1.00\n'.repeat(600) + 'note,B,2.00\n', { period: '2017-02' });
    assert.deepEqual(late.lines[0]?.raw, { Supplier: 'A', Amount: '1.00' });
    assert.deepEqual(late.lines[600]?.raw, { Supplier: 'B', Amount: '2.00', 'Column 1': 'note' });
  });

  it('uses a confirmed mapping given by the caller', async () => {
    const { lines, summary } = await read('Date,Supplier,Gross,Net\n01/02/2017,A,1.20,1.00\n', { mapping: { netAmount: 'Net' } });
    assert.equal(lines[0]?.netPence, 100n);
    assert.equal(summary.mapping.fields.netAmount?.reason, 'confirmed mapping for this publisher');
  });

  it('reads a gzip file that arrives as a stream in tiny pieces', async () => {
    const bytes = gzipSync(Buffer.from('Date,Supplier,Amount\r\n' + '01/02/2017,A,1.00\r\n'.repeat(5000)));
    const { summary } = await readSpendFile(trickle(bytes, 13));
    assert.equal(summary.rowsImported, 5000);
    assert.equal(summary.netTotalPence, 500000n);
    assert.equal(summary.duplicateLines, 4999);
  });
});

describe('openSpendFile', () => {
  it('shows the mapping before reading any line, and the summary only after', async () => {
    const input: SpendInput = Buffer.from('Paid Date,Supplier Name,Amount\n01/02/2017,A,1.00\n');
    const file = await openSpendFile(input);
    assert.equal(file.mapping.fields.netAmount?.header, 'Amount');
    assert.equal(file.sniff.headerLine, 1);
    assert.throws(() => file.summary(), /only after/);
    let count = 0;
    for await (const record of file.records()) if (record.kind === 'line') count++;
    assert.equal(count, 1);
    assert.equal(file.summary().rowsImported, 1);
    assert.equal(spendSummaryJson(file.summary()).netTotalPence, '100');
  });

  it('streams batches of records, and only once', async () => {
    const file = await openSpendFile(Buffer.from('Date,Supplier,Amount\n' + '01/02/2017,A,1.00\n'.repeat(20_000)));
    let lines = 0;
    let batches = 0;
    for await (const batch of file.batches()) {
      batches++;
      lines += batch.length;
    }
    assert.equal(lines, 20_000);
    assert.ok(batches > 1, 'a big file comes in more than one batch');
    assert.throws(() => file.records(), /only once/);
  });
});
