// Petitions on both engines: supporters before moderation, moderation by moderators only, signatures counted only
// after the emailed link, one per canonical email (even when racing), thresholds emailing signers once, bulk
// invalidation, the organisation's response, counts by local authority, and per-IP rate limits.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import { isAppError } from '../platform/errors.ts';
import { anonymous, cliActor } from '../platform/actor.ts';
import * as petitions from './voice.petitions.ts';
import { signatureCounts } from './voice.repository.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember } from '../organisations/organisations.service.ts';
import { baseUrl, GATESHEAD, loadPlaces, NEWCASTLE, voiceWorld } from './voice.test-support.ts';

const opts = { baseUrl };

function rejectsWith(code: string, field?: string) {
  return (error: unknown) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (field) assert.ok(error.fieldErrors.some((f) => f.field === field), JSON.stringify(error.fieldErrors));
    return true;
  };
}

eachEngine('voice petitions', (t) => {
  let world: Promise<Awaited<ReturnType<typeof voiceWorld>>> | null = null;
  const setup = () => (world ??= loadPlaces(t().ctx).then(() => voiceWorld(t().ctx, 'p')));
  let n = 0;

  /** Signs as `email` and follows the emailed link, as the signer would. */
  async function signAndConfirm(petitionId: string, email: string, la = NEWCASTLE) {
    const { db } = t().ctx;
    await petitions.signPetition(db, anonymous, petitionId, { name: 'Signer', email, postcode: 'ne1 4st', localAuthority: la, consent: 'yes' }, opts);
    const token = tokenFor(await listOutbox(db, { to: email, limit: 1 }));
    return petitions.confirmSignature(db, anonymous, token, opts);
  }
  const tokenFor = (emails: { text: string }[]) => /token=([\w-]+)/.exec(emails[0]!.text)![1]!;

  async function openPetition(w: Awaited<ReturnType<typeof voiceWorld>>, supporters = 5) {
    const { db } = t().ctx;
    n++;
    const p = await petitions.createPetition(db, w.actors.outsider, { organisation: w.newcastle.slug, title: `Petition ${n}`, background: 'Because.' });
    for (let i = 0; i < supporters; i++) await signAndConfirm(p.id, `supporter${i}.${n}@example.org`);
    return p;
  }

  it('a petition gathers its supporters, then only moderators open or reject it', async () => {
    const w = await setup();
    const { db } = t().ctx;
    await assert.rejects(petitions.createPetition(db, anonymous, { organisation: w.newcastle.slug, title: 'x', background: 'y' }), rejectsWith('unauthenticated'));
    const p = await petitions.createPetition(db, w.actors.outsider, { organisation: w.newcastle.slug, title: 'More benches', background: 'Places to sit.' });
    assert.equal(p.state, 'collecting');
    assert.equal(p.requiredSupporters, 5);
    assert.ok(!(await petitions.listPetitions(db, { state: 'all' })).some((x) => x.id === p.id), 'not listed while collecting');
    for (let i = 0; i < 4; i++) await signAndConfirm(p.id, `bench${i}@example.org`);
    assert.equal((await petitions.getPetition(db, p.id)).state, 'collecting');
    await assert.rejects(petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' }), rejectsWith('conflict'));
    await signAndConfirm(p.id, 'bench4@example.org');
    assert.equal((await petitions.getPetition(db, p.id)).state, 'pending');
    for (const who of [w.actors.newcastleStaff, w.actors.newcastleModerator, w.actors.outsider]) {
      await assert.rejects(petitions.moderatePetition(db, who, p.id, { decision: 'open' }), rejectsWith('forbidden'));
    }
    const opened = await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
    assert.equal(opened.state, 'open');
    assert.equal(new Date(opened.closesAt!).getTime() - new Date(opened.openedAt!).getTime(), 180 * 86_400_000);
    assert.ok((await petitions.listPetitions(db, { state: 'open' })).some((x) => x.id === p.id));

    const bad = await openPetition(w, 5);
    await assert.rejects(petitions.moderatePetition(db, w.actors.moderator, bad.id, { decision: 'reject' }), rejectsWith('validation_failed', 'reason'));
    await petitions.moderatePetition(db, w.actors.moderator, bad.id, { decision: 'reject', reason: 'duplicate' });
    const page = await new TestAgent(t().app, '10.30.0.1').get(`/voice/petitions/${bad.id}`);
    assert.match(page.body, /There is already a petition about this/);
    assert.doesNotMatch(page.body, /Because\./);
    await assert.rejects(petitions.signPetition(db, anonymous, bad.id, { name: 'A', email: 'late@example.org', postcode: 'NE1 4ST', localAuthority: NEWCASTLE, consent: 'yes' }, opts), rejectsWith('unprocessable'));
  });

  it('signing checks name, email, UK postcode (or a country), local authority and consent; a signature counts only after its link is followed', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
    await assert.rejects(petitions.signPetition(db, anonymous, p.id, { name: '', email: 'nope', postcode: 'ABC 123', localAuthority: 'E99999999', consent: '' }, opts), (e) => {
      for (const f of ['name', 'email', 'postcode', 'localAuthority', 'consent']) rejectsWith('validation_failed', f)(e);
      return true;
    });
    await petitions.signPetition(db, anonymous, p.id, { name: 'Una', email: 'una@example.org', postcode: 'NE1 4ST', localAuthority: NEWCASTLE, consent: 'yes' }, opts);
    assert.equal((await petitions.getPetition(db, p.id)).signatures, 5);
    const token = tokenFor(await listOutbox(db, { to: 'una@example.org' }));
    await assert.rejects(petitions.confirmSignature(db, anonymous, 'x'.repeat(32), opts), rejectsWith('not_found'));
    assert.equal((await petitions.confirmSignature(db, anonymous, token, opts)).alreadyConfirmed, false);
    assert.equal((await petitions.confirmSignature(db, anonymous, token, opts)).alreadyConfirmed, true);
    assert.equal((await petitions.getPetition(db, p.id)).signatures, 6);
  });

  it('one signature per canonical email: case, gmail dots and +tags are one person, even when racing', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
    const variants = ['Jo.Bloggs@gmail.com', 'jobloggs+petition@gmail.com', 'j.o.bloggs@googlemail.com', 'JOBLOGGS@GMAIL.COM', 'jo.bloggs+x@gmail.com'];
    const results = await Promise.allSettled(variants.map((email) => petitions.signPetition(db, anonymous, p.id, { name: 'Jo', email, postcode: 'NE1 4ST', localAuthority: NEWCASTLE, consent: 'yes' }, opts)));
    assert.ok(results.every((r) => r.status === 'fulfilled'), 'every attempt gets the same answer');
    const rows = await db.selectFrom('voice_signatures').select(['canonical_email']).where('petition_id', '=', p.id).where('canonical_email', 'like', 'jobloggs%').execute();
    assert.deepEqual(rows.map((r) => r.canonical_email), ['jobloggs@gmail.com']);
    const confirmationEmails = (await listOutbox(db, { limit: 200 })).filter((e) => e.kind === 'voice-signature-confirm' && /bloggs/i.test(e.to));
    assert.equal(confirmationEmails.length, 1);
  });

  it('one signature per mailbox: a trailing dot, a quoted local part, an internationalised domain and its punycode are one person', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
    const before = (await db.selectFrom('voice_signatures').select('id').where('petition_id', '=', p.id).execute()).length;
    const groups = [
      ['sigtest@example.org', 'sigtest@example.org.', '"sigtest"@example.org', 'SigTest@Example.ORG.', '"sig\\test"@example.org'],
      ['ana@bücher.example', 'ana@xn--bcher-kva.example', 'ana@BÜCHER.example.', 'ana@bu\u0308cher.example'],
    ];
    for (const variants of groups) {
      for (const email of variants) await petitions.signPetition(db, anonymous, p.id, { name: 'Sig', email, postcode: 'NE1 4ST', localAuthority: NEWCASTLE, consent: 'yes' }, opts);
    }
    const rows = await db.selectFrom('voice_signatures').select(['canonical_email']).where('petition_id', '=', p.id).execute();
    assert.equal(rows.length - before, 2, rows.map((r) => r.canonical_email).join(' '));
    assert.ok(rows.some((r) => r.canonical_email === 'sigtest@example.org'));
    assert.ok(rows.some((r) => r.canonical_email === 'ana@xn--bcher-kva.example'));
  });

  it('thresholds are set by the organisation’s administrators, and crossing one emails every counted signer once, even under concurrent confirmations', async () => {
    const w = await setup();
    const { db } = t().ctx;
    await assert.rejects(petitions.setPetitionSettings(db, w.actors.newcastleStaff, w.newcastle.id, { responseThreshold: '8' }), rejectsWith('forbidden'));
    await assert.rejects(petitions.setPetitionSettings(db, cliActor, w.newcastle.id, { responseThreshold: '10', debateThreshold: '9' }), rejectsWith('validation_failed', 'debateThreshold'));
    await petitions.setPetitionSettings(db, cliActor, w.newcastle.id, { responseThreshold: '8', debateThreshold: '10', openDays: '30', requiredSupporters: '2' });
    const p = await openPetition(w, 2);
    assert.equal((await petitions.getPetition(db, p.id)).requiredSupporters, 2);
    await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
    // Eight more people sign; their confirmations race.
    const emails = Array.from({ length: 8 }, (_, i) => `racer${i}.${n}@example.org`);
    for (const email of emails) await petitions.signPetition(db, anonymous, p.id, { name: 'Racer', email, postcode: 'NE1 4ST', localAuthority: i(email) % 2 ? GATESHEAD : NEWCASTLE, consent: 'yes' }, opts);
    const tokens = await Promise.all(emails.map(async (e) => tokenFor(await listOutbox(db, { to: e, limit: 1 }))));
    await Promise.all(tokens.map((tk) => petitions.confirmSignature(db, anonymous, tk, opts)));
    const after = await petitions.getPetition(db, p.id);
    assert.equal(after.signatures, 10);
    assert.ok(after.responseThresholdReachedAt && after.debateThresholdReachedAt);
    assert.equal((await signatureCounts(db, [{ organisation_id: after.organisationId, id: after.id }])).get(after.id), 10, 'the counter agrees with a count');
    const all = await listOutbox(db, { limit: 500 });
    const responseMails = all.filter((e) => e.kind === 'voice-petition-response-threshold' && /racer|supporter/.test(e.to) && e.text.includes(`Petition ${n}`));
    const debateMails = all.filter((e) => e.kind === 'voice-petition-debate-threshold' && e.text.includes(`Petition ${n}`));
    assert.equal(new Set(responseMails.map((e) => e.to)).size, responseMails.length, 'no one is emailed twice');
    assert.ok(responseMails.length >= 8 && responseMails.length <= 10);
    assert.equal(debateMails.length, 10);
    await petitions.setPetitionSettings(db, cliActor, w.newcastle.id, { responseThreshold: '10000', debateThreshold: '100000', openDays: '180', requiredSupporters: '5' });
    function i(s: string) { return Number(/racer(\d+)/.exec(s)![1]); }
  });

  it('moderators invalidate signatures in bulk with a recorded reason; counts by local authority follow', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
    for (let i = 0; i < 3; i++) await signAndConfirm(p.id, `bot${i}@spam.test`, GATESHEAD);
    await signAndConfirm(p.id, 'real@example.org', GATESHEAD);
    let doc = await petitions.petitionWithCounts(db, p.id);
    assert.equal(doc.signatures, 9);
    assert.deepEqual(doc.byLocalAuthority, [{ code: NEWCASTLE, name: 'Newcastle upon Tyne', signatures: 5 }, { code: GATESHEAD, name: 'Gateshead', signatures: 4 }].sort((a, b) => a.code.localeCompare(b.code)));
    await assert.rejects(petitions.invalidateSignatures(db, w.actors.newcastleStaff, p.id, { reason: 'spam', emailDomain: 'spam.test' }), rejectsWith('forbidden'));
    await assert.rejects(petitions.invalidateSignatures(db, w.actors.moderator, p.id, { reason: 'spam' }), rejectsWith('validation_failed', 'emailDomain'));
    const r = await petitions.invalidateSignatures(db, w.actors.moderator, p.id, { reason: 'Throwaway addresses', emailDomain: '@SPAM.test' });
    assert.equal(r.signatures, 3);
    doc = await petitions.petitionWithCounts(db, p.id);
    assert.equal(doc.signatures, 6);
    assert.equal((await signatureCounts(db, [{ organisation_id: doc.organisationId, id: doc.id }])).get(doc.id), 6, 'the counter agrees with a count');
    // The link of an invalidated signature does not count it back in.
    await petitions.signPetition(db, anonymous, p.id, { name: 'Late bot', email: 'late@spam.test', postcode: 'NE1 4ST', localAuthority: NEWCASTLE, consent: 'yes' }, opts);
    await petitions.invalidateSignatures(db, w.actors.moderator, p.id, { reason: 'Throwaway addresses', emailDomain: 'spam.test' });
    await assert.rejects(petitions.confirmSignature(db, anonymous, tokenFor(await listOutbox(db, { to: 'late@spam.test', limit: 1 })), opts), rejectsWith('not_found'));
    assert.equal((await petitions.getPetition(db, p.id)).signatures, 6);
    assert.equal(doc.byLocalAuthority.find((c) => c.code === GATESHEAD)!.signatures, 1);
    const inv = await petitions.invalidations(db, w.actors.moderator, p.id);
    assert.deepEqual(inv.map((i) => [i.reason, i.signatures]), [['Throwaway addresses', 3], ['Throwaway addresses', 1]]);
    assert.deepEqual(await petitions.invalidations(db, w.actors.outsider, p.id), []);
    // An invalidated signature's link no longer counts it.
    const api = JSON.parse((await new TestAgent(t().app, '10.30.0.2').get(`/api/v1/voice/petitions/${p.id}.json`)).body);
    assert.equal(api.signatures, 6);
    assert.equal(api.byLocalAuthority.length, 2);
    assert.equal((await new TestAgent(t().app, '10.30.0.2').get('/api/v1/voice/petitions/nope.json')).statusCode, 404);
  });

  it('the organisation’s staff publish its response and every counted signer is emailed; other organisations cannot', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    await assert.rejects(petitions.respondToPetition(db, w.actors.newcastleStaff, p.id, { text: 'Too soon' }, opts), rejectsWith('unprocessable'));
    await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
    await assert.rejects(petitions.respondToPetition(db, w.actors.gatesheadStaff, p.id, { text: 'Not ours' }, opts), rejectsWith('forbidden'));
    const done = await petitions.respondToPetition(db, w.actors.newcastleStaff, p.id, { text: 'We will trial it.' }, opts);
    assert.equal(done.response?.text, 'We will trial it.');
    const mails = (await listOutbox(db, { limit: 500 })).filter((e) => e.kind === 'voice-petition-response' && e.text.includes(`Petition ${n}`));
    assert.equal(mails.length, 5);
  });

  it('an organisation’s administrators change its petition settings on a page; nobody else can', async () => {
    const w = await setup();
    const { app, ctx } = t();
    const admin = await registerUser(ctx.db, cliActor, { email: 'ncl.admin.p@example.org', name: 'Admin', password: 'a long enough password' });
    await addMember(ctx.db, cliActor, w.newcastle.id, { email: admin.email, role: 'admin' });
    const staff = new TestAgent(app, '10.30.0.5');
    await staff.get('/sign-in');
    await staff.post('/sign-in', { email: w.people.newcastleStaff.email, password: 'a long enough password' });
    assert.equal((await staff.get(`/voice/petitions/settings/${w.newcastle.slug}`)).statusCode, 403);
    const agent = new TestAgent(app, '10.30.0.6');
    await agent.get('/sign-in');
    await agent.post('/sign-in', { email: admin.email, password: 'a long enough password' });
    const page = await agent.get(`/voice/petitions/settings/${w.newcastle.slug}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /value="10000"/);
    const bad = await agent.post(`/voice/petitions/settings/${w.newcastle.slug}`, { responseThreshold: '0', debateThreshold: '100000', openDays: '180', requiredSupporters: '5' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /must be a whole number from 1/);
    const ok = await agent.post(`/voice/petitions/settings/${w.newcastle.slug}`, { responseThreshold: '2,500', debateThreshold: '100000', openDays: '90', requiredSupporters: '5' });
    assert.equal(ok.statusCode, 303);
    assert.equal((await petitions.getPetitionSettings(ctx.db, w.newcastle.id)).responseThreshold, 2500);
    await petitions.setPetitionSettings(ctx.db, cliActor, w.newcastle.id, { responseThreshold: '10000', openDays: '180' });
  });

  it('signing through the page works without JavaScript and is rate limited per IP', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
    const agent = new TestAgent(t().app, '10.30.0.3');
    const page = await agent.get(`/voice/petitions/${p.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Sign this petition/);
    const bad = await agent.post(`/voice/petitions/${p.id}/sign`, { name: 'A', email: 'a@example.org', postcode: 'nonsense', localAuthority: NEWCASTLE, consent: 'yes' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<title>Error: /);
    assert.match(bad.body, /Enter a real UK postcode/);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await agent.post(`/voice/petitions/${p.id}/sign`, { name: 'A', email: `page${i}@example.org`, postcode: 'NE1 4ST', localAuthority: NEWCASTLE, consent: 'yes' })).statusCode);
    assert.deepEqual(statuses, [...Array(9).fill(303), 429]);
    // Another address is not held back by this one.
    const other = new TestAgent(t().app, '10.30.0.4');
    await other.get(`/voice/petitions/${p.id}`);
    assert.equal((await other.post(`/voice/petitions/${p.id}/sign`, { name: 'B', email: 'b@example.org', postcode: 'NE1 4ST', localAuthority: NEWCASTLE, consent: 'yes' })).statusCode, 303);
    // Confirming through the page.
    const token = tokenFor(await listOutbox(db, { to: 'b@example.org', limit: 1 }));
    await other.get(`/voice/petitions/confirm?token=${token}`);
    assert.equal((await other.post('/voice/petitions/confirm', { token })).headers.location, `/voice/petitions/${p.id}/confirmed`);
  });
});
