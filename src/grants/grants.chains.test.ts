import { it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eachEngine, describeCli, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { findDraft } from '../platform/drafts.ts';
import { addMember, createOrganisation } from '../organisations/organisations.service.ts';
import { verifiedOrganisation } from '../organisations/organisations.test-support.ts';
import type { AppContext } from '../platform/module.ts';
import * as service from './grants.service.ts';
import * as chains from './grants.chains.ts';
import { grantsFairness, publisherFairness, funderFairness } from './grants.fairness.ts';
import { fairnessFixture, fixtureGrant, loadFairnessPlaces, lsoa } from './grants.chains.test-support.ts';
import { pkg } from './grants.test-support.ts';

let n = 0;

/** A verified organisation with a member of staff who can sign in. */
async function organisation(ctx: AppContext, label: string) {
  n++;
  const org = await verifiedOrganisation(ctx.db, `${label} ${n} ${Date.now()}`, 'registered-charity');
  const { user, auth } = await userWithToken(ctx.db, `chains-${n}-${Date.now()}@example.org`);
  await addMember(ctx.db, cliActor, org.id, { email: user.email, role: 'staff' });
  const actor: Actor = { userId: user.id, tokenId: null, isAdmin: false, via: 'session' };
  return { org, user, auth, actor, orgId: org.identifiers[0]! };
}

async function refusedWith(p: Promise<unknown>, code: string, pattern: RegExp = /.*/) {
  await assert.rejects(p, (e: unknown) => isAppError(e) && e.code === code && pattern.test(`${e.message} ${e.fieldErrors.map((f) => f.message).join(' ')}`));
}

/** A funder, an intermediary and a stranger; the funder gives the intermediary a £10,000 pot. */
async function chainWorld(ctx: AppContext) {
  const funder = await organisation(ctx, 'Funder');
  const intermediary = await organisation(ctx, 'Community Foundation');
  const stranger = await organisation(ctx, 'Other Foundation');
  const potId = `360G-funder-${n}-pot`;
  const pot = fixtureGrant(potId, 10000, { title: `Community pot ${n}`, regrantType: 'FRG010', recipientOrganization: [{ id: intermediary.orgId, name: intermediary.org.name }], beneficiaryLocation: undefined });
  await service.importGrantsFile(ctx, funder.actor, { publisher: funder.org.id, source: { bytes: pkg([pot]) } });
  return { funder, intermediary, stranger, potId, potTitle: pot.title };
}

async function links(ctx: AppContext, potOrg: string, potId: string) {
  return (await ctx.db.selectFrom('grants_chain_links').select(['grant_id', 'source', 'organisation_id']).where('pot_organisation_id', '=', potOrg).where('pot_grant_id', '=', potId).orderBy('grant_id').execute())
    .map((l) => [l.grant_id, l.source]);
}

eachEngine('grants: regranting chains', (t) => {
  it('links onward grants by relatedActivity at publish, whichever file comes first, and never another intermediary’s', async () => {
    const { ctx } = t();
    const w = await chainWorld(ctx);
    const onward = (id: string, related: string[]) => fixtureGrant(id, 1000, { relatedActivity: related, recipientOrganization: [{ id: `360G-cf-${id}`, name: `Group ${id}` }] });
    await service.importGrantsFile(ctx, w.intermediary.actor, { publisher: w.intermediary.org.id, source: { bytes: pkg([onward(`o1-${n}`, [w.potId]), onward(`o2-${n}`, [w.potId, '360G-nobody']), onward(`o3-${n}`, [])]) } });
    assert.deepEqual(await links(ctx, w.funder.org.id, w.potId), [[`o1-${n}`, 'related-activity'], [`o2-${n}`, 'related-activity']]);

    // The stranger names the pot too: it did not receive it, so nothing is linked, and the refusal is recorded.
    const strangerFile = await service.importGrantsFile(ctx, w.stranger.actor, { publisher: w.stranger.org.id, source: { bytes: pkg([onward(`s1-${n}`, [w.potId])]) } });
    assert.equal((await links(ctx, w.funder.org.id, w.potId)).length, 2);
    const audit = await ctx.db.selectFrom('audit_log').select(['after']).where('action', '=', 'grants.chain.linked').where('entity_id', '=', strangerFile.fileId).execute();
    assert.equal(audit.length, 0, 'nothing linked, nothing removed: no audit row');

    // Onward grants published before their pot are linked when the pot is published.
    const laterPot = `360G-funder-${n}-later`;
    await service.importGrantsFile(ctx, w.intermediary.actor, { publisher: w.intermediary.org.id, source: { bytes: pkg([onward(`o4-${n}`, [laterPot])]) } });
    assert.deepEqual(await links(ctx, w.funder.org.id, laterPot), []);
    const potFile = await service.importGrantsFile(ctx, w.funder.actor, { publisher: w.funder.org.id, source: { bytes: pkg([fixtureGrant(laterPot, 5000, { regrantType: 'FRG010', recipientOrganization: [{ id: w.intermediary.orgId, name: 'CF' }] })]) } });
    assert.deepEqual(await links(ctx, w.funder.org.id, laterPot), [[`o4-${n}`, 'related-activity']]);
    const linkedAudit = await ctx.db.selectFrom('audit_log').select(['after', 'organisation_id']).where('action', '=', 'grants.chain.linked').where('entity_id', '=', potFile.fileId).executeTakeFirstOrThrow();
    assert.equal((linkedAudit.after as { added: number }).added, 1);

    // A newer version of an onward grant that no longer names the pot drops the link.
    await service.importGrantsFile(ctx, w.intermediary.actor, { publisher: w.intermediary.org.id, source: { bytes: pkg([onward(`o2-${n}`, ['360G-nobody'])]) } });
    assert.deepEqual(await links(ctx, w.funder.org.id, w.potId), [[`o1-${n}`, 'related-activity']]);
  });

  it('lets the intermediary choose, on its check page, the pots its file draws on — by title — and refuses a pot it did not receive', async () => {
    const { ctx } = t();
    const w = await chainWorld(ctx);
    const choices = await chains.potsReceived(ctx.db, w.intermediary.org.id);
    assert.deepEqual(choices.map((c) => c.title), [w.potTitle]);
    assert.deepEqual(await chains.potsReceived(ctx.db, w.stranger.org.id), []);
    const file = pkg([fixtureGrant(`p1-${n}`, 250), fixtureGrant(`p2-${n}`, 750)]);
    const { draft } = await service.createGrantsDraft(ctx, w.intermediary.actor, { publisher: w.intermediary.org.id, source: { bytes: file } });

    // The stranger's draft naming the intermediary's pot is refused whole: nothing published, the draft still open.
    const theirs = await service.createGrantsDraft(ctx, w.stranger.actor, { publisher: w.stranger.org.id, source: { bytes: pkg([fixtureGrant(`q1-${n}`, 100)]) } });
    await refusedWith(service.publishGrantsDraft(ctx, w.stranger.actor, theirs.draft.id, { pots: [choices[0]!.key] }), 'forbidden', /did not receive/);
    assert.equal((await findDraft(ctx.db, theirs.draft.id))!.state, 'draft');
    assert.equal((await ctx.db.selectFrom('grants_grants').select('grant_id').where('organisation_id', '=', w.stranger.org.id).execute()).length, 0);
    await refusedWith(service.publishGrantsDraft(ctx, w.intermediary.actor, draft.id, { pots: [`${w.funder.org.id}:no-such-pot`] }), 'validation_failed', /no longer published/);

    await service.publishGrantsDraft(ctx, w.intermediary.actor, draft.id, { pots: [choices[0]!.key] });
    assert.deepEqual(await links(ctx, w.funder.org.id, w.potId), [[`p1-${n}`, 'publisher'], [`p2-${n}`, 'publisher']]);
    const audit = await ctx.db.selectFrom('audit_log').select(['after', 'actor_user_id']).where('action', '=', 'grants.chain.linked').where('organisation_id', '=', w.intermediary.org.id).execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_user_id, w.intermediary.user.id);

    const view = await chains.potView(ctx.db, w.funder.org.slug, w.potId);
    assert.equal(view.regrantedMinor, 100000);
    assert.equal(view.leftMinor, 900000);
    assert.equal(view.grants, 2);
    assert.equal(view.groups, 2);
    assert.equal(view.intermediary!.id, w.intermediary.org.id);
  });

  it('lets the intermediary’s staff link and unlink onward grants by hand, audited, and refuses anyone else', async () => {
    const { ctx } = t();
    const w = await chainWorld(ctx);
    await service.importGrantsFile(ctx, w.intermediary.actor, { publisher: w.intermediary.org.id, source: { bytes: pkg([fixtureGrant(`h1-${n}`, 100), fixtureGrant(`h2-${n}`, 200), fixtureGrant(`h3-${n}`, 300, { regrantType: 'FRG020' })]) } });
    await service.importGrantsFile(ctx, w.stranger.actor, { publisher: w.stranger.org.id, source: { bytes: pkg([fixtureGrant(`z1-${n}`, 100)]) } });
    const candidates = await chains.linkCandidates(ctx.db, w.intermediary.actor, w.funder.org.slug, w.potId);
    assert.deepEqual(candidates.map((c) => c.grantId).sort(), [`h1-${n}`, `h2-${n}`], 'its own onward grants, not its pots, not others’');

    await refusedWith(chains.setOnwardLinks(ctx.db, w.stranger.actor, w.funder.org.slug, w.potId, { link: [`z1-${n}`] }), 'forbidden');
    await refusedWith(chains.setOnwardLinks(ctx.db, w.funder.actor, w.funder.org.slug, w.potId, { link: [`h1-${n}`] }), 'forbidden');
    await refusedWith(chains.setOnwardLinks(ctx.db, w.intermediary.actor, w.funder.org.slug, w.potId, { link: [`h1-${n}`, `z1-${n}`] }), 'validation_failed', /not a current onward grant/);
    await refusedWith(chains.setOnwardLinks(ctx.db, w.intermediary.actor, w.funder.org.slug, w.potId, { link: [`h3-${n}`] }), 'validation_failed', /not a current onward grant/);
    await refusedWith(chains.setOnwardLinks(ctx.db, w.intermediary.actor, w.funder.org.slug, w.potId, {}), 'validation_failed', /at least one/);
    assert.deepEqual(await links(ctx, w.funder.org.id, w.potId), [], 'nothing half-written');

    assert.deepEqual(await chains.setOnwardLinks(ctx.db, w.intermediary.actor, w.funder.org.slug, w.potId, { link: [`h1-${n}`, `h2-${n}`] }), { linked: 2, unlinked: 0 });
    assert.deepEqual(await chains.setOnwardLinks(ctx.db, w.intermediary.actor, w.funder.org.slug, w.potId, { unlink: [`h2-${n}`] }), { linked: 0, unlinked: 1 });
    assert.deepEqual(await links(ctx, w.funder.org.id, w.potId), [[`h1-${n}`, 'person']]);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'before', 'after']).where('entity_type', '=', 'grants_pot').where('entity_id', '=', `${w.funder.org.id}:${w.potId}`).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['grants.chain.linked', 'grants.chain.unlinked']);
    assert.deepEqual((audit[1]!.before as { grants: string[] }).grants, [`h2-${n}`]);

    // What an export adds: relatedActivity with the pot's id, and the documented additional field.
    const fields = await chains.grantChainFields(ctx.db, [{ publisherId: w.intermediary.org.id, grantId: `h1-${n}`, relatedActivity: ['360G-earlier'] }, { publisherId: w.intermediary.org.id, grantId: `h2-${n}` }]);
    assert.deepEqual(fields.get(`${w.intermediary.org.id}:h1-${n}`), {
      relatedActivity: ['360G-earlier', w.potId],
      commonwealRegrantedFrom: [{ potId: w.potId, potTitle: w.potTitle, funderOrgId: 'GB-CHC-1000147', funderName: 'A B Charitable Trust', linkedBy: 'person' }],
    });
    assert.equal(fields.has(`${w.intermediary.org.id}:h2-${n}`), false);
  });

  it('joins a pot’s recipient to the registry by org-id only: a 360G- group with a registered organisation’s name is not that organisation', async () => {
    const { ctx } = t();
    const funder = await organisation(ctx, 'Funder');
    const named = await organisation(ctx, 'Same Name Trust');
    await createOrganisation(ctx.db, cliActor, { name: `360G group ${n}`, legalForm: 'community-group' });
    const potId = `360G-funder-${n}-unregistered`;
    await service.importGrantsFile(ctx, funder.actor, { publisher: funder.org.id, source: { bytes: pkg([
      fixtureGrant(potId, 900, { regrantType: 'FRG010', recipientOrganization: [{ id: `360G-group-${n}`, name: named.org.name }] }),
    ]) } });
    const view = await chains.potView(ctx.db, funder.org.id, potId);
    assert.equal(view.intermediary, null);
    assert.deepEqual(await chains.potsReceived(ctx.db, named.org.id), []);
    assert.equal(await chains.organisationByOrgId(ctx.db, `360G-group-${n}`), null);
    assert.equal((await chains.organisationByOrgId(ctx.db, named.orgId.toLowerCase()))!.id, named.org.id);
    await refusedWith(chains.setOnwardLinks(ctx.db, named.actor, funder.org.id, potId, { link: ['x'] }), 'forbidden', /No organisation registered/);
    await refusedWith(chains.potView(ctx.db, funder.org.id, 'no-such-pot'), 'not_found');
  });
});

eachEngine('grants: who the money reaches', (t) => {
  it('shares a publisher’s pounds across IMD 2019 and SIMD 2020 deciles, hand-checked, with the unplaced money by reason and other currencies apart', async () => {
    const { ctx } = t();
    await loadFairnessPlaces(ctx);
    const p = await organisation(ctx, 'Fair Trust');
    await service.importGrantsFile(ctx, p.actor, { publisher: p.org.id, source: { bytes: pkg(fairnessFixture()) } });
    const f = (await publisherFairness(ctx.db, p.org.slug)).fairness;
    assert.deepEqual(Object.keys(f), ['england', 'scotland', 'unplaced']);
    assert.deepEqual(Object.keys(f.england), ['deciles', 'concentrationIndex', 'verdict']);
    assert.deepEqual(f.england.deciles.map((d) => d.decile), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(f.england.deciles.map((d) => d.pence), [150000, 30000, 0, 0, 0, 0, 0, 0, 0, 20000]);
    assert.deepEqual(f.england.deciles.map((d) => d.share), [0.75, 0.15, 0, 0, 0, 0, 0, 0, 0, 0.1]);
    f.england.deciles.forEach((d) => assert.ok(Math.abs(d.populationShare - d.decile / 55) < 1e-12, `decile ${d.decile} holds ${d.decile}/55 of England`));
    // C = 1 − Σ pₖ(Lₖ + Lₖ₋₁) = 1 − (0.75 + 2·1.65 + 1.8·(3+…+9) + 10·1.9)/55 = 1 − 98.65/55.
    assert.ok(Math.abs(f.england.concentrationIndex! - (1 - 98.65 / 55)) < 1e-9, String(f.england.concentrationIndex));
    assert.match(f.england.verdict, /^Reaches the most deprived areas more than their share of population: 90\.0% reached the most deprived 20%/);
    assert.deepEqual(f.scotland.deciles.map((d) => d.pence), [0, 0, 10000, 0, 0, 0, 0, 0, 0, 0]);
    f.scotland.deciles.forEach((d) => assert.ok(Math.abs(d.populationShare - 0.1) < 1e-12));
    // L = 0, 0, 1, 1, …: C = 1 − 0.1·(1 + 7·2) = −0.5.
    assert.ok(Math.abs(f.scotland.concentrationIndex! + 0.5) < 1e-9);
    assert.deepEqual(f.unplaced, {
      count: 5, pence: 18000,
      reasons: [
        { reason: 'ward-only', count: 1, pence: 5000 }, { reason: 'local-authority-only', count: 1, pence: 7000 },
        { reason: 'small-area-not-found', count: 1, pence: 2000 }, { reason: 'outside-england-and-scotland', count: 1, pence: 3000 },
        { reason: 'no-location', count: 1, pence: 1000 },
      ],
      otherCurrencies: { USD: { count: 1, minor: 9999 } },
    });

    const programme = (await publisherFairness(ctx.db, p.org.id, 'Small grants')).fairness;
    assert.deepEqual(programme.england.deciles.map((d) => d.pence), [100000, 30000, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(programme.scotland.concentrationIndex, null);
    assert.match(programme.scotland.verdict, /No pound .* Scotland/);
    assert.deepEqual(programme.scotland.deciles.map((d) => d.populationShare), Array(10).fill(0.1));
    assert.deepEqual(programme.unplaced, { count: 0, pence: 0, reasons: [], otherCurrencies: {} });
    await refusedWith(publisherFairness(ctx.db, p.org.id, 'No such programme'), 'not_found', /no grant in a programme called/);

    // The funder across publishers: a second publisher's grant from the same funder adds in.
    const q = await organisation(ctx, 'Another Publisher');
    await service.importGrantsFile(ctx, q.actor, { publisher: q.org.id, source: { bytes: pkg([fixtureGrant(`q-${n}`, 400, { beneficiaryLocation: [{ geoCode: lsoa(10), geoCodeType: 'LSOA' }] })]) } });
    const funder = await funderFairness(ctx.db, 'GB-CHC-1000147');
    assert.equal(funder.funder.name, 'A B Charitable Trust');
    const before = (await grantsFairness(ctx.db, { kind: 'publisher', organisationId: p.org.id })).england.deciles[9]!.pence;
    assert.ok(funder.fairness.england.deciles[9]!.pence >= before + 40000);
    await refusedWith(funderFairness(ctx.db, 'GB-CHC-999999'), 'not_found');
  });

  it('serves the fairness pages and JSON for a publisher, a programme, a pot’s chain and a funder, and the pot’s pages', async () => {
    const { ctx, app } = t();
    await loadFairnessPlaces(ctx);
    const w = await chainWorld(ctx);
    await service.importGrantsFile(ctx, w.intermediary.actor, { publisher: w.intermediary.org.id, source: { bytes: pkg(fairnessFixture().map((g) => ({ ...g, id: `${g.id}-${n}`, relatedActivity: [w.potId] }))) } });
    const pot = `/grants/${w.funder.org.slug}/pots/${encodeURIComponent(w.potId)}`;
    const page = await app.inject({ method: 'GET', url: pot });
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, /£10,000\.00/);
    assert.match(page.body, /£2,280\.00 in 11 onward grants/, 'GBP onward grants only');
    assert.match(page.body, /£7,720\.00/);
    assert.match(page.body, /Hartlepool/);
    assert.match(page.body, /<svg[^>]*role="img"/);
    assert.doesNotMatch(page.body, /Link or unlink your onward grants/, 'not offered to a visitor');
    const publisherPage = await app.inject({ method: 'GET', url: `/grants/${w.funder.org.slug}` });
    assert.ok(publisherPage.body.includes(`href="${pot}"`), 'the funder’s page links the pot');

    for (const url of [`/grants/${w.intermediary.org.slug}/fairness`, `/grants/${w.intermediary.org.slug}/fairness?programme=Small+grants`, `${pot}/fairness`, '/grants/funders/GB-CHC-1000147/fairness']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, `${url}: ${r.body.slice(0, 300)}`);
      assert.match(r.body, /How this is worked out/);
      assert.match(r.body, /decile of its one small area/);
    }
    const api = await app.inject({ method: 'GET', url: `/api/v1/grants/publishers/${w.intermediary.org.slug}/fairness` });
    assert.equal(api.statusCode, 200);
    assert.deepEqual(api.json().england.deciles.map((d: { pence: number }) => d.pence), [150000, 30000, 0, 0, 0, 0, 0, 0, 0, 20000]);
    const chainApi = await app.inject({ method: 'GET', url: `/api/v1/grants/publishers/${w.funder.org.slug}/pots/${encodeURIComponent(w.potId)}/fairness` });
    assert.deepEqual(chainApi.json().scotland.deciles[2].pence, 10000);
    assert.equal((await app.inject({ method: 'GET', url: `/grants/${w.intermediary.org.slug}/fairness?programme=Nope` })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: `/grants/${w.funder.org.slug}/pots/nope` })).statusCode, 404);

    // The intermediary's staff see the link page and use it; a stranger is refused with a page.
    const staff = new TestAgent(app, '10.34.0.1');
    await staff.get('/sign-in');
    await staff.post('/sign-in', { email: w.intermediary.user.email, password: 'a long enough password' });
    const mine = await staff.get(pot);
    assert.match(mine.body, /Link or unlink your onward grants/);
    const form = await staff.get(`${pot}/onward`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Linked now: choose any to unlink/);
    const none = await staff.post(`${pot}/onward`, {});
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /Choose at least one grant to link or unlink/);
    const unlink = await staff.post(`${pot}/onward`, { unlink: `g1-${n}` });
    assert.equal(unlink.statusCode, 303, unlink.body);
    assert.match((await staff.get(unlink.headers.location as string)).body, /0 linked, 1 unlinked/);
    const stranger = new TestAgent(app, '10.34.0.2');
    await stranger.get('/sign-in');
    await stranger.post('/sign-in', { email: w.stranger.user.email, password: 'a long enough password' });
    assert.equal((await stranger.get(`${pot}/onward`)).statusCode, 403);
    assert.equal((await stranger.post(`${pot}/onward`, { link: `g1-${n}` })).statusCode, 403);

    // The check page offers the pots the intermediary received, by title.
    const up = await staff.postMultipart(`/grants/${w.intermediary.org.slug}/upload`, {}, { filename: 'more.json', content: pkg([fixtureGrant(`more-${n}`, 5)]).toString() });
    assert.equal(up.statusCode, 303, up.body);
    const check = await staff.get(up.headers.location as string);
    assert.match(check.body, /Do these grants draw on a pot you received\?/);
    assert.ok(check.body.includes(w.potTitle));
    const published = await staff.post(`${up.headers.location}/publish`, { pots: `${w.funder.org.id}:${w.potId}` });
    assert.equal(published.statusCode, 303, published.body);
    assert.deepEqual((await links(ctx, w.funder.org.id, w.potId)).find(([id]) => id === `more-${n}`), [`more-${n}`, 'publisher']);
  });
});

describeCli('the grants fairness command', (ws) => {
  it('prints the fairness of a publisher as JSON in the issue’s shape', async () => {
    // No deprivation index is loaded in this workspace: the small areas cannot be placed, and say so (the
    // hand-checked figures with IMD and SIMD loaded are pinned above, through the same function).
    const { run, dir } = ws();
    assert.equal((await run('org', 'create', '--name', 'Fair Trust', '--identifier', 'GB-CHC-1100001', '--legal-form', 'registered-charity', '--verified')).code, 0);
    writeFileSync(join(dir, 'grants.json'), pkg(fairnessFixture()));
    const imported = await run('grants', 'import', join(dir, 'grants.json'), '--publisher', 'GB-CHC-1100001', '--yes');
    assert.equal(imported.code, 0, imported.stderr);
    const r = await run('grants', 'fairness', '--publisher', 'GB-CHC-1100001', '--programme', 'Small grants');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(r.json), ['england', 'scotland', 'unplaced']);
    for (const nation of ['england', 'scotland']) {
      assert.deepEqual(Object.keys(r.json[nation]), ['deciles', 'concentrationIndex', 'verdict']);
      assert.deepEqual(r.json[nation].deciles.map((d: { decile: number }) => d.decile), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(r.json[nation].deciles.map((d: object) => Object.keys(d)), Array(10).fill(['decile', 'pence', 'share', 'populationShare']));
      assert.equal(r.json[nation].concentrationIndex, null);
    }
    assert.deepEqual(r.json.unplaced, { count: 2, pence: 130000, reasons: [{ reason: 'small-area-not-found', count: 2, pence: 130000 }], otherCurrencies: {} });
    const missing = await run('grants', 'fairness');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr + missing.stdout, /--publisher/);
  });
});
