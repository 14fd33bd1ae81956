import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent, userWithToken } from '../platform/testing.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { addMember } from '../organisations/organisations.service.ts';
import { verifiedOrganisation } from '../organisations/organisations.test-support.ts';
import { loadPlaces, GATESHEAD, NEWCASTLE } from '../voice/voice.test-support.ts';
import type { AppContext } from '../platform/module.ts';
import * as service from './grants.service.ts';
import * as explore from './grants.explore.ts';
import * as groups from './grants.groups.ts';
import { groupsWork, GROUPS_KIND } from './grants.groups.ts';
import { pkg } from './grants.test-support.ts';

const at = (code: string, name: string) => [{ name, geoCode: code, geoCodeType: 'LA' }];
const grant = (id: string, recipient: [string, string], la: string, amount = 500, extra: Record<string, unknown> = {}) => ({
  id, title: `Grant ${id}`, description: 'Core costs', currency: 'GBP', amountAwarded: amount, awardDate: '2024-05-01',
  fundingOrganization: [{ id: 'GB-CHC-9100', name: 'Elm Trust' }], recipientOrganization: [{ id: recipient[0], name: recipient[1] }],
  beneficiaryLocation: at(la, la === NEWCASTLE ? 'Newcastle upon Tyne' : 'Gateshead'), ...extra,
});
/** One group under two ids and two spellings in Newcastle; the same name in Gateshead; another group in Newcastle. */
const elmGrants = [
  grant('360G-elm-1', ['360G-elm-group-1', 'Friends of Elm Park'], NEWCASTLE, 1000),
  grant('360G-elm-2', ['360G-elm-group-1', 'Friends of Elm Park'], NEWCASTLE, 2000),
  grant('360G-elm-3', ['360G-elm-group-2', 'The Friends of  Elm Park.'], NEWCASTLE, 300),
  grant('360G-elm-4', ['360G-elm-group-3', 'Friends of Elm Park'], GATESHEAD, 400),
  grant('360G-elm-5', ['360G-elm-group-4', 'Elm Park Allotments'], NEWCASTLE, 500),
];

let n = 0;
async function person(ctx: AppContext, orgId: string | null, role: 'admin' | 'staff') {
  n++;
  const { user } = await userWithToken(ctx.db, `groups-${n}-${Date.now()}@example.org`);
  if (orgId) await addMember(ctx.db, cliActor, orgId, { email: user.email, role });
  const actor: Actor = { userId: user.id, tokenId: null, isAdmin: false, via: 'session' };
  return { user, actor };
}

async function recipientGrants(ctx: AppContext, id: string) {
  const read = await explore.readFilters(ctx.db, { recipient: id });
  return (await explore.searchGrants(ctx.db, read.filters, 1, 100)).totals;
}

eachEngine('grants: unregistered groups confirmed the same by a person', (t) => {
  let elm: Awaited<ReturnType<typeof verifiedOrganisation>>;
  let admin: Awaited<ReturnType<typeof person>>;
  let staff: Awaited<ReturnType<typeof person>>;
  let otherAdmin: Awaited<ReturnType<typeof person>>;
  before(async () => {
    const { ctx } = t();
    await loadPlaces(ctx);
    elm = await verifiedOrganisation(ctx.db, 'Elm Trust', 'registered-charity');
    const other = await verifiedOrganisation(ctx.db, 'Oak Trust', 'registered-charity');
    admin = await person(ctx, elm.id, 'admin');
    staff = await person(ctx, elm.id, 'staff');
    otherAdmin = await person(ctx, other.id, 'admin');
    await service.importGrantsFile(ctx, staff.actor, { publisher: elm.id, source: { bytes: pkg(elmGrants) }, filename: 'elm.json' });
  });

  it('proposes only same name and same local authority, merges nothing by itself, and tells the publisher’s administrators', async () => {
    const { ctx } = t();
    const candidates = await groups.groupCandidates(ctx.db, elm.id);
    assert.deepEqual(candidates.map((c) => [c.group.id, c.into.id, c.normalisedName, c.localAuthority.code]), [['360G-elm-group-2', '360G-elm-group-1', 'friends of elm park', NEWCASTLE]]);
    assert.equal(candidates[0]!.into.grants, 2);
    assert.equal(candidates[0]!.into.gbpPence, 300_000);
    assert.deepEqual(candidates[0]!.group.names, ['The Friends of  Elm Park.']);
    // No merge without a person: the two ids are counted apart.
    assert.equal(Number((await ctx.db.selectFrom('grants_group_decisions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0);
    assert.equal((await recipientGrants(ctx, '360G-elm-group-1')).grants, 2);
    assert.equal((await recipientGrants(ctx, '360G-elm-group-2')).grants, 1);
    // The administrator is emailed and sees it in the inbox; the member of staff who uploaded is not the one to decide.
    const mail = await ctx.db.selectFrom('outbox').select(['to_address', 'subject', 'body_text']).where('kind', '=', GROUPS_KIND).execute();
    assert.deepEqual(mail.map((m) => m.to_address), [admin.user.email]);
    assert.match(mail[0]!.body_text, new RegExp(`/grants/${elm.slug}/groups`));
    const list = groupsWork.find((k) => k.kind === GROUPS_KIND)!.list;
    assert.equal((await list(ctx.db, { id: admin.user.id, isAdmin: false })).length, 1);
    assert.equal((await list(ctx.db, { id: staff.user.id, isAdmin: false })).length, 0);
    assert.equal((await list(ctx.db, { id: otherAdmin.user.id, isAdmin: false })).length, 0);
  });

  it('refuses the wrong role: the publisher’s staff, another publisher’s administrator, anonymous', async () => {
    const { ctx, app } = t();
    const body = { group: '360G-elm-group-2', into: '360G-elm-group-1', decision: 'merged' };
    for (const who of [staff, otherAdmin]) {
      await assert.rejects(groups.decideGroups(ctx.db, who.actor, elm.id, body), (e: unknown) => isAppError(e) && e.code === 'forbidden');
      const agent = await signedInAgent(app, who.user.email, `10.9.${n}.1`);
      assert.equal((await agent.get(`/grants/${elm.slug}/groups`)).statusCode, 403);
      await agent.get(`/grants/${elm.slug}`);
      assert.equal((await agent.post(`/grants/${elm.slug}/groups`, body)).statusCode, 403);
    }
    assert.notEqual((await app.inject({ method: 'GET', url: `/grants/${elm.slug}/groups` })).statusCode, 200);
    assert.equal((await ctx.db.selectFrom('grants_group_decisions').selectAll().execute()).length, 0, 'nothing decided');
  });

  it('a bad form names the field; a pair that is not proposed is a conflict', async () => {
    const { ctx } = t();
    await assert.rejects(groups.decideGroups(ctx.db, admin.actor, elm.id, { group: '360G-elm-group-2', into: '360G-elm-group-1', decision: 'maybe' }), (e: unknown) => isAppError(e) && e.fieldErrors[0]?.field === 'decision');
    await assert.rejects(groups.decideGroups(ctx.db, admin.actor, elm.id, { group: 'GB-CHC-1', into: '360G-elm-group-1', decision: 'merged' }), (e: unknown) => isAppError(e) && e.fieldErrors[0]?.field === 'group');
    // Same name, other local authority: never proposed, so it cannot be merged.
    await assert.rejects(groups.decideGroups(ctx.db, admin.actor, elm.id, { group: '360G-elm-group-3', into: '360G-elm-group-1', decision: 'merged' }), (e: unknown) => isAppError(e) && e.code === 'conflict');
  });

  it('the administrator confirms on the page: counted once, audited; two at once, one wins; undone, counted apart again', async () => {
    const { ctx, app } = t();
    const agent = await signedInAgent(app, admin.user.email, '10.9.200.1');
    const page = await agent.get(`/grants/${elm.slug}/groups`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /The Friends of  Elm Park\./);
    assert.match(page.body, /Newcastle upon Tyne/);
    // Two people confirm the same pair at once: one decision is recorded, the other is told it was decided.
    const body = { group: '360G-elm-group-2', into: '360G-elm-group-1', decision: 'merged' };
    const [a, b] = await Promise.allSettled([groups.decideGroups(ctx.db, admin.actor, elm.id, body), groups.decideGroups(ctx.db, { ...cliActor }, elm.id, body)]);
    const outcomes = [a, b].map((r) => (r.status === 'fulfilled' ? 'ok' : isAppError(r.reason) ? r.reason.code : String(r.reason))).sort();
    assert.deepEqual(outcomes, ['conflict', 'ok']);
    const decision = (a.status === 'fulfilled' ? a.value : (b as PromiseFulfilledResult<groups.GroupDecisionView>).value);
    // Counted once: either id finds the group's three grants; its page says so; nothing is left to decide.
    assert.equal((await recipientGrants(ctx, '360G-elm-group-2')).grants, 3);
    assert.equal((await recipientGrants(ctx, '360G-elm-group-1')).gbpPence, 330_000);
    const entity = await app.inject({ method: 'GET', url: '/grants/recipients/360G-elm-group-2' });
    assert.equal(entity.statusCode, 200);
    assert.match(entity.body, /Confirmed the same group as/);
    assert.deepEqual(await groups.groupCandidates(ctx.db, elm.id), []);
    assert.equal(await groups.countGroups(ctx.db, ['360G-elm-group-1', '360G-elm-group-2', '360G-elm-group-4']), 2);
    const audit = await ctx.db.selectFrom('audit_log').select(['action']).where('entity_id', '=', decision.id).execute();
    assert.deepEqual(audit.map((x) => x.action), ['grants.groups.merged']);
    const list = groupsWork.find((k) => k.kind === GROUPS_KIND)!.list;
    assert.equal((await list(ctx.db, { id: admin.user.id, isAdmin: false })).length, 0, 'the job left the inbox');

    // Undone from the page: apart again, proposed again, the record kept.
    const undo = await agent.post(`/grants/${elm.slug}/groups/${decision.id}/undo`, {});
    assert.equal(undo.statusCode, 303);
    assert.equal((await recipientGrants(ctx, '360G-elm-group-2')).grants, 1);
    assert.equal((await groups.groupCandidates(ctx.db, elm.id)).length, 1);
    const row = await ctx.db.selectFrom('grants_group_decisions').selectAll().where('id', '=', decision.id).executeTakeFirstOrThrow();
    assert.ok(row.undone_at);
    assert.equal(row.undone_by, admin.user.id);
    assert.equal((await agent.post(`/grants/${elm.slug}/groups/${decision.id}/undo`, {})).statusCode, 404, 'undone already');

    // Confirmed through the form this time, then "different groups" is recorded for another world: see below.
    await agent.get(`/grants/${elm.slug}/groups`);
    const merged = await agent.post(`/grants/${elm.slug}/groups`, body);
    assert.equal(merged.statusCode, 303);
    assert.equal((await recipientGrants(ctx, '360G-elm-group-1')).grants, 3);
    const after = await agent.get(`/grants/${elm.slug}/groups?outcome=merged`);
    assert.match(after.body, /360G-elm-group-2 counted as 360G-elm-group-1/);
  });

  it('rejecting a pair merges nothing and stops proposing it; undoing the rejection proposes it again', async () => {
    const { ctx } = t();
    const open = await ctx.db.selectFrom('grants_group_decisions').select('id').where('undone_at', 'is', null).execute();
    for (const d of open) await groups.undoGroupDecision(ctx.db, admin.actor, elm.id, d.id);
    const d = await groups.decideGroups(ctx.db, admin.actor, elm.id, { group: '360G-elm-group-2', into: '360G-elm-group-1', decision: 'rejected' });
    assert.equal(d.decision, 'rejected');
    assert.deepEqual(await groups.groupCandidates(ctx.db, elm.id), []);
    assert.equal((await recipientGrants(ctx, '360G-elm-group-2')).grants, 1);
    await groups.undoGroupDecision(ctx.db, admin.actor, elm.id, d.id);
    assert.equal((await groups.groupCandidates(ctx.db, elm.id)).length, 1);
  });
});
