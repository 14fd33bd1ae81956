import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COPY_COLUMNS, lineToCopyText } from './spend.copytext.ts';
import type { SpendLine } from './spend.read.ts';

function line(over: Partial<SpendLine>): SpendLine {
  return {
    kind: 'line', line: 7, date: '2016-05-19', period: null, netPence: 123456n, vatPence: null, body: null, bodyName: null,
    department: 'Housing', serviceArea: null, supplierName: 'ACME LTD', supplierId: null, companyNumber: null, charityNumber: null,
    vatNumber: null, purpose: null, expenseCategory: null, expenseCode: null, sercopCode: null, sercopCategoryCode: null,
    merchantCategory: null, transactionNumber: null, invoiceNumber: null, capitalRevenue: null, duplicateOf: null, fingerprintHi: -5, fingerprintLo: 7, raw: {},
    ...over,
  };
}

/** Reads a row of COPY text back into its cells (null for \N), as the server does. */
function cells(row: string): (string | null)[] {
  assert.ok(row.endsWith('\n'));
  return row.slice(0, -1).split('\t').map((c) => (c === '\\N' ? null : c.replace(/\\(.)/g, (_m, x: string) => (x === 't' ? '\t' : x === 'n' ? '\n' : x === 'r' ? '\r' : x))));
}

describe('lineToCopyText', () => {
  it('writes a plain row as it is, nulls as \\N', () => {
    const row = lineToCopyText(line({}), 'acme ltd');
    const c = cells(row);
    assert.equal(c.length, COPY_COLUMNS.length);
    assert.deepEqual(c.slice(0, 8), ['7', '2016-05-19', '123456', null, 'Housing', null, 'ACME LTD', 'acme ltd']);
  });

  it('escapes backslashes, tabs and line breaks, and a value that reads "\\N" stays text', () => {
    for (const value of ['a\\b', 'a\tb', 'a\nb', 'a\rb', '\\N', 'x\\', '\\']) {
      const c = cells(lineToCopyText(line({ department: value, purpose: value, duplicateOf: 3, vatPence: -5n }), null));
      assert.equal(c.length, COPY_COLUMNS.length, JSON.stringify(value));
      assert.equal(c[COPY_COLUMNS.indexOf('department')], value);
      assert.equal(c[COPY_COLUMNS.indexOf('purpose')], value);
      assert.equal(c[COPY_COLUMNS.indexOf('supplier_key')], null);
      assert.equal(c[COPY_COLUMNS.indexOf('vat_pence')], '-5');
      assert.equal(c[COPY_COLUMNS.indexOf('duplicate_of')], '3');
    }
  });
});
