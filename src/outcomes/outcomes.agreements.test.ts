import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import * as agreements from './outcomes.agreements.ts';
import { person } from './outcomes.test-support.ts';

async function refused(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isAppError(e), String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

const terms = [
  { side: 'service', kind: 'commitment', text: 'Repairs visited within 5 working days', measure: 'Days from report to visit, from the repairs log' },
  { side: 'service', kind: 'outcome', text: 'Damp in the block treated by March', measure: 'Surveyor’s report' },
  { side: 'citizen', kind: 'commitment', text: 'Report repairs through the tenants’ association', measure: 'Reports logged' },
  { side: 'citizen', kind: 'outcome', text: 'Residents feel their homes are warm and dry', measure: 'Annual residents’ survey' },
];

eachEngine('outcome agreements', (t) => {
  it('is drafted by the service, signed by both sides, and progress and reviews are kept; the public sees no personal details', async () => {
    const { ctx } = t();
    const org = await createOrganisation(ctx.db, cliActor, { name: `Housing Service ${randomBytes(3).toString('hex')}`, legalForm: 'local-authority' });
    const officer = await person(ctx, 'officer', [[org.id, 'staff']]);
    const chair = await person(ctx, 'chair');
    const stranger = await person(ctx, 'stranger');
    const a = await agreements.createAgreement(ctx.db, officer.actor, {
      organisation: org.id, serviceName: 'Housing repairs', title: 'Warm, dry homes in Walker Court', partyKind: 'group', groupName: 'Walker Court Tenants’ Association',
      partyEmail: chair.email, partyName: 'Chris Chairperson', nextReviewOn: '2027-01-15', terms,
    });
    assert.equal(a.inForce, false);
    // Progress waits for both signatures.
    await refused(agreements.recordProgress(ctx.db, officer.actor, a.id, { termId: a.terms[0]!.id, status: 'on-track' }), 'unprocessable', /both sides/);
    await refused(agreements.signAgreement(ctx.db, stranger.actor, a.id), 'forbidden');
    await agreements.signAgreement(ctx.db, officer.actor, a.id);
    await refused(agreements.signAgreement(ctx.db, officer.actor, a.id), 'conflict', /already signed/);
    const signed = await agreements.signAgreement(ctx.db, chair.actor, a.id);
    assert.equal(signed.inForce, true);
    assert.equal(signed.yourSide, 'citizen');

    await agreements.recordProgress(ctx.db, officer.actor, a.id, { termId: a.terms[0]!.id, status: 'on-track', note: 'Average 4 days this month' });
    await agreements.recordProgress(ctx.db, chair.actor, a.id, { termId: a.terms[0]!.id, status: 'off-track', note: 'Flat 12 (Mrs B) waited 9 days' });
    await refused(agreements.recordProgress(ctx.db, stranger.actor, a.id, { termId: a.terms[0]!.id, status: 'achieved' }), 'forbidden');
    await refused(agreements.recordProgress(ctx.db, chair.actor, a.id, { termId: '00000000-0000-4000-8000-000000000000', status: 'achieved' }), 'validation_failed');
    await agreements.recordReview(ctx.db, chair.actor, a.id, { heldOn: '2027-01-15', summary: 'Visits slower in December; service to add a second team', nextReviewOn: '2027-04-15' });
    await refused(agreements.recordReview(ctx.db, officer.actor, a.id, { heldOn: '2027-04-15', summary: 'x', nextReviewOn: '2027-04-01' }), 'validation_failed', /after this one/);

    const mine = await agreements.getAgreement(ctx.db, officer.actor, a.id);
    assert.equal(mine.terms[0]!.serviceStatus, 'on-track');
    assert.equal(mine.terms[0]!.citizenStatus, 'off-track');
    assert.equal(mine.partyName, 'Chris Chairperson');
    assert.equal(mine.progress!.length, 2);
    assert.equal(mine.nextReviewOn, '2027-04-15');

    const seen = await agreements.getAgreement(ctx.db, stranger.actor, a.id);
    assert.equal(seen.yourSide, null);
    assert.equal(seen.partyName, null);
    assert.equal(seen.progress, null);
    assert.equal(seen.reviews, null);
    assert.deepEqual(seen.reviewDates, ['2027-01-15']);
    const listed = (await agreements.listPublicAgreements(ctx.db)).find((x) => x.id === a.id)!;
    const text = JSON.stringify(listed);
    for (const secret of ['Chris Chairperson', chair.email, 'Mrs B', 'second team']) assert.ok(!text.includes(secret), `public view leaks ${secret}`);
    assert.equal(listed.groupName, 'Walker Court Tenants’ Association');
  });

  it('with a person: their name never appears publicly; only the service drafts; terms need both sides', async () => {
    const { ctx } = t();
    const org = await createOrganisation(ctx.db, cliActor, { name: `Care Service ${randomBytes(3).toString('hex')}`, legalForm: 'charitable-company' });
    const officer = await person(ctx, 'care-officer', [[org.id, 'admin']]);
    const other = await person(ctx, 'other-org-staff');
    const input = {
      organisation: org.id, serviceName: 'Home support', title: 'Getting back to the shops', partyKind: 'person', partyEmail: `new-${randomBytes(3).toString('hex')}@example.org`, partyName: 'Pat Private',
      terms: [terms[0], terms[3]],
    };
    await refused(agreements.createAgreement(ctx.db, other.actor, input), 'forbidden');
    await refused(agreements.createAgreement(ctx.db, officer.actor, { ...input, terms: [terms[2], terms[3]] }), 'validation_failed', /commitment by the service/);
    await refused(agreements.createAgreement(ctx.db, officer.actor, { ...input, partyKind: 'family' }), 'validation_failed');
    const a = await agreements.createAgreement(ctx.db, officer.actor, input);
    const pub = agreements.publicPart(await agreements.getAgreement(ctx.db, other.actor, a.id));
    assert.equal(pub.groupName, null);
    assert.ok(!JSON.stringify(pub).includes('Pat Private'));
  });
});
