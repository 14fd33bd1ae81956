// Peer review (issue 18): invited by the provider or a commissioner; reviewers from other organisations chosen
// by name, within their registered scope, each declaring conflicts; the lead writes ratings on the 4-point scale
// for the five key questions and publishes in full; the provider answers with an action plan with dates; a
// progress review is due ten months on. Bad input refused naming the field, with nothing changed.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { isAppError } from '../platform/errors.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import type { Db } from '../platform/db.ts';
import * as review from './scorecards.peer-review.ts';
import { peerWorld, baseUrl, type PeerWorld } from './scorecards.peer-review.test-support.ts';

const opts = { baseUrl };
const good = { evidence: 'Visited twice; read 40 care plans.', findings: 'Kind staff; late visits.', recommendations: 'Fix the rota.', safe: 'good', effective: 'requires-improvement', caring: 'outstanding', responsive: 'inadequate', 'well-led': 'good' };

async function snapshot(db: Db) {
  const n = async (t: 'scorecards_peer_reviews' | 'scorecards_peer_reviewers' | 'scorecards_peer_review_actions' | 'audit_log') => Number((await db.selectFrom(t).select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const reviews = await db.selectFrom('scorecards_peer_reviews').selectAll().orderBy('id').execute();
  return { reviews: JSON.stringify(reviews), reviewers: await n('scorecards_peer_reviewers'), actions: await n('scorecards_peer_review_actions'), audit: await n('audit_log') };
}

function refusedOn(field: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.code, 'validation_failed');
    const e = error.fieldErrors.find((f) => f.field === field);
    assert.ok(e, `an error on ${field}: ${JSON.stringify(error.fieldErrors)}`);
    assert.match(e.message, pattern);
    return true;
  };
}

eachEngine('scorecards peer review', (t) => {
  let world: Promise<PeerWorld> | null = null;
  const setup = () => (world ??= peerWorld(t().ctx, 'pr'));

  it('runs a review from invitation to publication, action plan and progress review, each job reaching its person', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const invited = await review.inviteReview(db, w.actors.providerStaff, { service: w.services.poor.id, scope: 'Home visits and how complaints are handled', commissioner: w.council.name });
    assert.equal(invited.status, 'open');
    assert.equal(invited.commissioner?.id, w.council.id);
    // Only people of registered reviewer organisations who are not the provider's are offered, by name.
    const offered = await review.reviewerCandidates(db, invited.id);
    assert.deepEqual(offered.map((p) => p.name).sort(), [w.people.lead.name, w.people.second.name].sort());
    await review.addReviewer(db, w.actors.providerStaff, invited.id, { person: w.people.lead.id, lead: 'yes' }, opts);
    await review.addReviewer(db, w.actors.providerStaff, invited.id, { person: w.people.second.id }, opts);
    const mail = await listOutbox(db, { to: w.people.lead.email });
    assert.match(mail[0]!.subject, /invited to peer review Poor home care/);
    assert.match(mail[0]!.text, /\/scorecards\/peer-reviews\/[\w-]+\/conflicts/);
    assert.equal((await review.invitationsFor(db, w.people.lead.id)).length, 1);
    // The lead cannot write before declaring conflicts.
    await assert.rejects(review.writeReport(db, w.actors.lead, invited.id, good, { publish: false, ...opts }), (e: unknown) => isAppError(e) && e.code === 'forbidden');
    await review.declareConflicts(db, w.actors.lead, invited.id, { conflict: 'no' }, opts);
    assert.equal((await review.invitationsFor(db, w.people.lead.id)).length, 0);
    assert.equal((await review.reportsToWrite(db, w.people.lead.id)).length, 1);
    // The second reviewer declares a conflict: blocked, and whoever chose them hears of it.
    await review.declareConflicts(db, w.actors.second, invited.id, { conflict: 'yes', conflicts: 'I worked for Care Provider until last year.' }, opts);
    const got = await review.getReview(db, w.actors.second, invited.id);
    assert.equal(got.can.canWrite, false);
    assert.equal(got.review.reviewers.find((r) => r.userId === w.people.second.id)!.hasConflict, true);
    // Not a lead: a non-lead reviewer may not write.
    await assert.rejects(review.writeReport(db, w.actors.second, invited.id, good, { publish: true, ...opts }), (e: unknown) => isAppError(e) && e.code === 'forbidden');
    // Not visible to someone with no part in it while open.
    await assert.rejects(review.getReview(db, w.actors.outsider, invited.id), (e: unknown) => isAppError(e) && e.code === 'not_found');
    const saved = await review.writeReport(db, w.actors.lead, invited.id, { findings: 'Draft' }, { publish: false, ...opts });
    assert.equal(saved.status, 'open');
    const published = await review.writeReport(db, w.actors.lead, invited.id, { ...good, concern: 'fft-positive' }, { publish: true, today: '2026-03-15', ...opts });
    assert.equal(published.status, 'published');
    assert.equal(published.progressDueOn, '2027-01-15');
    assert.deepEqual(published.ratings.map((r) => r.rating), ['good', 'requires-improvement', 'outstanding', 'inadequate', 'good']);
    // Published in full to anyone.
    const publicView = await review.getReview(db, w.actors.outsider, invited.id);
    assert.equal(publicView.review.findings, good.findings);
    assert.equal((await review.publishedReviews(db, { serviceId: w.services.poor.id })).length, 1);
    // The provider is asked for its action plan, by inbox and email.
    assert.equal((await review.actionPlansToWrite(db, w.people.providerStaff.id)).length, 1);
    assert.match((await listOutbox(db, { to: w.people.providerStaff.email })).map((m) => m.subject).join('\n'), /published: write your action plan/);
    await review.addAction(db, w.actors.providerStaff, invited.id, { action: 'New rota with fixed visit windows', dueOn: '30/06/2026' });
    assert.equal((await review.actionPlansToWrite(db, w.people.providerStaff.id)).length, 0);
    // The progress review is in the inbox from a month before it is due.
    assert.equal((await review.progressReviewsDue(db, w.people.lead.id, '2026-11-01')).length, 0);
    assert.equal((await review.progressReviewsDue(db, w.people.lead.id, '2026-12-20')).length, 1);
    assert.equal((await review.progressReviewsDue(db, w.people.providerStaff.id, '2027-02-01')).length, 1);
    await review.recordProgress(db, w.actors.lead, invited.id, { notes: 'Rota in place; visits on time.' });
    assert.equal((await review.progressReviewsDue(db, w.people.lead.id, '2027-02-01')).length, 0);
    const summary = await review.peerReviewSummary(db, w.services.poor.id);
    assert.equal(summary.published, 1);
    assert.equal(summary.latest?.actions[0]?.dueOn, '2026-06-30');
  });

  it('refuses a reviewer from the provider, one outside their scope, and a rating off the scale, naming the field and changing nothing', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const r = await review.inviteReview(db, w.actors.commissioner, { service: w.services.small.id, scope: 'Day activities' });
    assert.equal(r.commissioner?.id, w.council.id, 'a commissioner’s own organisation is the commissioner');
    let before = await snapshot(db);
    await assert.rejects(review.addReviewer(db, w.actors.commissioner, r.id, { person: w.people.insider.id }, opts), refusedOn('person', /is a member of Care Provider pr, the provider: a peer reviewer must come from another organisation/));
    await assert.rejects(review.addReviewer(db, w.actors.commissioner, r.id, { person: w.people.outOfScope.id }, opts), refusedOn('person', /not registered to peer review involvement services: a review of Small day centre pr is outside their scope/));
    await assert.rejects(review.addReviewer(db, w.actors.commissioner, r.id, { person: 'Lead Reviewer' }, opts), refusedOn('person', /Choose the reviewer from the list/));
    assert.deepEqual(await snapshot(db), before);
    // A technical service is outside the reviewers' scope (they are registered for involvement services only).
    const tech = await review.inviteReview(db, w.actors.providerStaff, { service: w.services.technical.id, scope: 'Collections' });
    before = await snapshot(db);
    await assert.rejects(review.addReviewer(db, w.actors.providerStaff, tech.id, { person: w.people.lead.id }, opts), refusedOn('person', /not registered to peer review technical services/));
    assert.deepEqual(await snapshot(db), before);
    // A rating off the scale.
    await review.addReviewer(db, w.actors.commissioner, r.id, { person: w.people.lead.id }, opts);
    await review.declareConflicts(db, w.actors.lead, r.id, { conflict: 'no' }, opts);
    before = await snapshot(db);
    for (const [field, value] of [['safe', 'excellent'], ['well-led', '5'], ['caring', 'Good']] as const) {
      await assert.rejects(review.writeReport(db, w.actors.lead, r.id, { ...good, [field]: value }, { publish: true, ...opts }), refusedOn(field, /^Choose a rating for “[\w-]+”: outstanding, good, requires improvement or inadequate$/i));
    }
    await assert.rejects(review.writeReport(db, w.actors.lead, r.id, { ...good, safe: '' }, { publish: true, ...opts }), refusedOn('safe', /Choose a rating for “Safe”/));
    await assert.rejects(review.writeReport(db, w.actors.lead, r.id, { ...good, concern: 'league-table' }, { publish: true, ...opts }), refusedOn('concern', /Choose the figure/));
    assert.deepEqual(await snapshot(db), before);
    // The database refuses an off-scale rating whatever the app says.
    await assert.rejects(sql`UPDATE scorecards_peer_reviews SET rating_safe = 'excellent' WHERE id = ${r.id}`.execute(db), /check/i);
    // A declared conflict needs its description; a blank answer names the field.
    await assert.rejects(review.declareConflicts(db, w.actors.lead, r.id, { conflict: 'yes', conflicts: '' }, opts), refusedOn('conflicts', /Enter your conflict of interest/));
    await assert.rejects(review.declareConflicts(db, w.actors.lead, r.id, {}, opts), refusedOn('conflict', /Select whether you have a conflict/));
    // An action plan date that is not a date.
    await assert.rejects(review.addAction(db, w.actors.providerStaff, r.id, { action: 'x', dueOn: '31/02/2026' }), (e: unknown) => isAppError(e) && e.code === 'unprocessable');
  });

  it('lets only the provider or a commissioner invite, and only the provider answer', async () => {
    const w = await setup();
    const { db } = t().ctx;
    await assert.rejects(review.inviteReview(db, w.actors.outsider, { service: w.services.poor.id, scope: 'x' }), (e: unknown) => isAppError(e) && e.code === 'forbidden');
    await assert.rejects(review.inviteReview(db, w.actors.providerStaff, { service: '', scope: '' }), (e: unknown) => {
      assert.ok(isAppError(e));
      assert.deepEqual(e.fieldErrors.map((f) => f.field), ['scope', 'service']);
      return true;
    });
    const [published] = await review.publishedReviews(db, { serviceId: w.services.poor.id });
    await assert.rejects(review.addAction(db, w.actors.otherStaff, published!.id, { action: 'x', dueOn: '2026-12-01' }), (e: unknown) => isAppError(e) && e.code === 'forbidden');
    await assert.rejects(review.addAction(db, w.actors.providerStaff, published!.id, { action: 'x', dueOn: '1/1/2020' }), refusedOn('dueOn', /on or after the day the review was published/));
    await assert.rejects(review.addAction(db, w.actors.providerStaff, published!.id, { action: 'x', dueOn: '31/02/2026' }), refusedOn('dueOn', /must be a real date/));
  });
});
