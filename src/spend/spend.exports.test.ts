import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { importSpendFile } from './spend.import.ts';
import { addSalaryPost } from './spend.salaries.ts';

// A supplier name and purposes that a spreadsheet would run as formulas, beside genuine negative amounts.
const HOSTILE = `-2+3+cmd|' /C calc'!A0`;
const file = [
  'Date,Supplier Name,Amount,Expense Type,Expense Area',
  `01/02/2020,"${HOSTILE}",100.00,"=HYPERLINK(""http://x"")",@SUM(A1)`,
  `02/02/2020,Honest Ltd,-1234.56,+cmd,Refunds`,
  `03/02/2020,Honest Ltd,600.00,Books,-Library`,
].join('\n');

eachEngine('spend csv exports', (t) => {
  it('neutralises formula starts (also "-") in the lines, totals and salaries CSVs; negative amounts stay numbers', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NET', source: { bytes: Buffer.from(file) }, filename: 'hostile.csv' });

    const lines = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/lines?format=csv' });
    assert.equal(lines.statusCode, 200);
    assert.ok(lines.body.includes(`"'${HOSTILE}"`), lines.body);
    assert.ok(!lines.body.includes(`,${HOSTILE}`), lines.body);
    assert.ok(lines.body.includes(`"'=HYPERLINK(""http://x"")"`));
    assert.ok(lines.body.includes(`"'@SUM(A1)"`));
    assert.ok(lines.body.includes(`"'+cmd"`));
    assert.ok(lines.body.includes(`"'-Library"`));
    assert.match(lines.body, /,-1234\.56,/, 'a negative amount is a number, not text');
    for (const row of lines.body.trimEnd().split('\r\n')) assert.doesNotMatch(row, /(^|,)[=+\-@](?!\d+(\.\d+)?(,|$))/, row);

    for (const by of ['supplier', 'purpose', 'department']) {
      const totals = await app.inject({ method: 'GET', url: `/api/v1/spend/publishers/GB-LAE-NET/totals/${by}?format=csv` });
      assert.equal(totals.statusCode, 200, totals.body);
      for (const row of totals.body.trimEnd().split('\r\n')) assert.doesNotMatch(row, /(^|,)[=+\-@](?!\d+(\.\d+)?(,|$))/, `${by}: ${row}`);
    }
    const bySupplier = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/totals/supplier?format=csv' });
    assert.ok(bySupplier.body.includes(`"'${HOSTILE}",1,100.00`), bySupplier.body);

    await addSalaryPost(ctx.db, cliActor, 'GB-LAE-NET', { asAt: '2020-03-31', jobTitle: HOSTILE, department: '=1+1', salaryFrom: '150000', salaryTo: '154999' });
    const salaries = await app.inject({ method: 'GET', url: '/api/v1/spend/publishers/GB-LAE-NET/salaries?asAt=2020-03-31&format=csv' });
    assert.equal(salaries.statusCode, 200, salaries.body);
    assert.ok(salaries.body.includes(`"'${HOSTILE}","'=1+1"`), salaries.body);
  });
});
