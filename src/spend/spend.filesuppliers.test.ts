import { it } from 'node:test';
import assert from 'node:assert/strict';
import { FileSuppliers } from './spend.filesuppliers.ts';
import type { SpendLine } from './spend.read.ts';

function line(supplierName: string | null, companyNumber: string | null = null, charityNumber: string | null = null): SpendLine {
  return {
    kind: 'line', line: 2, date: '2021-03-04', period: null, netPence: 1n, vatPence: null, body: null, bodyName: null, department: null,
    serviceArea: null, supplierName, supplierId: null, companyNumber, charityNumber, vatNumber: null, purpose: null, expenseCategory: null,
    expenseCode: null, sercopCode: null, sercopCategoryCode: null, merchantCategory: null, transactionNumber: null, invoiceNumber: null,
    capitalRevenue: null, duplicateOf: null, fingerprintHi: 0, fingerprintLo: 0,
  } as SpendLine;
}

it('gathers each supplier key with every name and number it was written with, once each', () => {
  const s = new FileSuppliers();
  s.line(line('ACME LTD', '01234567'), 'acme');
  s.line(line('Acme Limited'), 'acme');
  s.line(line('ACME LTD', '01234567'), 'acme');
  s.line(line('Byker Trust', null, '1100001'), 'byker trust');
  s.line(line(null), null);
  assert.deepEqual([...s.suppliers.keys()], ['acme', 'byker trust']);
  assert.deepEqual([...s.suppliers.get('acme')!.names], ['ACME LTD', 'Acme Limited']);
  assert.deepEqual([...s.suppliers.get('acme')!.companies], ['01234567']);
  const rows = [...s.pieces(1000)].flatMap((p) => p.key.map((k, i) => `${k}|${p.name[i]}|${p.company[i]}|${p.charity[i]}`));
  assert.deepEqual(rows, ['acme|ACME LTD|01234567|null', 'acme|Acme Limited|null|null', 'byker trust|Byker Trust|null|1100001']);
});

it('never splits a supplier’s rows across pieces', () => {
  const s = new FileSuppliers();
  for (let i = 0; i < 5; i++) s.line(line(`Name ${i}`), 'one');
  for (let i = 0; i < 10; i++) s.line(line(`S${i}`), `s${i}`);
  const pieces = [...s.pieces(2)];
  assert.ok(pieces.length > 1);
  for (const p of pieces) if (p.key.includes('one')) assert.equal(p.key.filter((k) => k === 'one').length, 5);
  assert.equal(pieces.reduce((n, p) => n + p.key.length, 0), 15);
});
