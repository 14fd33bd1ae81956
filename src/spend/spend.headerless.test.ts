// A council file whose header row is not at its top: Hyndburn's April 2025 spending (datasets/spend/README.md),
// kept byte for byte as published, has its header as the last line (a spreadsheet sorted with it); with that
// line taken off it has no header at all. Either way the importer reads the same 404 lines and the same total:
// from the last line's names, or from what each column holds, said with low confidence on the draft page.
// The figures were worked out from the file independently of the importer (every line's last cell, "290.25-"
// read as minus, summed in pence; suppliers counted by name, case and spacing ignored).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { addMember, getOrganisation } from '../organisations/organisations.service.ts';
import type { SpendField } from './spend.mapping.ts';
import { readSpendFile } from './spend.read.ts';

const published = readFileSync(new URL('../../datasets/spend/hyndburn-2025-04.csv', import.meta.url));
/** The same file without its last line (the header): a file with no header row at all. */
const headerless = Buffer.from(published.toString('utf8').replace(/\r?\n?Department Area,[^\n]*\n?$/, '\n'));

const LINES = 404;
const PENCE = 781_859_456n;
const SUPPLIERS = 135;

const mapped = (fields: Partial<Record<SpendField, { header: string } | undefined>>) =>
  Object.fromEntries(Object.entries(fields).filter(([, m]) => m).map(([f, m]) => [f, m!.header]));

it('reads a file whose header row is its last line, naming the columns from it and not reading it as spending', async () => {
  const { summary } = await readSpendFile(published);
  assert.deepEqual([summary.rowsImported, summary.netTotalPence, summary.suppliers, summary.rowsRejected], [LINES, PENCE, SUPPLIERS, 0]);
  assert.deepEqual(mapped(summary.mapping.fields), {
    netAmount: 'Amount Paid', date: 'Payment Date', serviceArea: 'Service Area', department: 'Department Area',
    supplierName: 'Name:', purpose: 'Description', transactionNumber: 'HBC Ref No.',
  });
  assert.equal(summary.headerLine, 441);
  assert.ok(summary.warnings.includes('the header row is the file’s last line (line 441), not its first: the columns are named from it, and it is not read as spending'));
});

it('reads a file with no header row by what its columns hold: dates, amounts, names that end like organisations’, references', async () => {
  assert.ok(!headerless.toString('utf8').includes('Department Area'));
  const { summary } = await readSpendFile(headerless);
  assert.deepEqual([summary.rowsImported, summary.netTotalPence, summary.suppliers, summary.rowsRejected], [LINES, PENCE, SUPPLIERS, 0]);
  assert.equal(summary.headerLine, null);
  assert.deepEqual(mapped(summary.mapping.fields), {
    date: 'Column 15', netAmount: 'Column 17', supplierName: 'Column 12', department: 'Column 1',
    serviceArea: 'Column 3', purpose: 'Column 5', transactionNumber: 'Column 10',
  });
  assert.deepEqual(summary.mapping.unused, ['Column 8'], 'the line number within an invoice (1, 2, 3) is not the amount');
  for (const [field, m] of Object.entries(summary.mapping.fields)) {
    assert.notEqual(m!.confidence, 'high', `${field} is a guess from content, never high confidence`);
  }
  assert.match(summary.mapping.fields.supplierName!.reason, /^the file has no header row; \d+% of the values of "Column 12" end like an organisation’s name/);
  assert.equal(summary.mapping.notes[0], 'The file has no header row: each column was recognised by what it holds, not by its name. Check each one.');
});

eachEngine('a headerless spending file as a draft', (t) => {
  it('shows the publisher, on the draft’s check page, that every column is a guess from content', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const newcastle = await getOrganisation(ctx.db, 'GB-LAE-NET');
    const staff = await userWithToken(ctx.db, 'finance.headerless@newcastle.example');
    await addMember(ctx.db, cliActor, newcastle.id, { email: 'finance.headerless@newcastle.example', role: 'finance' });
    const res = await app.inject({ method: 'POST', url: '/api/v1/spend/files?publisher=GB-LAE-NET&filename=no-header.csv', headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: headerless });
    assert.equal(res.statusCode, 201, res.body);
    const draft = res.json();
    assert.equal(draft.check.rowsImported, LINES);
    assert.equal(draft.check.netTotalPence, Number(PENCE));
    const agent = new TestAgent(app, '10.9.7.1');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: 'finance.headerless@newcastle.example', password: 'a long enough password' });
    const page = await agent.get(draft.link);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /This file has no header row, so no column says what it holds\./);
    assert.match(page.body, /<td class="govuk-table__cell">Column 12<\/td>\s*<td class="govuk-table__cell"><strong class="govuk-tag govuk-tag--red">Low<\/strong><\/td>/);
    // A file with its header (the published one) does not say so.
    const named = await app.inject({ method: 'POST', url: '/api/v1/spend/files?publisher=GB-LAE-NET&filename=hyndburn-2025-04.csv', headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: published });
    assert.equal(named.statusCode, 201, named.body);
    const namedPage = await agent.get(named.json().link);
    assert.doesNotMatch(namedPage.body, /This file has no header row/);
  });
});
