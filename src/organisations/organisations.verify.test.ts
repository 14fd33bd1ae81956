// Verified publishers (issue 14; issue 15 defect 4): the impostor journey refused or marked at every step,
// claims checked by a site administrator, forged verification, a second claim on a taken identifier,
// rival claims decided concurrently, and an invitation accepted.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { isAppError } from '../platform/errors.ts';
import { seedOrganisations } from './organisations.demo.ts';
import * as service from './organisations.service.ts';
import { looksAlike, nameSkeleton } from './organisations.names.ts';
import { importSpendFile } from '../spend/spend.import.ts';
import { createOpenCall } from '../commissioning/commissioning.service.ts';
import { createContract } from '../outcomes/outcomes.service.ts';
import { addSalaryPost } from '../spend/spend.salaries.ts';
import { createPetition } from '../voice/voice.petitions.ts';
import { verifiedPublicBody } from './organisations.test-support.ts';
import * as voice from '../voice/voice.service.ts';
import { loadPlaces, NEWCASTLE } from '../voice/voice.test-support.ts';

const password = 'a long enough password';
const csv = 'Date,Supplier,Amount\n01/01/2021,TYNE LIFTS LTD,600\n';

async function signedUp(app: TestAgent['app'], db: Parameters<typeof registerUser>[0], ip: string, email: string, name = 'Someone') {
  const agent = new TestAgent(app, ip);
  const res = await agent.register(db, { name, email, password });
  assert.equal(res.statusCode, 303, res.body);
  return agent;
}

async function siteAdmin(app: TestAgent['app'], db: Parameters<typeof registerUser>[0], ip: string, email: string) {
  await registerUser(db, cliActor, { email, name: 'Site Admin', password, isAdmin: true });
  const agent = new TestAgent(app, ip);
  await agent.get('/sign-in');
  assert.equal((await agent.post('/sign-in', { email, password })).statusCode, 303);
  return agent;
}

const outbox = (db: Parameters<typeof registerUser>[0], kind: string) =>
  db.selectFrom('outbox').select(['to_address', 'subject', 'body_text']).where('kind', '=', kind).orderBy('id').execute();

describeNames();

function describeNames() {
  it('reduces confusable names to one skeleton', () => {
    for (const [a, b] of [
      ['Newcastle City Council', 'Newcastle City Council'],
      ['Newcastle City Council', 'NEWCASTLE CITY COUNCIL.'],
      ['Newcastle City Council', 'Newcastle Council'],
      ['Newcastle City Council', 'Newcastle-City  Council'],
      ['Newcastle City Council', 'Newcastle City Counci1'],
      ['Newcastle City Council', 'NewcastIe City Council'],
      ['Newcastle City Council', 'N\u0435wc\u0430stle City Council'], // Cyrillic е and а
      ['Newcastle City Council', 'Ｎｅｗｃａｓｔｌｅ City Council'], // fullwidth
      ['Newcastle City Council', 'Néwcastle City Council'],
      ['Tyne & Wear Fire', 'Tyne and Wear Fire'],
      ['Leeds City Council', 'The Council of the City of Leeds'],
      ['Barnsley', 'Bamsley'.replace('m', 'rn')],
    ] as const) assert.ok(looksAlike(a, b), `${a} ~ ${b}`);
    for (const [a, b] of [['Newcastle City Council', 'Gateshead Council'], ['Newcastle City Council', 'Newcastle upon Tyne Hospitals'], ['Council', 'City Council']] as const) {
      assert.ok(!looksAlike(a, b), `${a} !~ ${b}`);
    }
    assert.equal(nameSkeleton('City Council'), '', 'only kind words: no skeleton, so never a match');
  });
}

eachEngine('verified publishers', (t) => {
  it('refuses or marks the impostor "Newcastle City Council" at every step', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const real = await service.getOrganisation(ctx.db, 'GB-LAE-NET');
    assert.equal(real.verified, true, 'the demo data registers the real council verified');
    const admin = await siteAdmin(app, ctx.db, '10.7.0.1', 'admin-impostor@example.org');
    await importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-NET', source: { bytes: Buffer.from(csv) } });

    // A new account registers the council's name as a local authority, with no identifier, and is its administrator at once.
    const impostor = await signedUp(app, ctx.db, '10.7.0.2', 'impostor@example.org', 'Ima Poster');
    await impostor.get('/organisations/new');
    const created = await impostor.post('/organisations', { name: 'Newcastle City Council', legalForm: 'local-authority', identifiers: '' });
    assert.equal(created.statusCode, 303, created.body);
    const slug = String(created.headers.location).split('/')[2]!.split('?')[0]!;
    const fake = await service.getOrganisation(ctx.db, slug);
    assert.notEqual(fake.id, real.id);
    assert.equal(fake.verified, false);
    const ownPage = await impostor.get(`/organisations/${slug}`);
    assert.match(ownPage.body, /Not verified/);
    assert.match(ownPage.body, /cannot publish spending, salaries or contracts as a public body/);

    // The look-alike is flagged to the site administrators, by email and on their page.
    const flagged = await outbox(ctx.db, 'organisations.lookalike-to-review');
    assert.equal(flagged.length, 1);
    assert.equal(flagged[0]!.to_address, 'admin-impostor@example.org');
    assert.match(flagged[0]!.body_text, /resembles Newcastle City Council \(verified\)/);
    const adminPage = await admin.get('/admin/organisations');
    assert.equal(adminPage.statusCode, 200);
    assert.match(adminPage.body, new RegExp(`href="/organisations/${slug}">Newcastle City Council</a>`));

    // Publishing spending under it is refused, over the API and in the service; nothing is written.
    const { user, auth } = await userWithToken(ctx.db, 'impostor-api@example.org');
    await service.addMember(ctx.db, cliActor, fake.id, { email: user.email, role: 'admin' });
    const upload = await app.inject({ method: 'POST', url: `/api/v1/spend/files?publisher=${slug}`, headers: { ...auth, 'content-type': 'text/csv' }, payload: csv });
    assert.equal(upload.statusCode, 403, upload.body);
    assert.equal(upload.json().code, 'forbidden');
    assert.match(upload.json().detail, /Newcastle City Council is not a verified public body .*ask a site administrator to verify it/);
    const files = await ctx.db.selectFrom('spend_files').select('id').where('organisation_id', '=', fake.id).execute();
    assert.equal(files.length, 0);
    const actor = { userId: user.id, tokenId: null, isAdmin: false, via: 'token' as const };
    await assert.rejects(importSpendFile(ctx, actor, { publisher: fake.id, source: { bytes: Buffer.from(csv) } }), (e) => isAppError(e) && e.code === 'forbidden');
    await assert.rejects(addSalaryPost(ctx.db, actor, fake.id, { asAt: '2021-03-31', jobTitle: 'Chief Executive', salaryFrom: '180000' }), (e) => isAppError(e) && e.code === 'forbidden' && /senior salaries/.test(e.message));
    const salaries = await app.inject({ method: 'POST', url: `/api/v1/spend/publishers/${slug}/salaries?asAt=2021-03-31`, headers: { ...auth, 'content-type': 'text/csv' }, payload: 'Job title,Salary\nChief Executive,180000\n' });
    assert.equal(salaries.statusCode, 403, salaries.body);
    // … contracts and OCDS: an open call, an outcomes contract.
    await service.addMember(ctx.db, cliActor, fake.id, { email: user.email, role: 'commissioner' });
    await assert.rejects(createOpenCall(ctx.db, actor, { organisation: fake.id, title: 'Befriending', description: 'Ideas wanted', closesOn: '2031-01-01' }), (e) => isAppError(e) && e.code === 'forbidden');
    const provider = await service.createOrganisation(ctx.db, cliActor, { name: 'Some Provider', legalForm: 'charitable-company' });
    await assert.rejects(createContract(ctx.db, actor, { organisation: fake.id, provider: provider.id, title: 'Jobs', startDate: '2026-04-01', endDate: '2027-03-31', capPence: 100000 } as never), (e) => isAppError(e) && e.code === 'forbidden');

    // /spend lists only the real council, with its identifier; the impostor published nothing and has no page of its own there.
    const spend = await app.inject({ method: 'GET', url: '/spend' });
    assert.equal((spend.body.match(/>Newcastle City Council</g) ?? []).length, 1);
    assert.match(spend.body, /GB-LAE-NET/);
    const publishers = (await app.inject({ method: 'GET', url: '/api/v1/spend/publishers' })).json();
    assert.deepEqual(publishers.map((p: { name: string; verified: boolean; identifiers: string[] }) => [p.name, p.verified, p.identifiers]), [['Newcastle City Council', true, ['GB-LAE-NET']]]);
    const fakeSpend = await app.inject({ method: 'GET', url: `/spend/${slug}` });
    if (fakeSpend.statusCode === 200) assert.match(fakeSpend.body, /Not verified/);

    // The registry (page and API): the verified one first, the impostor marked.
    const list = await app.inject({ method: 'GET', url: '/organisations?q=newcastle+city' });
    const firstReal = list.body.indexOf(`/organisations/${real.slug}"`);
    const firstFake = list.body.indexOf(`/organisations/${slug}"`);
    assert.ok(firstReal > 0 && firstFake > firstReal, 'the verified council is listed before its look-alike');
    assert.match(list.body.slice(firstFake), /Not verified/);
    const api = (await app.inject({ method: 'GET', url: '/api/v1/organisations?q=Newcastle%20City%20Council' })).json();
    assert.deepEqual(api.items.map((o: { id: string; verified: boolean; publicBody: boolean }) => [o.id, o.verified, o.publicBody]), [[real.id, true, true], [fake.id, false, true]]);
    const openapi = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    assert.ok(JSON.stringify(openapi).includes('"verified"'), 'the OpenAPI document describes verified');

    // The petition form offers only the verified council, and a petition to the impostor is refused.
    const petitioner = await signedUp(app, ctx.db, '10.7.0.3', 'petitioner@example.org');
    const form = await petitioner.get('/voice/petitions/new');
    assert.match(form.body, new RegExp(`value="${real.slug}"`));
    assert.doesNotMatch(form.body, new RegExp(`value="${slug}"`));
    const toFake = await petitioner.post('/voice/petitions', { organisation: slug, title: 'Fix the lights', background: 'They are out.' });
    assert.equal(toFake.statusCode, 400);
    assert.match(toFake.body, /Choose a verified public body/);
    const petitionerUser = await ctx.db.selectFrom('users').select('id').where('email', '=', 'petitioner@example.org').executeTakeFirstOrThrow();
    await assert.rejects(createPetition(ctx.db, { userId: petitionerUser.id, tokenId: null, isAdmin: false, via: 'session' }, { organisation: fake.id, title: 'Fix the lights', background: 'They are out.' }),
      (e) => isAppError(e) && e.code === 'forbidden' && /not a verified public body/.test(e.message));
    assert.equal((await ctx.db.selectFrom('voice_petitions').select('id').where('organisation_id', '=', fake.id).execute()).length, 0);

    // Claiming the real council's identifier is refused with a clear message.
    await impostor.get(`/organisations/${slug}/edit`);
    const claim = await impostor.post(`/organisations/${slug}/edit`, { name: 'Newcastle City Council', legalForm: 'local-authority', identifiers: 'GB-LAE-NET' });
    assert.equal(claim.statusCode, 409);
    assert.match(claim.body, /GB-LAE-NET is held by Newcastle City Council, a verified organisation: ask its administrators to invite you/);
    assert.deepEqual((await service.getOrganisation(ctx.db, slug)).identifiers, []);
  });

  it('refuses a forged verification by anyone but a site administrator, and changes nothing', async () => {
    const { app, ctx } = t();
    const claimant = await signedUp(app, ctx.db, '10.7.1.1', 'forger@example.org');
    await claimant.get('/organisations/new');
    await claimant.post('/organisations', { name: 'Forged Borough Council', legalForm: 'local-authority', identifiers: 'GB-LAE-FBC', evidence: 'Trust me' });
    const org = await service.getOrganisation(ctx.db, 'forged-borough-council');
    const [request] = (await ctx.db.selectFrom('organisation_verification_requests').select('id').where('organisation_id', '=', org.id).execute());
    assert.ok(request);
    // Its own administrator is not a site administrator: the verify button, the admin page, the decision form.
    assert.equal((await claimant.post('/organisations/forged-borough-council/verify', { verified: 'yes' })).statusCode, 403);
    assert.equal((await claimant.get('/admin/organisations')).statusCode, 403);
    assert.equal((await claimant.post(`/admin/organisations/claims/${request.id}`, { decision: 'verify' })).statusCode, 403);
    // Over the API with a token.
    const { user, auth } = await userWithToken(ctx.db, 'forger-api@example.org');
    await service.addMember(ctx.db, cliActor, org.id, { email: user.email, role: 'admin' });
    const api = await app.inject({ method: 'POST', url: `/api/v1/organisations/verification-requests/${request.id}/decision`, headers: auth, payload: { decision: 'verify' } });
    assert.equal(api.statusCode, 403);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/organisations/verification-requests', headers: auth })).statusCode, 403);
    // Without a token or session, and registering itself verified.
    const anonymous = await app.inject({ method: 'POST', url: `/api/v1/organisations/verification-requests/${request.id}/decision`, payload: { decision: 'verify' } });
    assert.ok([401, 403].includes(anonymous.statusCode));
    const selfVerified = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: auth, payload: { name: 'Self Verified Council', legalForm: 'local-authority', identifiers: ['GB-LAE-SVC'], verified: true } });
    assert.equal(selfVerified.statusCode, 400, 'verified is not part of the API body');
    await assert.rejects(service.createOrganisation(ctx.db, { userId: user.id, tokenId: null, isAdmin: false, via: 'session' }, { name: 'Self Verified Council', legalForm: 'local-authority', identifiers: ['GB-LAE-SVC'], verified: true }),
      (e) => isAppError(e) && e.code === 'forbidden');
    // Renaming a verified body is locked for its own administrators.
    const verified = await verifiedPublicBody(ctx.db, 'Locked Name Council');
    const { user: lockedAdmin, auth: lockedAuth } = await userWithToken(ctx.db, 'locked-admin@example.org');
    await service.addMember(ctx.db, cliActor, verified.id, { email: lockedAdmin.email, role: 'admin' });
    const rename = await app.inject({ method: 'PATCH', url: `/api/v1/organisations/${verified.id}`, headers: lockedAuth, payload: { name: 'Newcastle City Council' } });
    assert.equal(rename.statusCode, 400);
    assert.equal(rename.json().errors[0].field, 'name');
    const reform = await app.inject({ method: 'PATCH', url: `/api/v1/organisations/${verified.id}`, headers: lockedAuth, payload: { legalForm: 'community-group' } });
    assert.equal(reform.statusCode, 400);

    const after = await service.getOrganisation(ctx.db, org.id);
    assert.equal(after.verified, false);
    assert.equal((await ctx.db.selectFrom('organisation_verification_requests').select('status').where('id', '=', request.id).executeTakeFirstOrThrow()).status, 'pending');
    assert.equal((await ctx.db.selectFrom('audit_log').select('id').where('entity_id', '=', org.id).where('action', '=', 'organisation.verified').execute()).length, 0);
  });

  it('takes a claim with its evidence to the site administrators, who verify or reject it with a reason; the claimant is emailed', async () => {
    const { app, ctx } = t();
    const admin = await siteAdmin(app, ctx.db, '10.7.2.1', 'admin-claims@example.org');
    const claimant = await signedUp(app, ctx.db, '10.7.2.2', 'clerk@example.org', 'Town Clerk');
    await claimant.get('/organisations/new');
    await claimant.post('/organisations', { name: 'Hexham Town Council', legalForm: 'local-authority', identifiers: 'GB-GOR-T200001', evidence: 'I am the town clerk: hexham.example.gov.uk/staff' });
    const org = await service.getOrganisation(ctx.db, 'hexham-town-council');
    const claimEmail = (await outbox(ctx.db, 'organisations.claim-to-verify')).filter((e) => e.to_address === 'admin-claims@example.org' && e.subject.includes('Hexham'));
    assert.equal(claimEmail.length, 1);
    assert.match(claimEmail[0]!.body_text, /Evidence given: I am the town clerk/);
    const waiting = await claimant.get('/organisations/hexham-town-council');
    assert.match(waiting.body, /A claim to GB-GOR-T200001 is waiting for a site administrator/);

    const page = await admin.get('/admin/organisations');
    assert.match(page.body, /Hexham Town Council/);
    assert.match(page.body, /I am the town clerk: hexham.example.gov.uk\/staff/);
    assert.match(page.body, /Town Clerk \(clerk@example.org\)/);
    const request = (await ctx.db.selectFrom('organisation_verification_requests').select('id').where('organisation_id', '=', org.id).executeTakeFirstOrThrow()).id;

    // A rejection needs a reason; then the identifiers come off and the claimant hears why.
    const noReason = await admin.post(`/admin/organisations/claims/${request}`, { decision: 'reject', reason: '' });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /Enter the reason/);
    assert.equal((await service.getOrganisation(ctx.db, org.id)).identifiers.length, 1, 'nothing changed');
    const rejected = await admin.post(`/admin/organisations/claims/${request}`, { decision: 'reject', reason: 'The staff page does not name you' });
    assert.equal(rejected.statusCode, 303);
    assert.deepEqual((await service.getOrganisation(ctx.db, org.id)).identifiers, []);
    const told = await outbox(ctx.db, 'organisation-verification');
    assert.equal(told.at(-1)!.to_address, 'clerk@example.org');
    assert.match(told.at(-1)!.body_text, /Reason: The staff page does not name you/);
    const twice = await admin.post(`/admin/organisations/claims/${request}`, { decision: 'verify' });
    assert.equal(twice.statusCode, 409, 'a decided claim cannot be decided again');

    // Claim again with better evidence, from the organisation's page; this time it is verified, and it can publish.
    await claimant.get(`/organisations/hexham-town-council/edit`);
    await claimant.post('/organisations/hexham-town-council/edit', { name: 'Hexham Town Council', legalForm: 'local-authority', identifiers: 'GB-GOR-T200001', evidence: 'Email me at clerk@hexham.example.gov.uk' });
    const again = await ctx.db.selectFrom('organisation_verification_requests').select(['id', 'evidence']).where('organisation_id', '=', org.id).where('status', '=', 'pending').executeTakeFirstOrThrow();
    assert.equal(again.evidence, 'Email me at clerk@hexham.example.gov.uk');
    const duplicate = await claimant.post('/organisations/hexham-town-council/verification', { evidence: 'Again' });
    assert.equal(duplicate.statusCode, 409, 'one claim waits at a time');
    assert.equal((await admin.post(`/admin/organisations/claims/${again.id}`, { decision: 'verify', reason: 'Replied from the council domain' })).statusCode, 303);
    const now = await service.getOrganisation(ctx.db, org.id);
    assert.equal(now.verified, true);
    assert.match((await outbox(ctx.db, 'organisation-verification')).at(-1)!.subject, /Hexham Town Council is verified/);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('entity_id', '=', org.id).orderBy('id').execute();
    assert.ok(audit.some((a) => a.action === 'organisation.verification_rejected'));
    assert.ok(audit.some((a) => a.action === 'organisation.verified' && a.actor_user_id !== null));
    const clerk = await ctx.db.selectFrom('users').select('id').where('email', '=', 'clerk@example.org').executeTakeFirstOrThrow();
    const result = await importSpendFile(ctx, { userId: clerk.id, tokenId: null, isAdmin: false, via: 'session' }, { publisher: org.id, source: { bytes: Buffer.from(csv) } });
    assert.equal(result.outcome, 'imported');
  });

  it('verifies one of two rival claims on an identifier, refusing the other, also when decided at the same moment', async () => {
    const { ctx } = t();
    const a = await userWithToken(ctx.db, 'rival-a@example.org');
    const b = await userWithToken(ctx.db, 'rival-b@example.org');
    const actorOf = (id: string) => ({ userId: id, tokenId: null, isAdmin: false, via: 'session' as const });
    const first = await service.createOrganisation(ctx.db, actorOf(a.user.id), { name: 'Morpeth Town Council', legalForm: 'local-authority', identifiers: ['GB-GOR-T300001'] });
    const second = await service.createOrganisation(ctx.db, actorOf(b.user.id), { name: 'Morpeth Town Council Two', legalForm: 'local-authority', identifiers: ['GB-GOR-T300001'] });
    const admin = { userId: null, tokenId: null, isAdmin: true, via: 'session' as const };
    const results = await Promise.allSettled([service.verifyOrganisation(ctx.db, admin, first.id), service.verifyOrganisation(ctx.db, admin, second.id)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status === 'rejected' ? String(r.reason) : 'ok')));
    assert.equal(lost.length, 1);
    const reason = (lost[0] as PromiseRejectedResult).reason;
    assert.ok(isAppError(reason) && reason.code === 'conflict', String(reason));
    const holders = await ctx.db.selectFrom('organisation_identifiers').select(['organisation_id', 'verified']).where('scheme', '=', 'GB-GOR').where('identifier', '=', 'T300001').execute();
    assert.deepEqual(holders.map((h) => h.verified), [true], 'one verified holder; the rival claim was taken off the loser');
    const winner = (won[0] as PromiseFulfilledResult<service.OrganisationView>).value;
    const loserId = winner.id === first.id ? second.id : first.id;
    const loserRequest = await ctx.db.selectFrom('organisation_verification_requests').select(['status', 'reason']).where('organisation_id', '=', loserId).executeTakeFirstOrThrow();
    assert.equal(loserRequest.status, 'rejected');
    assert.match(loserRequest.reason!, /GB-GOR-T300001 was verified as held by/);
    assert.equal((await service.findOrganisation(ctx.db, 'GB-GOR-T300001'))!.id, winner.id);
  });

  it('brings a person into a verified body by an emailed invitation; only the invited address can accept it, once', async () => {
    const { app, ctx } = t();
    const body = await verifiedPublicBody(ctx.db, 'Invitation Borough Council');
    const boss = await signedUp(app, ctx.db, '10.7.4.1', 'boss@example.org', 'Boss');
    await service.addMember(ctx.db, cliActor, body.id, { email: 'boss@example.org', role: 'admin' });
    const stranger = await signedUp(app, ctx.db, '10.7.4.2', 'stranger-invite@example.org');
    await stranger.get(`/organisations/${body.slug}`);
    assert.equal((await stranger.post(`/organisations/${body.slug}/invitations`, { email: 'stranger-invite@example.org', role: 'admin' })).statusCode, 403, 'only its administrators invite');

    await boss.get(`/organisations/${body.slug}`);
    const bad = await boss.post(`/organisations/${body.slug}/invitations`, { email: 'not an address', role: 'finance' });
    assert.equal(bad.statusCode, 400);
    const sent = await boss.post(`/organisations/${body.slug}/invitations`, { email: 'New.Officer@example.org', role: 'finance' });
    assert.equal(sent.statusCode, 303);
    const [email] = await outbox(ctx.db, 'organisation-invitation');
    assert.equal(email!.to_address, 'new.officer@example.org');
    const link = /\/invitations\/([\w-]+)/.exec(email!.body_text)!;
    const token = link[1]!;
    assert.ok(!JSON.stringify(await ctx.db.selectFrom('audit_log').select('after').where('action', '=', 'membership.invited').execute()).includes(token), 'the token is not in the audit log');

    // Someone else signed in cannot use it.
    const wrong = await stranger.get(`/invitations/${token}`);
    assert.match(wrong.body, /you are signed in as stranger-invite@example.org/);
    assert.equal((await stranger.post(`/invitations/${token}`, {})).statusCode, 403);
    // The invited person creates an account with that address and accepts.
    const anonymous = await app.inject({ method: 'GET', url: `/invitations/${token}` });
    assert.match(anonymous.body, /Sign in to accept/);
    const invited = await signedUp(app, ctx.db, '10.7.4.3', 'new.officer@example.org', 'New Officer');
    const offer = await invited.get(`/invitations/${token}`);
    assert.match(offer.body, /as finance and transparency officer/);
    const accepted = await invited.post(`/invitations/${token}`, {});
    assert.equal(accepted.statusCode, 303);
    const officer = await ctx.db.selectFrom('users').select('id').where('email', '=', 'new.officer@example.org').executeTakeFirstOrThrow();
    const roles = await ctx.db.selectFrom('memberships').select('role').where('organisation_id', '=', body.id).where('user_id', '=', officer.id).execute();
    assert.deepEqual(roles.map((r) => r.role), ['finance']);
    assert.equal((await invited.post(`/invitations/${token}`, {})).statusCode, 409, 'a used invitation cannot be used again');
    assert.equal((await app.inject({ method: 'GET', url: '/invitations/not-a-real-token-at-all-xxxxxxxx' })).statusCode, 404);
    // The new officer publishes for the verified body.
    const result = await importSpendFile(ctx, { userId: officer.id, tokenId: null, isAdmin: false, via: 'session' }, { publisher: body.id, source: { bytes: Buffer.from(csv) } });
    assert.equal(result.outcome, 'imported');
  });

  it('lets a verified public body publish, and refuses a verified charity publishing as one', async () => {
    const { ctx } = t();
    const charity = await service.createOrganisation(ctx.db, cliActor, { name: 'Verified Charity', legalForm: 'registered-charity', identifiers: ['GB-CHC-1088888'], verified: true });
    assert.equal(charity.verified, true);
    assert.equal(service.isVerifiedPublicBody(charity), false);
    await assert.rejects(importSpendFile(ctx, cliActor, { publisher: charity.id, source: { bytes: Buffer.from(csv) } }),
      (e) => isAppError(e) && e.code === 'forbidden' && /legal form, registered charity/.test(e.message));
    await service.requireVerifiedOrganisation(ctx.db, charity.id, 'receive grants');
    const unverified = await service.createOrganisation(ctx.db, cliActor, { name: 'Unverified Group', legalForm: 'community-group' });
    await assert.rejects(service.requireVerifiedOrganisation(ctx.db, unverified.id, 'receive grants'), (e) => isAppError(e) && e.code === 'forbidden');
    await assert.rejects(service.createOrganisation(ctx.db, cliActor, { name: 'No Identifier Council', legalForm: 'local-authority', verified: true }),
      (e) => isAppError(e) && e.fieldErrors[0]?.field === 'identifiers');
  });
});

eachEngine('verified publishers in voice', (t) => {
  it('marks the impostor "Newcastle City Council" in the services directory, stories, responses, the voice API and its feeds, the verified one first', async () => {
    const { app, ctx } = t();
    const db = ctx.db;
    await loadPlaces(ctx);
    const real = await verifiedPublicBody(db, 'Newcastle City Council');
    const asUser = async (email: string) => ({ userId: (await registerUser(db, cliActor, { email, name: email, password })).id, tokenId: null, isAdmin: false, via: 'session' as const });
    const impostor = await asUser('voice-impostor@example.org');
    const fake = await service.createOrganisation(db, impostor, { name: 'Newcastle City Council', legalForm: 'local-authority' });
    const realStaff = await asUser('voice-real-staff@example.org');
    await service.addMember(db, cliActor, real.id, { email: 'voice-real-staff@example.org', role: 'staff' });
    const moderating = await service.createOrganisation(db, cliActor, { name: 'Voice Moderators', legalForm: 'community-group' });
    await voice.setModeratingOrganisation(db, cliActor, moderating.id);
    const moderator = await asUser('voice-moderator@example.org');
    await service.addMember(db, cliActor, moderating.id, { email: 'voice-moderator@example.org', role: 'moderator' });
    const opts = { baseUrl: ctx.config.baseUrl };

    // The impostor registers first and runs a service with the same name as the real council's.
    const fakeLights = await voice.createService(db, impostor, { organisation: fake.id, name: 'Street lighting', decisionType: 'technical', areas: [NEWCASTLE] });
    const realLights = await voice.createService(db, realStaff, { organisation: real.id, name: 'Street lighting', decisionType: 'technical', areas: [NEWCASTLE] });
    const { id: storyId } = await voice.submitStory(db, cliActor, { title: 'The lamp is out', body: 'The street lamp outside has been out for weeks.', pseudonym: 'Resident', email: 'resident@example.org', services: [fakeLights.id, realLights.id] }, opts);
    await voice.moderateStory(db, moderator, storyId, { decision: 'publish' }, opts);
    const answer = await voice.respondToStory(db, impostor, storyId, { organisation: fake.id, body: 'Fixed it, pay us at this link.' }, opts);
    await voice.moderateResponse(db, moderator, answer.id, { decision: 'publish' }, opts);

    // The voice API: every organisation carries organisationVerified, and the verified namesake comes first.
    const services = (await app.inject({ method: 'GET', url: '/api/v1/voice/services' })).json() as { id: string; organisationVerified: boolean }[];
    assert.deepEqual(services.map((s) => [s.id, s.organisationVerified]), [[realLights.id, true], [fakeLights.id, false]]);
    const one = (await app.inject({ method: 'GET', url: `/api/v1/voice/services/${fakeLights.id}` })).json();
    assert.equal(one.organisationVerified, false);
    const story = (await app.inject({ method: 'GET', url: `/api/v1/voice/stories/${storyId}` })).json();
    assert.deepEqual(story.services.map((s: { organisationId: string; organisationVerified: boolean }) => [s.organisationId, s.organisationVerified]),
      [[real.id, true], [fake.id, false]], 'the verified council’s service first');
    assert.deepEqual(story.responses.map((r: { organisationVerified: boolean }) => r.organisationVerified), [false]);
    const metrics = (await app.inject({ method: 'GET', url: `/api/v1/voice/organisations/${fake.id}/metrics` })).json();
    assert.equal(metrics.organisation.verified, false);
    const openapi = JSON.stringify((await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json());
    assert.ok(openapi.includes('"organisationVerified"'), 'the OpenAPI document describes organisationVerified');

    // The pages: the directory, the service, the story with its response, the organisation's record.
    const directory = await app.inject({ method: 'GET', url: '/voice/services' });
    const realAt = directory.body.indexOf(`/voice/services/${realLights.id}"`);
    const fakeAt = directory.body.indexOf(`/voice/services/${fakeLights.id}"`);
    assert.ok(realAt > 0 && fakeAt > realAt, 'the verified council’s service is listed first');
    assert.match(directory.body.slice(fakeAt), /Not verified/);
    assert.doesNotMatch(directory.body.slice(realAt, fakeAt), /Not verified/);
    assert.match((await app.inject({ method: 'GET', url: `/voice/services/${fakeLights.id}` })).body, /Not verified/);
    assert.match((await app.inject({ method: 'GET', url: `/voice/services/${realLights.id}` })).body, new RegExp(`/voice/organisations/${real.slug}">Newcastle City Council</a></span>`));
    const storyPage = await app.inject({ method: 'GET', url: `/voice/stories/${storyId}` });
    assert.equal((storyPage.body.match(/Not verified/g) ?? []).length, 2, 'the impostor’s service and its response, not the real council');
    assert.match((await app.inject({ method: 'GET', url: `/voice/organisations/${fake.slug}` })).body, /Not verified/);
    const filters = (await app.inject({ method: 'GET', url: '/voice' })).body;
    assert.ok(filters.indexOf(`value="${real.slug}"`) < filters.indexOf(`value="${fake.slug}"`), 'the verified council first in the filter');
    assert.match(filters, new RegExp(`value="${fake.slug}"[^>]*>Newcastle City Council \\(not verified\\)<`));

    // The feeds: all stories, one service's, the organisation's.
    const all = await app.inject({ method: 'GET', url: '/voice/feed.atom' });
    assert.equal(all.statusCode, 200);
    assert.match(all.body, /About: Street lighting \(Newcastle City Council\), Street lighting \(Newcastle City Council, not verified\)/, 'the verified council first');
    assert.match(all.body, /<name>voice-impostor@example.org, Newcastle City Council, not verified<\/name>/);
    const fakeFeed = await app.inject({ method: 'GET', url: `/voice/services/${fakeLights.id}/feed.atom` });
    assert.match(fakeFeed.body, /<title[^>]*>Stories about Street lighting \(Newcastle City Council, not verified\)<\/title>/);
    const realFeed = await app.inject({ method: 'GET', url: `/voice/services/${realLights.id}/feed.atom` });
    assert.match(realFeed.body, /<title[^>]*>Stories about Street lighting \(Newcastle City Council\)<\/title>/);
    const orgFeed = await app.inject({ method: 'GET', url: `/voice/organisations/${fake.slug}/feed.atom` });
    assert.match(orgFeed.body, /<title[^>]*>Stories about services of Newcastle City Council \(not verified\)<\/title>/);
  });
});
