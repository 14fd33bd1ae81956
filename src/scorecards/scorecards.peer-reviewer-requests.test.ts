// Peer-reviewer sign-up: an organisation's administrator asks, the site administrators are told (inbox and
// email) and one approves — which registers the scopes, so the organisation's people can be chosen — or
// declines with a note; the requester is told. Refused with nothing changed: a non-administrator's request, a
// duplicate (at the same moment too), kinds already registered, bad input, a decision by anyone but a site
// administrator, and a second decision (at the same moment too). Then the same as people use the pages.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine, signedInAgent } from '../platform/testing.ts';
import { emailsOf, inboxOf, postPairs } from '../platform/inbox.test-support.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember, createOrganisation } from '../organisations/organisations.service.ts';
import { asActor, baseUrl, peerWorld, type PeerWorld } from './scorecards.peer-review.test-support.ts';
import * as review from './scorecards.peer-review.ts';
import * as signup from './scorecards.peer-reviewer-requests.ts';

const opts = { baseUrl };
const code = (c: string, field?: string) => (e: unknown) => {
  assert.ok(isAppError(e), String(e));
  assert.equal(e.code, c, e.message);
  if (field) assert.ok(e.fieldErrors.some((f) => f.field === field), JSON.stringify(e.fieldErrors));
  return true;
};

eachEngine('peer-reviewer sign-up', (t) => {
  let world: Promise<{ w: PeerWorld; admin: { id: string; email: string }; siteAdmin: { id: string; email: string }; site: Actor; orgAdmin: Actor; org: { id: string; slug: string; name: string } }> | null = null;
  const setup = () => (world ??= (async () => {
    const { ctx } = t();
    const w = await peerWorld(ctx, 'su');
    const user = (key: string) => registerUser(ctx.db, cliActor, { email: `${key}.su@example.org`, name: `${key} su`, password: 'a long enough password' });
    const admin = await user('applicant-admin');
    const siteAdmin = await user('site-admin');
    await sql`UPDATE users SET is_admin = true WHERE id = ${siteAdmin.id}`.execute(ctx.db);
    const org = await createOrganisation(ctx.db, cliActor, { name: 'Applicant Reviewers su', legalForm: 'registered-charity' });
    await addMember(ctx.db, cliActor, org.id, { email: admin.email, role: 'admin' });
    await addMember(ctx.db, cliActor, org.id, { email: w.people.outsider.email, role: 'staff' });
    return { w, admin, siteAdmin, site: { userId: siteAdmin.id, tokenId: null, isAdmin: true, via: 'session' as const }, orgAdmin: asActor(admin.id), org };
  })());
  const requests = async (orgId: string) => t().ctx.db.selectFrom('scorecards_peer_reviewer_requests').selectAll().where('organisation_id', '=', orgId).execute();
  const audits = async (id: string) => t().ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', id).execute();

  it('refuses a request by a non-administrator, bad input and kinds already registered, writing nothing', async () => {
    const { org, w, orgAdmin } = await setup();
    const db = t().ctx.db;
    const statement = 'We run day services and have inspected others for five years.';
    await assert.rejects(signup.requestPeerReviewerScope(db, w.actors.outsider, { organisation: org.id, kinds: ['technical'], statement }, opts), code('forbidden'));
    await assert.rejects(signup.requestPeerReviewerScope(db, w.actors.lead, { organisation: w.reviewers.id, kinds: ['technical'], statement }, opts), code('forbidden'), 'staff, not an administrator');
    await assert.rejects(signup.requestPeerReviewerScope(db, orgAdmin, { organisation: 'no such organisation', kinds: ['technical'], statement }, opts), code('validation_failed', 'organisation'));
    await assert.rejects(signup.requestPeerReviewerScope(db, orgAdmin, { organisation: org.id, kinds: [], statement: '' }, opts), (e: unknown) => {
      assert.ok(isAppError(e));
      assert.deepEqual(e.fieldErrors.map((f) => f.field).sort(), ['kinds', 'statement']);
      return true;
    });
    await assert.rejects(signup.requestPeerReviewerScope(db, orgAdmin, { organisation: org.id, kinds: ['technical', 'hotels'], statement }, opts), code('validation_failed', 'kinds'));
    await assert.rejects(signup.requestPeerReviewerScope(db, orgAdmin, { organisation: org.id, kinds: ['technical'], statement: 'x'.repeat(2001) }, opts), (e: unknown) => isAppError(e) && /2000 characters or fewer/.test(e.fieldErrors[0]!.message));
    assert.equal((await requests(org.id)).length, 0);
    // An organisation registered for a kind already cannot ask for it again (its administrator is made here).
    await addMember(db, cliActor, w.reviewers.id, { email: `applicant-admin.su@example.org`, role: 'admin' });
    await assert.rejects(signup.requestPeerReviewerScope(db, orgAdmin, { organisation: w.reviewers.id, kinds: ['involvement'], statement }, opts), (e: unknown) => {
      assert.ok(isAppError(e) && e.code === 'validation_failed');
      assert.match(e.fieldErrors[0]!.message, /already registered to review involvement-based services/);
      return true;
    });
    assert.equal((await requests(w.reviewers.id)).length, 0);
  });

  it('reaches the site administrators, is approved once, registers the scopes and tells the requester; duplicates and second decisions are refused', async () => {
    const { org, w, orgAdmin, site, siteAdmin, admin } = await setup();
    const { ctx } = t();
    const db = ctx.db;
    const statement = 'We run bin collections for three districts.';
    // Two requests at the same moment: one goes in, the other is refused as a duplicate.
    const both = await Promise.allSettled([1, 2].map(() => signup.requestPeerReviewerScope(db, orgAdmin, { organisation: org.id, kinds: ['technical', 'joined-up'], statement }, opts)));
    assert.equal(both.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(both.map((r) => r.status)));
    const refused = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(isAppError(refused.reason) && refused.reason.code === 'conflict' && /already has a request waiting/.test(refused.reason.message));
    const made = (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<signup.RequestView>).value;
    assert.equal((await requests(org.id)).length, 1);
    await assert.rejects(signup.requestPeerReviewerScope(db, orgAdmin, { organisation: org.id, kinds: ['framework'], statement }, opts), code('conflict', 'organisation'));
    assert.deepEqual((await audits(made.id)).map((a) => a.action), ['scorecards.peer-reviewer.requested']);
    const mails = await emailsOf(ctx, siteAdmin.email, signup.requestKind);
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.body_text, /technical services, joined-up services/);
    assert.ok(mails[0]!.body_text.includes(`${baseUrl}/scorecards/peer-reviewers/requests/${made.id}`));
    assert.equal((await signup.requestsToDecide(db)).filter((r) => r.id === made.id).length, 1);

    // Only a site administrator decides; declining needs a note.
    await assert.rejects(signup.decidePeerReviewerRequest(db, orgAdmin, made.id, { decision: 'approve' }, opts), code('forbidden'));
    await assert.rejects(signup.decidePeerReviewerRequest(db, w.actors.commissioner, made.id, { decision: 'approve' }, opts), code('forbidden'));
    await assert.rejects(signup.decidePeerReviewerRequest(db, site, made.id, { decision: 'decline', note: '' }, opts), code('validation_failed', 'note'));
    await assert.rejects(signup.decidePeerReviewerRequest(db, site, made.id, { decision: 'maybe' }, opts), code('validation_failed', 'decision'));
    await assert.rejects(signup.decidePeerReviewerRequest(db, site, '00000000-0000-4000-8000-000000000000', { decision: 'approve' }, opts), code('not_found'));
    assert.equal((await requests(org.id))[0]!.status, 'pending');
    assert.equal((await review.peerReviewerScopes(db)).filter((s) => s.organisationId === org.id).length, 0);

    const approved = await signup.decidePeerReviewerRequest(db, site, made.id, { decision: 'approve', note: 'Welcome' }, opts);
    assert.equal(approved.status, 'approved');
    assert.deepEqual((await review.peerReviewerScopes(db)).filter((s) => s.organisationId === org.id).map((s) => s.kind).sort(), ['joined-up', 'technical']);
    await assert.rejects(signup.decidePeerReviewerRequest(db, site, made.id, { decision: 'decline', note: 'Changed my mind' }, opts), (e: unknown) => isAppError(e) && e.code === 'conflict' && /already approved/.test(e.message));
    assert.equal((await requests(org.id))[0]!.decision_note, 'Welcome');
    assert.deepEqual((await audits(made.id)).map((a) => a.action).sort(), ['scorecards.peer-reviewer.approved', 'scorecards.peer-reviewer.requested']);
    const told = await emailsOf(ctx, admin.email, signup.decidedKind);
    assert.equal(told.length, 1);
    assert.match(told[0]!.body_text, /is now registered as a peer reviewer of technical services, joined-up services/);
    assert.match(told[0]!.body_text, /Their note: Welcome/);
    assert.equal((await signup.recentDecisionsFor(db, admin.id)).length, 1);
    assert.equal((await signup.requestsToDecide(db)).filter((r) => r.id === made.id).length, 0, 'left the site administrators’ inbox');

    // Approval is what lets its people be chosen: its staff member is now a candidate for the technical service.
    const r = await review.inviteReview(db, w.actors.providerStaff, { service: w.services.technical.id, scope: 'Missed collections' });
    assert.ok((await review.reviewerCandidates(db, r.id)).some((c) => c.userId === w.people.outsider.id));
    assert.ok((await signup.reviewersByKind(db)).find((k) => k.kind === 'technical')!.organisations.some((o) => o.id === org.id));
  });

  it('lets only one of two decisions made at the same moment win', async () => {
    const { site, siteAdmin } = await setup();
    const db = t().ctx.db;
    const org = await createOrganisation(db, cliActor, { name: 'Race Reviewers su', legalForm: 'registered-charity' });
    const raceAdmin = await registerUser(db, cliActor, { email: 'race-admin.su@example.org', name: 'race admin su', password: 'a long enough password' });
    await addMember(db, cliActor, org.id, { email: raceAdmin.email, role: 'admin' });
    const made = await signup.requestPeerReviewerScope(db, asActor(raceAdmin.id), { organisation: org.id, kinds: ['framework'], statement: 'Decision records.' }, opts);
    const other: Actor = { ...site };
    const results = await Promise.allSettled([
      signup.decidePeerReviewerRequest(db, site, made.id, { decision: 'approve' }, opts),
      signup.decidePeerReviewerRequest(db, other, made.id, { decision: 'decline', note: 'Not enough experience' }, opts),
    ]);
    assert.equal(results.filter((x) => x.status === 'fulfilled').length, 1, JSON.stringify(results.map((x) => x.status === 'rejected' ? String(x.reason) : 'ok')));
    const loser = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
    assert.ok(isAppError(loser.reason) && loser.reason.code === 'conflict');
    const row = (await requests(org.id))[0]!;
    const scopes = (await review.peerReviewerScopes(db)).filter((s) => s.organisationId === org.id);
    assert.equal(scopes.length, row.status === 'approved' ? 1 : 0, 'scopes follow the winning decision only');
    assert.equal((await audits(made.id)).length, 2, 'the request and one decision');
    assert.equal((await emailsOf(t().ctx, raceAdmin.email, signup.decidedKind)).length, 1);
    void siteAdmin;
  });

  it('works as pages: the public list, the request with its errors, the site administrator’s decision, and refusals', async () => {
    const { org, admin, siteAdmin, w } = await setup();
    const { app, ctx } = t();
    const list = await app.inject({ url: '/scorecards/peer-reviewers' });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Peer Reviewers su/);
    assert.match(list.body, /Applicant Reviewers su/, 'registered for technical by the approval above');
    const orgPage = await app.inject({ url: `/organisations/${org.slug}` });
    assert.match(orgPage.body, /Registered to review/);
    assert.ok(orgPage.body.includes(`/scorecards/peer-reviewers/request?organisation=${org.id}`));

    const applicant = await signedInAgent(app, admin.email, '10.62.0.1');
    const form = await applicant.get(`/scorecards/peer-reviewers/request?organisation=${org.id}`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Already registered/);
    const bad = await postPairs(applicant, '/scorecards/peer-reviewers/requests', [['organisation', org.id], ['statement', '']]);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#kinds">Select the kinds of service your organisation can review/);
    assert.match(bad.body, /href="#statement">Enter a statement of your organisation’s experience/);
    const sent = await postPairs(applicant, '/scorecards/peer-reviewers/requests', [['organisation', org.id], ['kinds', 'framework'], ['kinds', 'involvement'], ['statement', 'We chair the local council’s scrutiny panel.']]);
    assert.equal(sent.statusCode, 303, sent.body);
    const url = (sent.headers.location as string).split('?')[0]!;
    assert.match((await applicant.get(sent.headers.location as string)).body, /Your request is sent/);
    const again = await postPairs(applicant, '/scorecards/peer-reviewers/requests', [['organisation', org.id], ['kinds', 'framework'], ['statement', 'Again']]);
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /already has a request waiting/);
    // The applicant cannot decide it; an outsider cannot even see it.
    assert.equal((await applicant.post(`${url}/decision`, { decision: 'approve' })).statusCode, 403);
    const stranger = await signedInAgent(app, w.people.commissioner.email, '10.62.0.2');
    assert.equal((await stranger.get(url)).statusCode, 404);

    const site = await signedInAgent(app, siteAdmin.email, '10.62.0.3');
    assert.ok((await inboxOf(site))[signup.requestKind]!.some((x) => x.includes('Applicant Reviewers su')));
    const page = await site.get(url);
    assert.match(page.body, /Record the decision/);
    const noNote = await site.post(`${url}/decision`, { decision: 'decline', note: '' });
    assert.equal(noNote.statusCode, 400);
    assert.match(noNote.body, /href="#note">Enter a note saying why the request is declined/);
    const declined = await site.post(`${url}/decision`, { decision: 'decline', note: 'Please show review experience first' });
    assert.equal(declined.statusCode, 303);
    assert.equal((await inboxOf(site))[signup.requestKind], undefined, 'nothing left to decide');
    const twice = await site.post(`${url}/decision`, { decision: 'approve' });
    assert.equal(twice.statusCode, 409);
    assert.match(twice.body, /already declined/);
    assert.ok((await inboxOf(applicant))[signup.decidedKind]!.some((x) => x.includes('declined')));
    const mail = (await emailsOf(ctx, admin.email, signup.decidedKind)).at(-1)!;
    assert.match(mail.body_text, /declined[\s\S]*Their note: Please show review experience first/);
    assert.deepEqual((await review.peerReviewerScopes(ctx.db)).filter((s) => s.organisationId === org.id).map((s) => s.kind).sort(), ['joined-up', 'technical'], 'declining added nothing');
  });
});
