// Award instalments as spending lines of the funder (issue 19), on both engines: a verified public body's paid
// instalment is one line of its spend data (explorer, the recipient's "public money received", the award page),
// paid twice is refused with no second line; a funder that is not a public body gets none; a failure inside the
// payment's transaction leaves neither the payment nor the line; an upload of the same month leaves the grant
// payments file alone.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { anonymous, cliActor } from '../platform/actor.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import { publisherSummary, publisherFiles } from '../spend/spend.service.ts';
import { spendOrganisationSection } from '../spend/spend.received.ts';
import { importSpendFile } from '../spend/spend.import.ts';
import * as awards from './grants.awards.ts';
import { day, programmeWorld, submittedApplication, type ProgrammeWorld } from './grants.programmes.test-support.ts';
import * as assessment from './grants.assessment.ts';

const code = (e: unknown) => (e as { code?: string }).code;

async function awarded(ctx: Parameters<typeof submittedApplication>[0], w: ProgrammeWorld, instalments = 2) {
  const id = await submittedApplication(ctx, w);
  const [need, plan] = w.programme.criteria;
  await assessment.scoreApplication(ctx, w.assessorB.actor, id, { scores: { [need!.key]: 4, [plan!.key]: 3 }, recommendation: 'yes' });
  const result = await awards.decideApplication(ctx, w.chair.actor, id, { decision: 'award', amountPence: 250_000, reasons: 'Strong local need', instalments, months: 12 });
  return result.award!;
}

async function linesOf(ctx: { db: import('../platform/db.ts').Db }, publisherId: string) {
  return (await sql<{ line: number; net_pence: string; supplier_name: string; purpose: string; expense_category: string; service_area: string; transaction_number: string; date: string }>`
    SELECT line, net_pence, supplier_name, purpose, expense_category, service_area, transaction_number, date::text AS date FROM spend_lines WHERE organisation_id = ${publisherId} ORDER BY line`.execute(ctx.db)).rows;
}

eachEngine('grants award payments as spending', (t) => {
  it('a verified public body: the paid instalment is one spending line, seen by the explorer, the recipient and the award page', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx, { funderLegalForm: 'local-authority', funderName: 'Newcastle City Council' });
    const award = await awarded(ctx, w);
    const paidOn = day(-3);
    const paid = await awards.recordPayment(ctx, w.staff.actor, award.id, 1, { paidOn });
    assert.ok(paid.spend, 'the payment says where it was published');
    await assert.rejects(awards.recordPayment(ctx, w.staff.actor, award.id, 1, {}), (e) => code(e) === 'conflict');
    const lines = await linesOf(ctx, w.funder.id);
    assert.equal(lines.length, 1, 'one line, not a second for the refused payment');
    assert.equal(Number(lines[0]!.net_pence), 125_000);
    assert.equal(lines[0]!.date, paidOn);
    assert.equal(lines[0]!.supplier_name, w.charity.name);
    assert.equal(lines[0]!.purpose, 'Grant');
    assert.equal(lines[0]!.expense_category, 'Grant');
    assert.equal(lines[0]!.service_area, w.programme.title);
    assert.equal(lines[0]!.transaction_number, `${award.grantId} instalment 1`);
    const summary = await publisherSummary(ctx.db, w.funder.id, {});
    assert.equal(summary.lines, 1);
    assert.equal(summary.netTotalPence, 125_000);
    assert.deepEqual(summary.byPurpose.map((g) => [g.label, g.netTotalPence]), [['Grant', 125_000]]);
    const received = await spendOrganisationSection(ctx.db, w.charity.id);
    assert.ok(received, 'the recipient’s page shows the public money it received');
    assert.match(received.rows[0]!.value, /£1,250/);
    const files = (await publisherFiles(ctx.db, w.funder.id)).files;
    assert.equal(files.length, 1);
    assert.equal(files[0]!.rowsImported, 1);
    assert.equal(files[0]!.netTotalPence, 125_000);
    const view = await awards.getAward(ctx.db, anonymous, award.id);
    assert.deepEqual(view.payments[0]!.spend, { fileId: files[0]!.id, line: 1, url: `/spend/${w.funder.slug}/files/${files[0]!.id}` });
    assert.equal(view.payments[1]!.spend, null);
    // The pages: the award says where the instalment was published; the file lists its payments.
    const { app } = t();
    const awardPage = await app.inject({ url: `/grants/awards/${award.id}` });
    assert.equal(awardPage.statusCode, 200);
    assert.match(awardPage.body, new RegExp(`Published as spending of ${w.funder.name}: <a class="govuk-link" href="/spend/${w.funder.slug}/files/${files[0]!.id}">line 1 of its grant payments file</a>`));
    const filePage = await app.inject({ url: `/spend/${w.funder.slug}/files/${files[0]!.id}` });
    assert.equal(filePage.statusCode, 200);
    assert.match(filePage.body, /<h1 class="govuk-heading-l">Grant payments, /);
    assert.match(filePage.body, new RegExp(`${award.grantId} instalment 1`));
    assert.match(filePage.body, new RegExp(w.charity.name));
    assert.doesNotMatch(filePage.body, /How it was read|Rows rejected/);
    const api = (await app.inject({ url: `/api/v1/spend/publishers/${w.funder.slug}/files/${files[0]!.id}` })).json();
    assert.equal(api.file?.kind ?? api.kind, 'grant-payments');
    const awardApi = (await app.inject({ url: `/api/v1/grants/awards/${award.id}` })).json();
    assert.equal(awardApi.payments[0].spend.line, 1);
    // The second instalment, same month: the same file, line 2, totals kept equal to the lines.
    await awards.recordPayment(ctx, w.staff.actor, award.id, 2, { paidOn });
    const after = await publisherSummary(ctx.db, w.funder.id, {});
    assert.equal(after.lines, 2);
    assert.equal(after.netTotalPence, 250_000);
    assert.deepEqual((await linesOf(ctx, w.funder.id)).map((l) => l.line), [1, 2]);
    assert.equal((await publisherFiles(ctx.db, w.funder.id)).files.length, 1);
  });

  it('an upload for the same month neither replaces the grant payments file nor is refused by it', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx, { funderLegalForm: 'local-authority', funderName: 'Gateshead Council' });
    const award = await awarded(ctx, w, 1);
    const paidOn = day(-1);
    await awards.recordPayment(ctx, w.staff.actor, award.id, 1, { paidOn });
    const month = paidOn.slice(0, 7);
    const csv = ['Date,Supplier Name,Amount,Expense Type', `${paidOn},Acme Ltd,"1,000.00",Services`].join('\n');
    await importSpendFile(ctx, cliActor, { publisher: w.funder.id, source: { bytes: Buffer.from(csv) }, filename: 'spend.csv', period: `${month}..${month}` });
    const files = (await publisherFiles(ctx.db, w.funder.id)).files;
    assert.deepEqual(files.map((f) => f.status), ['current', 'current']);
    const summary = await publisherSummary(ctx.db, w.funder.id, {});
    assert.equal(summary.netTotalPence, 250_000 + 100_000);
  });

  it('the recipient is emailed when an instalment is paid and when the agreement is varied; nothing for a refused payment', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx);
    const award = await awarded(ctx, w);
    const mail = async (kind: string) => (await listOutbox(ctx.db, { to: w.applicant.email })).filter((m) => m.kind === kind);
    await awards.recordPayment(ctx, w.staff.actor, award.id, 1, { paidOn: day(-1) });
    await assert.rejects(awards.recordPayment(ctx, w.staff.actor, award.id, 1, {}), (e) => code(e) === 'conflict');
    const paid = await mail('grants.award-paid');
    assert.equal(paid.length, 1, 'one email, none for the refused second payment');
    assert.match(paid[0]!.text, new RegExp(`instalment 1 of ${w.charity.name}’s grant, £1,250, as paid on ${day(-1)}`));
    assert.match(paid[0]!.text, new RegExp(`/grants/awards/${award.id}`));
    await assert.rejects(awards.varyAward(ctx, w.staff.actor, award.id, { reason: '' }), (e) => code(e) === 'validation_failed');
    assert.equal((await mail('grants.award-varied')).length, 0);
    await awards.varyAward(ctx, w.staff.actor, award.id, { reason: 'The hall moved', conditions: 'Acknowledge the Foundation; new hall' });
    const varied = await mail('grants.award-varied');
    assert.equal(varied.length, 1);
    assert.match(varied[0]!.text, /Why: The hall moved/);
    assert.match(varied[0]!.text, /The conditions of the grant are now: Acknowledge the Foundation; new hall/);
    assert.equal((await listOutbox(ctx.db, { to: w.outsider.email })).length, 0);
  });

  it('a funder that is not a public body: the payment is recorded, no spending line', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx);
    const award = await awarded(ctx, w);
    const paid = await awards.recordPayment(ctx, w.staff.actor, award.id, 1, {});
    assert.equal(paid.spend, null);
    assert.equal((await linesOf(ctx, w.funder.id)).length, 0);
    assert.equal((await publisherFiles(ctx.db, w.funder.id)).files.length, 0);
    assert.equal((await awards.getAward(ctx.db, anonymous, award.id)).payments[0]!.spend, null);
  });

  it('a failure inside the payment leaves neither the payment nor the line', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx, { funderLegalForm: 'local-authority', funderName: 'North Tyneside Council' });
    const award = await awarded(ctx, w);
    // A file record already holds the name the month's grant payments file would take (sha256 is unique per
    // publisher): publishing the line fails after the payment was marked and the file's table made and attached.
    const paidOn = day(-1);
    const from = `${paidOn.slice(0, 7)}-01`;
    const sha = createHash('sha256').update(`grant-payments:${w.funder.id}:${from}:1`).digest('hex');
    await ctx.db.insertInto('spend_files').values({
      organisation_id: w.funder.id, period_from: '2001-01-01', period_to: '2001-01-31', period_given: true, sha256: sha, filename: 'in the way', bytes: 1,
      status: 'replaced', version: 1, rows_imported: 0, rows_rejected: 0, net_total_pence: 0, suppliers: 0, first_date: null, last_date: null,
      mapping: '{}', summary: '{}', diff: null, imported_by: null,
    }).execute();
    await assert.rejects(awards.recordPayment(ctx, w.staff.actor, award.id, 1, { paidOn }), /spend_files_sha256|duplicate key/);
    const view = await awards.getAward(ctx.db, anonymous, award.id);
    assert.equal(view.payments[0]!.paidOn, null, 'the payment was not recorded');
    assert.equal((await linesOf(ctx, w.funder.id)).length, 0);
    assert.deepEqual((await publisherFiles(ctx.db, w.funder.id)).files.map((f) => f.filename), ['in the way'], 'no grant payments file');
    assert.equal((await publisherSummary(ctx.db, w.funder.id, {})).lines, 0);
    // Once the fault is gone, the same payment goes through with its line.
    await ctx.db.deleteFrom('spend_files').where('organisation_id', '=', w.funder.id).where('sha256', '=', sha).execute();
    const paid = await awards.recordPayment(ctx, w.staff.actor, award.id, 1, { paidOn });
    assert.equal(paid.spend?.line, 1);
  });

  it('two instalments paid at once: both lines, numbered in turn, in one file', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx, { funderLegalForm: 'local-authority', funderName: 'Sunderland City Council' });
    const award = await awarded(ctx, w);
    const paidOn = day(-2);
    const [a, b] = await Promise.all([1, 2].map((n) => awards.recordPayment(ctx, w.staff.actor, award.id, n, { paidOn })));
    assert.deepEqual([a!.spend!.line, b!.spend!.line].sort(), [1, 2]);
    assert.equal(a!.spend!.fileId, b!.spend!.fileId);
    assert.equal((await publisherSummary(ctx.db, w.funder.id, {})).netTotalPence, 250_000);
  });
});
