// Eleven more council files, kept byte for byte as published (datasets/spend/README.md), each in a layout
// unlike the first seven. Every figure here comes from the file with no per-file options (but the period for
// Oxford's April–June 2014, whose date column holds only "00:00:00"); the mapping is pinned field by field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { SpendField } from './spend.mapping.ts';
import { readSpendFile } from './spend.read.ts';

const dataset = (name: string): Buffer => readFileSync(new URL(`../../datasets/spend/${name}`, import.meta.url));

interface Pinned {
  readonly file: string;
  readonly rows: number;
  readonly pence: bigint;
  readonly suppliers: number;
  readonly rejected?: number;
  readonly period?: string;
  readonly mapping: Partial<Record<SpendField, string>>;
}

const PUBLISHED: readonly Pinned[] = [
  {
    file: 'craven-2017-03.csv', rows: 172, pence: 145316788n, suppliers: 99,
    mapping: { netAmount: 'Amount', date: 'Payment Date', supplierName: 'Supplier Name', supplierId: 'Supplier ID', transactionNumber: 'Transaction No', expenseCode: 'Account Code', purpose: 'Account Code (2)' },
  },
  {
    file: 'devon-2014-06.csv', rows: 3135, pence: 1334606870n, suppliers: 1325,
    mapping: { netAmount: 'Amount', date: 'Date', supplierName: 'Supplier Name', department: 'Expense Area', purpose: 'Expense Type', transactionNumber: 'Transaction Number', invoiceNumber: 'Invoice Number', body: 'Body' },
  },
  {
    file: 'devon-2025-11.csv', rows: 1838, pence: 2891642905n, suppliers: 563,
    mapping: { netAmount: 'Amount', date: 'Date', supplierName: 'Supplier name', department: 'Expense area', purpose: 'Expense type', transactionNumber: 'Transaction number', body: 'Body' },
  },
  {
    file: 'hyndburn-2017-01.csv', rows: 180, pence: 53827219n, suppliers: 90,
    mapping: { netAmount: 'Net Amount(£)', date: 'Payment date', supplierName: 'Name', department: 'Service Cost Centre', purpose: 'Account Detail', transactionNumber: 'HBC ref no' },
  },
  {
    file: 'hyndburn-2023-06.csv', rows: 547, pence: 109707088n, suppliers: 198,
    mapping: { netAmount: 'Net Amount (£)', date: 'Payment Date', supplierName: 'Name', department: 'Service Cost Centre', purpose: 'Account Detail' },
  },
  {
    file: 'hyndburn-2024-08.csv', rows: 790, pence: 811966745n, suppliers: 183,
    mapping: { netAmount: 'Amount Paid', date: 'Payment Date', supplierName: 'Name:', department: 'Department Area', serviceArea: 'Service Area', purpose: 'Description', transactionNumber: 'HBC Ref No.' },
  },
  {
    file: 'hyndburn-2024-10.csv', rows: 587, pence: 746661405n, suppliers: 180,
    mapping: { netAmount: 'Amount Paid', date: 'Payment Date', supplierName: 'Name:', department: 'Department Area', serviceArea: 'Service Area', purpose: 'Description' },
  },
  {
    file: 'oxford-2014-q1.csv', rows: 3859, pence: 1341346798n, suppliers: 667, rejected: 1,
    mapping: { netAmount: 'amount', date: 'paid_date', supplierName: 'supplier_name', department: 'organisational_unit', purpose: 'expenditure_category', transactionNumber: 'trans_no', capitalRevenue: 'caporrev' },
  },
  {
    file: 'oxford-2014-q2.csv', rows: 3836, pence: 1416588728n, suppliers: 741, period: '2014-04..2014-06',
    mapping: { netAmount: 'Amount', supplierName: 'Supplier Name', department: 'Organisational Unit', purpose: 'Expenditure Category', transactionNumber: 'Trans No' },
  },
  {
    file: 'oxford-2015-q1.csv', rows: 3864, pence: 1388057457n, suppliers: 670,
    mapping: { netAmount: 'Amount', date: 'Paid Date', supplierName: 'Supplier Name', department: 'Service Area', transactionNumber: 'Trans No', bodyName: 'Organisation', expenseCode: 'Expenditure Code', purpose: 'Expenditure Unit' },
  },
  {
    file: 'oxford-2017-q3.csv', rows: 3259, pence: 1134400535n, suppliers: 643,
    mapping: { netAmount: 'Amount', date: 'Paid Date', supplierName: 'Supplier Name', department: 'Service Area', transactionNumber: 'Trans No', capitalRevenue: 'Type of Expenditure' },
  },
];

describe('eleven more published council files', () => {
  for (const p of PUBLISHED) {
    it(`${p.file}: ${p.rows} lines, ${p.pence} pence, ${p.suppliers} suppliers`, async () => {
      const { lines, summary } = await readSpendFile(dataset(p.file), p.period ? { period: p.period } : {});
      assert.equal(summary.rowsImported, p.rows);
      assert.equal(summary.netTotalPence, p.pence);
      assert.equal(summary.suppliers, p.suppliers);
      assert.equal(summary.rowsRejected, p.rejected ?? 0, JSON.stringify(summary.rejected.slice(0, 3)));
      assert.equal(lines.reduce((sum, l) => sum + l.netPence, 0n), p.pence);
      for (const [field, header] of Object.entries(p.mapping)) {
        assert.equal(summary.mapping.fields[field as SpendField]?.header, header, field);
      }
    });
  }

  it('oxford-2014-q1: the one line refused is the "xxx" row at the end, named by its line', async () => {
    const { summary } = await readSpendFile(dataset('oxford-2014-q1.csv'));
    assert.deepEqual(summary.rejected.map((r) => r.line), [3861]);
  });

  it('oxford-2014-q2: "TOTAL HYGIENE LTD" and "TOTAL TURF SOLUTIONS" are suppliers, not total rows', async () => {
    const { lines } = await readSpendFile(dataset('oxford-2014-q2.csv'), { period: '2014-04..2014-06' });
    assert.ok(lines.some((l) => l.supplierName === 'TOTAL HYGIENE LTD'));
    assert.ok(lines.some((l) => l.supplierName === 'TOTAL TURF SOLUTIONS'));
  });

  it('hyndburn-2024-08: the "Line" column of 1s and the CRINV references are not the amount', async () => {
    const { summary } = await readSpendFile(dataset('hyndburn-2024-08.csv'));
    assert.notEqual(summary.mapping.fields.netAmount?.header, 'Line');
  });
});
