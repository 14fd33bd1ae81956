// Petitions as good as UK Parliament's, on both engines: the creator checks their petition (and the name shown)
// before it exists and finds it from their account; signers in Wales, Northern Ireland and outside the UK are
// counted as such; after signing a "check your email" page; the emailed link's states said plainly; the surge
// report by network, email domain and area over time windows; and a preview count before a bulk invalidation.
import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { addMember } from '../organisations/organisations.service.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import { isAppError } from '../platform/errors.ts';
import { anonymous, type Actor } from '../platform/actor.ts';
import { cliActor } from '../platform/actor.ts';
import { importPostcodes } from '../places/places.lookups.ts';
import * as petitions from './voice.petitions.ts';
import { signatureCounts } from './voice.repository.ts';
import { countries, ipPrefix, readCountry } from './voice.petitions.where.ts';
import { GATESHEAD, loadPlaces, NEWCASTLE, password, voiceWorld, baseUrl } from './voice.test-support.ts';

const opts = { baseUrl };

function rejectsWith(code: string, field?: string) {
  return (error: unknown) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (field) assert.ok(error.fieldErrors.some((f) => f.field === field), JSON.stringify(error.fieldErrors));
    return true;
  };
}

const NSPL_HEADER = 'pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa11,cty,ced,laua,ward,hlthau,nhser,ctry,rgn,pcon,eer,teclec,ttwa,pct,itl,park,lsoa11,msoa11';
const nsplRow = (pcds: string, lsoa: string, la: string) =>
  `"${pcds.replace(' ', '')}","${pcds}","${pcds}","198001","","0","439867","0557268","1","E00170202","E11000007","E99999999","${la}","E05001158","E18000001","E40000009","E92000001","E12000001","E14000982","E15000001","E24000018","E30000275","E16000052","E08000024","E99999999","${lsoa}","E02001803"`;

describe('where a signer lives, and their network', () => {
  it('cuts an address to its network: IPv4 /24, IPv6 /48, mapped IPv4 as IPv4, nothing for nonsense', () => {
    assert.equal(ipPrefix('203.0.113.77'), '203.0.113.0/24');
    assert.equal(ipPrefix('::ffff:198.51.100.9'), '198.51.100.0/24');
    assert.equal(ipPrefix('2001:db8:abcd:12::1'), '2001:db8:abcd::/48');
    assert.equal(ipPrefix('2001:db8::1'), '2001:db8:0::/48');
    assert.equal(ipPrefix('::1'), '0:0:0::/48');
    assert.equal(ipPrefix('not an address'), null);
    assert.equal(ipPrefix(undefined), null);
  });
  it('knows countries by code or English name, and the UK is not one of them', () => {
    assert.equal(readCountry('fr'), 'FR');
    assert.equal(readCountry('Ireland'), 'IE');
    assert.equal(readCountry('GB'), null);
    assert.equal(readCountry('Narnia'), null);
    assert.ok(countries.length > 200, String(countries.length));
    assert.ok(!countries.some((c) => c.code === 'GB' || c.code === 'EU' || c.code === 'UN'));
  });
});

eachEngine('voice petitions: creators, signers anywhere, links, fraud tools', (t) => {
  type World = Awaited<ReturnType<typeof voiceWorld>>;
  let world: Promise<World> | null = null;
  const setup = () => (world ??= (async () => {
    const { ctx } = t();
    await loadPlaces(ctx);
    // A postcode directory with an English postcode (its small area loaded) and a Welsh one (small area not loaded).
    await importPostcodes(ctx, cliActor, { bytes: gzipSync(Buffer.from([NSPL_HEADER, nsplRow('NE6 1AA', 'E01008300', NEWCASTLE), nsplRow('CF10 1AA', 'W01001939', 'W06000015')].join('\n'))) });
    const w = await voiceWorld(ctx, 's');
    await petitions.setPetitionSettings(ctx.db, cliActor, w.newcastle.id, { requiredSupporters: '0' });
    return w;
  })());
  let n = 0;
  const tokenFor = (emails: { text: string }[]) => /token=([\w-]+)/.exec(emails[0]!.text)![1]!;

  async function openPetition(w: World) {
    const { db } = t().ctx;
    n++;
    const p = await petitions.createPetition(db, w.actors.outsider, { organisation: w.newcastle.slug, title: `Signers petition ${n}`, background: 'Because.' });
    await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
    return p;
  }
  async function sign(petitionId: string, email: string, input: petitions.SignInput, ip?: string) {
    const { db } = t().ctx;
    const r = await petitions.signPetition(db, anonymous, petitionId, { name: 'Signer', email, consent: 'yes', ...input }, { ...opts, ip });
    const token = tokenFor(await listOutbox(db, { to: email, limit: 1 }));
    return { ...r, token };
  }
  async function signAndConfirm(petitionId: string, email: string, input: petitions.SignInput, ip?: string) {
    const { token } = await sign(petitionId, email, input, ip);
    return petitions.confirmSignature(t().ctx.db, anonymous, token, opts);
  }
  async function signedIn(email: string, ip: string) {
    const agent = new TestAgent(t().app, ip);
    await agent.get('/sign-in');
    const r = await agent.post('/sign-in', { email, password });
    assert.equal(r.statusCode, 303);
    return agent;
  }

  it('a creator checks their petition, with the name they chose to show, before it exists; changing it keeps what they typed; they find it from their account', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const agent = await signedIn(w.people.outsider.email, '10.40.0.1');
    const form = await agent.get('/voice/petitions/new');
    assert.match(form.body, new RegExp(`name="creatorName"[^>]*value="${w.people.outsider.name}"`), 'the account name is offered');
    const before = Number((await db.selectFrom('voice_petitions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const bad = await agent.post('/voice/petitions/check', { organisation: w.newcastle.slug, title: '', background: 'Why', creatorName: 'x'.repeat(101) });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<title>Error: /);
    assert.match(bad.body, /100 characters or fewer/);
    const check = await agent.post('/voice/petitions/check', { organisation: w.newcastle.slug, title: 'A crossing on Shields Road', background: 'Children cross here.\nIt is busy.', creatorName: 'Shields Road Parents' });
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /Check your petition/);
    assert.match(check.body, /Shields Road Parents/);
    assert.match(check.body, /Children cross here\./);
    const after = Number((await db.selectFrom('voice_petitions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    assert.equal(after, before, 'checking writes nothing');
    const change = await agent.post('/voice/petitions/new', { organisation: w.newcastle.slug, title: 'A crossing on Shields Road', background: 'Children cross here.', creatorName: 'Shields Road Parents' });
    assert.equal(change.statusCode, 200);
    assert.match(change.body, /value="A crossing on Shields Road"/);
    const created = await agent.post('/voice/petitions', { organisation: w.newcastle.slug, title: 'A crossing on Shields Road', background: 'Children cross here.', creatorName: 'Shields Road Parents' });
    assert.equal(created.statusCode, 303);
    const id = /\/voice\/petitions\/([0-9a-f-]{36})/.exec(created.headers.location as string)![1]!;
    const page = await agent.get(`/voice/petitions/${id}`);
    assert.match(page.body, /Started by Shields Road Parents\./);
    assert.doesNotMatch(page.body, new RegExp(`Started by ${w.people.outsider.name}`));
    assert.match((await agent.get('/account')).body, /href="\/voice\/petitions\/yours"/);
    const mine = await agent.get('/voice/petitions/yours');
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, new RegExp(`href="/voice/petitions/${id}"`));
    assert.ok((await petitions.myPetitions(db, w.actors.outsider)).some((p) => p.id === id && p.creatorName === 'Shields Road Parents'));
    assert.ok(!(await petitions.myPetitions(db, w.actors.moderator)).some((p) => p.id === id), 'only its creator');
    await assert.rejects(petitions.myPetitions(db, anonymous), rejectsWith('unauthenticated'));
    const anon = new TestAgent(t().app, '10.40.0.2');
    assert.notEqual((await anon.get('/voice/petitions/yours')).statusCode, 200);
    // An empty name to show falls back to the account's name.
    const plain = await petitions.createPetition(db, w.actors.outsider, { organisation: w.newcastle.slug, title: 'Plain name', background: 'B', creatorName: '  ' });
    assert.equal(plain.creatorName, w.people.outsider.name);
  });

  it('people in England, Wales, Northern Ireland and outside the UK sign; the finder places postcodes where loaded, a postcode not loaded is taken by its shape and said so; counts by area include them all', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    const found = await sign(p.id, 'eng@example.org', { postcode: 'ne61aa' });
    assert.equal(found.placeNote, null);
    await petitions.confirmSignature(db, anonymous, found.token, opts);
    await signAndConfirm(p.id, 'wales@example.org', { postcode: 'CF10 1AA' });
    const ni = await sign(p.id, 'ni@example.org', { postcode: 'BT1 1AA' });
    assert.match(ni.placeNote!, /We do not have BT1 1AA in the postcodes loaded here/);
    await petitions.confirmSignature(db, anonymous, ni.token, opts);
    const chose = await sign(p.id, 'chose@example.org', { postcode: 'NE8 1AA', localAuthority: GATESHEAD });
    assert.match(chose.placeNote!, /counted you in the local authority you chose/);
    await petitions.confirmSignature(db, anonymous, chose.token, opts);
    await signAndConfirm(p.id, 'unknown@example.org', { postcode: 'SW1A 1AA' });
    await signAndConfirm(p.id, 'paris@example.org', { outsideUk: 'yes', country: 'FR' });
    await signAndConfirm(p.id, 'lyon@example.org', { outsideUk: true, country: 'France', postcode: 'ignored' });
    await signAndConfirm(p.id, 'dublin@example.org', { outsideUk: 'yes', country: 'IE' });
    // The postcode found wins over a local authority chosen by mistake.
    await signAndConfirm(p.id, 'wrong-choice@example.org', { postcode: 'NE6 1AA', localAuthority: GATESHEAD });
    const doc = await petitions.petitionWithCounts(db, p.id);
    assert.equal(doc.signatures, 9);
    assert.deepEqual(doc.byLocalAuthority, [
      { code: NEWCASTLE, name: 'Newcastle upon Tyne', signatures: 2 }, { code: GATESHEAD, name: 'Gateshead', signatures: 1 }, { code: 'W06000015', name: 'W06000015', signatures: 1 },
    ].sort((a, b) => a.code.localeCompare(b.code)));
    assert.deepEqual(doc.byNation.map((x) => [x.name, x.signatures]), [['England', 3], ['Wales', 1], ['Northern Ireland', 1], ['Not known (postcode not found)', 1]]);
    assert.deepEqual(doc.byCountry.map((x) => [x.code, x.name, x.signatures]), [['FR', 'France', 2], ['IE', 'Ireland', 1]]);
    const sum = [...doc.byNation, ...doc.byCountry].reduce((s, x) => s + x.signatures, 0);
    assert.equal(sum, doc.signatures, 'every counted signature is in one area');
    const rows = await db.selectFrom('voice_signatures').select(['canonical_email', 'postcode', 'country', 'nation', 'postcode_found']).where('petition_id', '=', p.id).execute();
    const by = new Map(rows.map((r) => [r.canonical_email, r]));
    assert.deepEqual({ ...by.get('lyon@example.org') }, { canonical_email: 'lyon@example.org', postcode: null, country: 'FR', nation: null, postcode_found: false });
    assert.equal(by.get('eng@example.org')!.postcode_found, true);
    assert.equal(by.get('ni@example.org')!.nation, 'N');
    // The page shows them, and the API document carries them.
    const page = await new TestAgent(t().app, '10.40.0.3').get(`/voice/petitions/${p.id}`);
    assert.match(page.body, /Northern Ireland/);
    assert.match(page.body, /France/);
    const api = JSON.parse((await new TestAgent(t().app, '10.40.0.3').get(`/api/v1/voice/petitions/${p.id}.json`)).body);
    assert.deepEqual(api.byCountry.map((c: { code: string }) => c.code), ['FR', 'IE']);
    assert.equal(api.byNation.find((c: { code: string }) => c.code === 'W').signatures, 1);
  });

  it('signing refuses what cannot be placed, naming the field, and writes nothing', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    const cases: [petitions.SignInput, string][] = [
      [{ postcode: '' }, 'postcode'],
      [{ postcode: 'NOT A CODE' }, 'postcode'],
      [{ outsideUk: 'yes' }, 'country'],
      [{ outsideUk: 'yes', country: 'GB' }, 'country'],
      [{ outsideUk: 'yes', country: 'Narnia' }, 'country'],
      [{ postcode: 'NE6 1AA', localAuthority: 'E99999999' }, 'localAuthority'],
    ];
    for (const [input, field] of cases) {
      await assert.rejects(petitions.signPetition(db, anonymous, p.id, { name: 'X', email: 'refused@example.org', consent: 'yes', ...input }, opts), rejectsWith('validation_failed', field));
    }
    assert.equal((await db.selectFrom('voice_signatures').select('id').where('petition_id', '=', p.id).execute()).length, 0);
    assert.equal((await listOutbox(db, { to: 'refused@example.org' })).length, 0);
    const api = await new TestAgent(t().app, '10.40.0.4').get(`/voice/petitions/${p.id}`);
    assert.match(api.body, /I live outside the UK/);
  });

  it('after signing, a "check your email" page; the link opens a page with one button, then shows the count; a used, expired, replaced or removed link says so', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    const agent = new TestAgent(t().app, '10.40.0.5');
    await agent.get(`/voice/petitions/${p.id}`);
    const signed = await agent.post(`/voice/petitions/${p.id}/sign`, { name: 'Ann', email: 'ann@example.org', postcode: 'NE6 1AA', consent: 'yes' });
    assert.equal(signed.statusCode, 303);
    assert.equal(signed.headers.location, `/voice/petitions/${p.id}/signed`);
    const checkEmail = await agent.get(signed.headers.location as string);
    assert.match(checkEmail.body, /<h1 class="govuk-heading-l">Check your email<\/h1>/);
    assert.doesNotMatch(checkEmail.body, /Sign this petition/, 'not the form again');
    const notFound = await agent.post(`/voice/petitions/${p.id}/sign`, { name: 'Bo', email: 'bo@example.org', postcode: 'SW1A 1AA', consent: 'yes' });
    assert.equal(notFound.headers.location, `/voice/petitions/${p.id}/signed?postcode=not-found`);
    assert.match((await agent.get(notFound.headers.location as string)).body, /We do not have your postcode/);

    const token = tokenFor(await listOutbox(db, { to: 'ann@example.org', limit: 1 }));
    // A scanner fetching the link changes nothing.
    const open = await agent.get(`/voice/petitions/confirm?token=${token}`);
    assert.equal(open.statusCode, 200);
    assert.match(open.body, /Confirm my signature/);
    assert.equal((await petitions.getPetition(db, p.id)).signatures, 0);
    const confirmed = await agent.post('/voice/petitions/confirm', { token });
    assert.equal(confirmed.headers.location, `/voice/petitions/${p.id}/confirmed`);
    const thanks = await agent.get(confirmed.headers.location as string);
    assert.match(thanks.body, /Signature confirmed/);
    assert.match(thanks.body, /<strong>1 signature<\/strong>/);
    // Used.
    const used = await agent.get(`/voice/petitions/confirm?token=${token}`);
    assert.equal(used.statusCode, 200);
    assert.match(used.body, /This link has already been used/);
    assert.doesNotMatch(used.body, /Page not found/);
    assert.equal((await agent.post('/voice/petitions/confirm', { token })).headers.location, `/voice/petitions/${p.id}/confirmed?already=yes`);

    // Expired: a week old, it cannot be confirmed; signing again sends a new link, and the old one is replaced.
    const { token: old } = await sign(p.id, 'late@example.org', { postcode: 'NE6 1AA' });
    await db.updateTable('voice_signatures').set({ token_issued_at: new Date(Date.now() - 8 * 86_400_000) }).where('canonical_email', '=', 'late@example.org').execute();
    const expired = await agent.get(`/voice/petitions/confirm?token=${old}`);
    assert.equal(expired.statusCode, 410);
    assert.match(expired.body, /This link has expired/);
    await assert.rejects(petitions.confirmSignature(db, anonymous, old, opts), rejectsWith('unprocessable'));
    const refused = await agent.post('/voice/petitions/confirm', { token: old });
    assert.equal(refused.statusCode, 410);
    assert.match(refused.body, /This link has expired/);
    assert.equal((await petitions.getPetition(db, p.id)).signatures, 1);
    const { token: fresh } = await sign(p.id, 'late@example.org', { postcode: 'NE6 1AA' });
    assert.notEqual(fresh, old);
    const replaced = await agent.get(`/voice/petitions/confirm?token=${old}`);
    assert.equal(replaced.statusCode, 404);
    assert.match(replaced.body, /This link is not valid/);
    assert.match(replaced.body, /only the link in the newest email works/);
    assert.equal((await petitions.confirmSignature(db, anonymous, fresh, opts)).signatures, 2);
    // Signing again once counted sends nothing.
    const mails = (await listOutbox(db, { to: 'late@example.org' })).length;
    await petitions.signPetition(db, anonymous, p.id, { name: 'Late', email: 'late@example.org', postcode: 'NE6 1AA', consent: 'yes' }, opts);
    assert.equal((await listOutbox(db, { to: 'late@example.org' })).length, mails);

    // Removed by moderators.
    const { token: bot } = await sign(p.id, 'bot@removed.test', { postcode: 'NE6 1AA' });
    await petitions.invalidateSignatures(db, w.actors.moderator, p.id, { reason: 'Bots', emailDomain: 'removed.test' });
    const removed = await agent.get(`/voice/petitions/confirm?token=${bot}`);
    assert.equal(removed.statusCode, 410);
    assert.match(removed.body, /This signature was removed/);
    assert.match((await agent.get('/voice/petitions/confirm?token=short')).body, /This link is not valid/);
  });

  it('the surge report groups signatures by network (never a full address), email domain and area over time windows; moderators only', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    for (let i = 0; i < 4; i++) await signAndConfirm(p.id, `burst${i}@burst.test`, { postcode: 'NE6 1AA' }, `198.51.100.${10 + i}`);
    await sign(p.id, 'pending@burst.test', { postcode: 'NE6 1AA' }, '198.51.100.99');
    await signAndConfirm(p.id, 'v6@example.org', { outsideUk: 'yes', country: 'DE' }, '2001:db8:abcd:12::1');
    await signAndConfirm(p.id, 'old@example.org', { postcode: 'CF10 1AA' }, '203.0.113.5');
    await db.updateTable('voice_signatures').set({ created_at: new Date(Date.now() - 3 * 86_400_000) }).where('canonical_email', '=', 'old@example.org').execute();
    const stored = await db.selectFrom('voice_signatures').select('ip_prefix').where('petition_id', '=', p.id).execute();
    assert.ok(stored.every((r) => r.ip_prefix === null || /\/(24|48)$/.test(r.ip_prefix)), 'no raw address is stored');
    assert.ok(!stored.some((r) => r.ip_prefix?.includes('198.51.100.1')), JSON.stringify(stored));

    const day = await petitions.surgeReport(db, w.actors.moderator, p.id, { window: 'day' });
    assert.equal(day.signatures, 6);
    assert.deepEqual(day.byNetwork.map((g) => [g.key, g.signatures, g.counted]), [['198.51.100.0/24', 5, 4], ['2001:db8:abcd::/48', 1, 1]]);
    assert.equal(day.byNetwork[0]!.share, 83.3);
    assert.deepEqual(day.byEmailDomain.map((g) => [g.key, g.signatures]), [['burst.test', 5], ['example.org', 1]]);
    assert.deepEqual(day.byArea.map((g) => [g.label, g.signatures]), [['Newcastle upon Tyne', 5], ['Outside the UK: Germany', 1]]);
    const all = await petitions.surgeReport(db, w.actors.moderator, p.id, { window: 'all' });
    assert.equal(all.signatures, 7);
    assert.ok(all.byArea.some((g) => g.key === 'W06000015'));
    assert.equal((await petitions.surgeReport(db, w.actors.moderator, p.id, { window: 'nonsense' })).window, 'day');
    for (const who of [w.actors.outsider, w.actors.newcastleStaff, w.actors.newcastleModerator, anonymous]) {
      await assert.rejects(petitions.surgeReport(db, who as Actor, p.id), (e) => isAppError(e) && (e.code === 'forbidden' || e.code === 'unauthenticated'));
    }
    const mod = await signedIn(w.people.moderator.email, '10.40.0.6');
    const page = await mod.get(`/voice/petitions/${p.id}/surge?window=day`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /198\.51\.100\.0\/24/);
    assert.match(page.body, new RegExp(`/voice/petitions/${p.id}/invalidate\\?ipPrefix=198\\.51\\.100\\.0%2F24`));
    assert.match((await mod.get('/voice/moderation')).body, new RegExp(`/voice/petitions/${p.id}/surge`), 'linked from the moderation page');
    assert.match((await mod.get(`/voice/petitions/${p.id}`)).body, /Surge report/);
    const outsider = await signedIn(w.people.outsider.email, '10.40.0.7');
    assert.equal((await outsider.get(`/voice/petitions/${p.id}/surge`)).statusCode, 403);
    assert.doesNotMatch((await outsider.get(`/voice/petitions/${p.id}`)).body, /Surge report/);
    const api = await new TestAgent(t().app, '10.40.0.8').get(`/api/v1/voice/petitions/${p.id}/surge`);
    assert.equal(api.statusCode, 401);
    // The API gives moderators the same report.
    const modApi = await userWithToken(db, 'surge.api.s@example.org');
    await addMember(db, cliActor, w.moderating.id, { email: modApi.user.email, role: 'moderator' });
    const doc = await t().app.inject({ method: 'GET', url: `/api/v1/voice/petitions/${p.id}/surge?window=day`, headers: modApi.auth });
    assert.equal(doc.statusCode, 200, doc.body);
    assert.deepEqual(JSON.parse(doc.body).byNetwork.map((g: { key: string; signatures: number }) => [g.key, g.signatures]), [['198.51.100.0/24', 5], ['2001:db8:abcd::/48', 1]]);
    const preview = await t().app.inject({ method: 'POST', url: `/api/v1/voice/petitions/${p.id}/invalidations/preview`, headers: modApi.auth, payload: { ipPrefix: '198.51.100.0/24' } });
    assert.deepEqual(JSON.parse(preview.body), { signatures: 5, counted: 4 });
  });

  it('before a bulk invalidation runs, moderators see how many it would remove; the count removed is the count shown', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const p = await openPetition(w);
    for (let i = 0; i < 3; i++) await signAndConfirm(p.id, `farm${i}@farm.test`, { postcode: 'NE6 1AA' }, '192.0.2.7');
    await sign(p.id, 'farm-pending@farm.test', { postcode: 'NE6 1AA' }, '192.0.2.8');
    await signAndConfirm(p.id, 'person@example.org', { postcode: 'NE6 1AA' }, '192.0.2.9');
    await signAndConfirm(p.id, 'elsewhere@example.org', { postcode: 'NE6 1AA' }, '198.18.0.1');
    const preview = await petitions.previewInvalidation(db, w.actors.moderator, p.id, { ipPrefix: '192.0.2.0/24', emailDomain: 'farm.test' });
    assert.deepEqual([preview.signatures, preview.counted], [4, 3]);
    assert.equal((await petitions.getPetition(db, p.id)).signatures, 5, 'a preview changes nothing');
    await assert.rejects(petitions.previewInvalidation(db, w.actors.outsider, p.id, { emailDomain: 'farm.test' }), rejectsWith('forbidden'));
    await assert.rejects(petitions.previewInvalidation(db, w.actors.moderator, p.id, { ipPrefix: '192.0.2.7' }), rejectsWith('validation_failed', 'ipPrefix'));
    await assert.rejects(petitions.previewInvalidation(db, w.actors.moderator, p.id, {}), rejectsWith('validation_failed', 'emailDomain'));

    const mod = await signedIn(w.people.moderator.email, '10.40.0.9');
    const form = await mod.get(`/voice/petitions/${p.id}/invalidate?ipPrefix=192.0.2.0%2F24`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /value="192\.0\.2\.0\/24"/);
    const shown = await mod.post(`/voice/petitions/${p.id}/invalidate/preview`, { ipPrefix: '192.0.2.0/24', emailDomain: '', localAuthority: '', signedFrom: '', signedTo: '' });
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /This would remove 5 signatures/);
    assert.match(shown.body, /4 of them count now/);
    // "Signed from" is a GOV.UK date input and a 24-hour time (UTC), read into one date-time; a bad one is named.
    const when = (day: string, time: string) => ({ ipPrefix: '192.0.2.0/24', 'signedFrom-day': day, 'signedFrom-month': '1', 'signedFrom-year': '2020', signedFromTime: time });
    const badTime = await mod.post(`/voice/petitions/${p.id}/invalidate/preview`, when('1', '25:00'));
    assert.equal(badTime.statusCode, 400);
    assert.match(badTime.body, /href="#signedFromTime">Enter the time on the 24-hour clock, like 09:30 or 17:00, or leave it empty for midnight<\/a>/);
    const badDate = await mod.post(`/voice/petitions/${p.id}/invalidate/preview`, when('32', ''));
    assert.equal(badDate.statusCode, 400);
    assert.match(badDate.body, /href="#signedFrom">The date signatures start from must be a real date, like 28 11 2026 or 28\/11\/2026<\/a>/);
    assert.match(badDate.body, /name="signedFrom-day" type="text" value="32"/, 'what was typed is kept');
    const dated = await mod.post(`/voice/petitions/${p.id}/invalidate/preview`, when('1', '9:30'));
    assert.equal(dated.statusCode, 200);
    assert.match(dated.body, /This would remove 5 signatures/);
    assert.match(dated.body, /<input type="hidden" name="signedFrom" value="2020-01-01T09:30:00Z">/);
    const future = await mod.post(`/voice/petitions/${p.id}/invalidate/preview`, { ...when('1', ''), 'signedFrom-year': '2099' });
    assert.match(future.body, /This would remove 0 signatures/, 'none signed after 1 January 2099');
    // Another signature from that network arrives before the moderator presses the button: they are shown the new count.
    await signAndConfirm(p.id, 'farm-late@farm.test', { postcode: 'NE6 1AA' }, '192.0.2.200');
    const changed = await mod.post(`/voice/petitions/${p.id}/invalidate`, { ipPrefix: '192.0.2.0/24', expected: '5', reason: 'A signature farm' });
    assert.equal(changed.statusCode, 200);
    assert.match(changed.body, /More signatures match than when you checked/);
    assert.match(changed.body, /This would remove 6 signatures/);
    assert.equal((await petitions.getPetition(db, p.id)).signatures, 6);
    const noReason = await mod.post(`/voice/petitions/${p.id}/invalidate`, { ipPrefix: '192.0.2.0/24', expected: '6', reason: '' });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /This would remove 6 signatures/);
    const done = await mod.post(`/voice/petitions/${p.id}/invalidate`, { ipPrefix: '192.0.2.0/24', expected: '6', reason: 'A signature farm' });
    assert.equal(done.statusCode, 303);
    const after = await petitions.getPetition(db, p.id);
    assert.equal(after.signatures, 1);
    assert.equal((await signatureCounts(db, [{ organisation_id: after.organisationId, id: after.id }])).get(after.id), 1, 'the counter agrees with a count');
    const inv = await petitions.invalidations(db, w.actors.moderator, p.id);
    assert.deepEqual(inv.map((i) => [i.reason, i.signatures]), [['A signature farm', 6]]);
    // The API preview agrees with the page.
    assert.deepEqual((await petitions.previewInvalidation(db, w.actors.moderator, p.id, { ipPrefix: '198.18.0.0/24' })).signatures, 1);
    const outsider = await signedIn(w.people.outsider.email, '10.40.0.10');
    assert.equal((await outsider.get(`/voice/petitions/${p.id}/invalidate`)).statusCode, 403);
  });
});
