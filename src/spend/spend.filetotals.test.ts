import { it } from 'node:test';
import assert from 'node:assert/strict';
import { FileTotalsBuilder } from './spend.filetotals.ts';
import type { SpendLine } from './spend.read.ts';

function line(date: string | null, pence: bigint, supplierName: string | null, department: string | null = 'Adults'): SpendLine {
  return {
    kind: 'line', line: 2, date, period: null, netPence: pence, vatPence: null, body: null, bodyName: null, department, serviceArea: null,
    supplierName, supplierId: null, companyNumber: null, charityNumber: null, vatNumber: null, purpose: null, expenseCategory: null,
    expenseCode: null, sercopCode: null, sercopCategoryCode: null, merchantCategory: null, transactionNumber: null, invoiceNumber: null,
    capitalRevenue: null, duplicateOf: null,
  } as SpendLine;
}

it('gathers a file’s month groups, one row a supplier name, the sums on the first', () => {
  const b = new FileTotalsBuilder();
  b.line(line('2021-03-04', 100n, 'ACME LTD'), 'acme');
  b.line(line('2021-03-28', -30n, 'Acme Limited'), 'acme');
  b.line(line('2021-04-01', 5n, 'Byker Trust', null), 'byker trust');
  b.line(line(null, 7n, null), null);
  const rows = [...b.pieces(1000)].flatMap((p) => p.dimension.map((d, i) => `${d}|${p.month[i]}|${p.key[i]}|${p.label[i]}|${p.lines[i]}|${p.pence[i]}`));
  assert.deepEqual(rows.sort(), [
    'department|2021-03-01|Adults|Adults|2|70', 'department|2021-04-01|null|null|1|5', 'department|null|Adults|Adults|1|7',
    'month|2021-03-01|null|null|2|70', 'month|2021-04-01|null|null|1|5', 'month|null|null|null|1|7',
    'purpose|2021-03-01|null|null|2|70', 'purpose|2021-04-01|null|null|1|5', 'purpose|null|null|null|1|7',
    'supplier|2021-03-01|acme|ACME LTD|2|70', 'supplier|2021-03-01|acme|Acme Limited|0|0', 'supplier|2021-04-01|byker trust|Byker Trust|1|5',
    'supplier|null|null|null|1|7',
  ].sort());
  assert.equal(b.exact, true);
  assert.deepEqual([...b.suppliers.keys()].sort(), ['acme', 'byker trust']);
});

it('never splits a group across pieces, and says when sums could be inexact', () => {
  const b = new FileTotalsBuilder();
  for (let i = 0; i < 50; i++) b.line(line('2021-03-04', 1n, `Name ${i % 3}`), 'one');
  for (let i = 0; i < 10; i++) b.line(line('2021-03-04', 1n, `S${i}`), `s${i}`);
  for (const p of b.pieces(2)) {
    if (p.key.includes('one')) assert.equal(p.key.filter((k) => k === 'one').length, 3);
  }
  b.line(line('2021-03-04', 2n ** 52n, 'Big'), 'big');
  b.line(line('2021-03-04', -(2n ** 52n), 'Big'), 'big');
  assert.equal(b.exact, false);
});

it('gathers only suppliers when asked, and then offers no totals', () => {
  const b = new FileTotalsBuilder({ totals: false });
  b.line(line('2021-03-04', 100n, 'ACME LTD'), 'acme');
  assert.equal(b.exact, false);
  assert.deepEqual([...b.pieces(10)], []);
  assert.deepEqual([...b.suppliers.keys()], ['acme']);
});
