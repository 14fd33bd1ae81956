import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import type { AppContext } from '../platform/module.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { insertMembership } from '../platform/auth/auth.repository.ts';
import { isAppError } from '../platform/errors.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import * as service from './timebank.service.ts';
import * as exchanges from './timebank.exchanges.ts';
import * as partners from './timebank.partners.ts';
import { bankImpact, releaseImpact, type ImpactView } from './timebank.impact.ts';
import { checkLedger } from './timebank.check.ts';
import { listOutbox } from '../platform/outbox.repository.ts';

const actorOf = (userId: string): Actor => ({ userId, tokenId: null, isAdmin: false, via: 'session' });

async function rejects(promise: Promise<unknown>, code: string, pattern?: RegExp) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(`${error.message} ${JSON.stringify(error.fieldErrors)}`, pattern);
    return;
  }
  assert.fail(`expected ${code}`);
}

async function person(ctx: AppContext, email: string) {
  const u = await registerUser(ctx.db, cliActor, { email, name: email.split('@')[0]!, password: null });
  return actorOf(u.id);
}

async function ledgerRows(ctx: AppContext) {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM timebank_transfers`.execute(ctx.db);
  return r.rows[0]!.n;
}

async function balance(ctx: AppContext, accountId: string) {
  return (await service.getAccount(ctx.db, cliActor, accountId)).balance;
}

eachEngine('timebank members, exchanges and partners', (t) => {
  it('makes a joiner wait for approval where the bank requires it; a suspended account neither gives nor receives', async () => {
    const { ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Approval Time Bank', requiresApproval: true });
    const coordinator = await person(ctx, 'coord-approval@example.org');
    await insertMembership(ctx.db, { organisationId: bank.organisationId, userId: coordinator.userId!, role: 'coordinator' });
    const ann = await person(ctx, 'ann-approval@example.org');
    const joined = await service.joinBank(ctx.db, ann, bank.id, { name: 'Ann', areaCode: 'e01008372' });
    assert.equal(joined.account.status, 'pending');
    assert.equal(joined.account.areaCode, 'E01008372');
    assert.match(joined.account.memberCode!, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await rejects(service.joinBank(ctx.db, ann, bank.id, { name: 'Ann', areaCode: 'Heaton' }), 'validation_failed', /areaCode/);
    assert.equal((await service.joinBank(ctx.db, ann, bank.id, { name: 'Ann' })).joined, false, 'joining twice answers with the same account');

    const before = await ledgerRows(ctx);
    await rejects(service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: joined.account.id, minutes: 30, reason: 'x' }), 'unprocessable', /not active/);
    assert.equal(await ledgerRows(ctx), before);
    await rejects(service.changeAccountStatus(ctx.db, ann, joined.account.id, 'approve'), 'forbidden');
    assert.equal((await service.changeAccountStatus(ctx.db, coordinator, joined.account.id, 'approve')).status, 'active');
    await rejects(service.changeAccountStatus(ctx.db, coordinator, joined.account.id, 'approve'), 'unprocessable', /is active/);
    await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: joined.account.id, minutes: 30, reason: 'Welcome credits' });

    await rejects(service.changeAccountStatus(ctx.db, coordinator, joined.account.id, 'suspend', {}), 'validation_failed', /reason/);
    assert.equal((await service.changeAccountStatus(ctx.db, coordinator, joined.account.id, 'suspend', { reason: 'Asked for a break' })).status, 'suspended');
    await rejects(service.recordTransfer(ctx.db, ann, { id: randomUUID(), from: joined.account.id, to: bank.issuerAccountId!, minutes: 5, reason: 'x' }), 'unprocessable', /not active/);
    await rejects(service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: joined.account.id, minutes: 5, reason: 'x' }), 'unprocessable', /not active/);
    assert.equal(await balance(ctx, joined.account.id), 30, 'a suspended account keeps its balance');
    await rejects(service.changeAccountStatus(ctx.db, coordinator, bank.issuerAccountId!, 'suspend', { reason: 'x' }), 'unprocessable', /issuing account/);
    assert.equal((await service.changeAccountStatus(ctx.db, coordinator, joined.account.id, 'reinstate')).status, 'active');
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', joined.account.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['timebank.member.joined', 'timebank.member.approved', 'timebank.member.suspended', 'timebank.member.reinstated']);

    const open = await service.createBank(ctx.db, cliActor, { name: 'Open Time Bank' });
    assert.equal((await service.joinBank(ctx.db, ann, open.id, { name: 'Ann' })).account.status, 'active', 'no approval needed: active at once');
  });

  it('lists offers and requests, finds them by words, kind, category and area, and shows them only to the bank', async () => {
    const { ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Listings Time Bank' });
    const ann = await person(ctx, 'ann-listing@example.org');
    const bob = await person(ctx, 'bob-listing@example.org');
    const outsider = await person(ctx, 'out-listing@example.org');
    await service.joinBank(ctx.db, ann, bank.id, { name: 'Ann Archer' });
    await service.joinBank(ctx.db, bob, bank.id, { name: 'Bob Barker' });
    const lift = await exchanges.createListing(ctx.db, ann, bank.id, { kind: 'offer', category: 'transport', title: 'Lifts to hospital appointments', description: 'Weekday mornings; I have a car', area: 'Heaton' });
    await exchanges.createListing(ctx.db, bob, bank.id, { kind: 'request', category: 'garden', title: 'Help cutting a hedge', area: 'Byker' });
    await exchanges.createListing(ctx.db, bob, bank.id, { kind: 'offer', category: 'technology', title: 'Setting up a smartphone 100%', area: 'Byker' });
    await rejects(exchanges.createListing(ctx.db, ann, bank.id, { kind: 'swap', category: 'nonsense', title: '' }), 'validation_failed', /kind.*category.*title|title/);
    await rejects(exchanges.createListing(ctx.db, outsider, bank.id, { kind: 'offer', category: 'garden', title: 'x' }), 'forbidden');
    // Someone who has not joined sees what is offered and asked, not who or what they wrote, and finds by title only.
    const seen = await exchanges.searchListings(ctx.db, outsider, bank.id, {});
    assert.equal(seen.insider, false);
    assert.equal(seen.total, 3);
    assert.ok(seen.items.every((l) => l.accountName === '' && l.accountId === '' && l.description === ''));
    assert.equal((await exchanges.searchListings(ctx.db, outsider, bank.id, { q: 'ann' })).total, 0, 'a member’s name is not searchable from outside');
    assert.equal((await exchanges.searchListings(ctx.db, outsider, bank.id, { q: 'car' })).total, 0, 'nor a description');
    assert.equal((await exchanges.getListing(ctx.db, outsider, lift.id)).accountName, '');

    const all = await exchanges.searchListings(ctx.db, ann, bank.id, {});
    assert.equal(all.total, 3);
    assert.deepEqual(all.areas, ['Byker', 'Heaton']);
    assert.deepEqual((await exchanges.searchListings(ctx.db, ann, bank.id, { q: 'hospital car' })).items.map((l) => l.id), [lift.id]);
    assert.equal((await exchanges.searchListings(ctx.db, ann, bank.id, { q: 'ann' })).total, 1, 'the member’s name is searched too');
    assert.equal((await exchanges.searchListings(ctx.db, ann, bank.id, { kind: 'offer' })).total, 2);
    assert.equal((await exchanges.searchListings(ctx.db, ann, bank.id, { kind: 'offer', area: 'byk' })).total, 1);
    assert.equal((await exchanges.searchListings(ctx.db, ann, bank.id, { category: 'garden' })).items[0]!.title, 'Help cutting a hedge');
    assert.equal((await exchanges.searchListings(ctx.db, ann, bank.id, { q: '%' })).total, 1, 'a % typed matches a literal %');
    await rejects(exchanges.closeListing(ctx.db, bob, lift.id), 'forbidden');
    await exchanges.closeListing(ctx.db, ann, lift.id);
    assert.equal((await exchanges.searchListings(ctx.db, ann, bank.id, {})).total, 2, 'a closed listing leaves the search');
  });

  it('records an exchange from an offer by either side; the other side confirms and only then do the minutes move', async () => {
    const { ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Exchange Time Bank' });
    const ann = await person(ctx, 'ann-ex@example.org');
    const bob = await person(ctx, 'bob-ex@example.org');
    const coordinator = await person(ctx, 'coord-ex@example.org');
    await insertMembership(ctx.db, { organisationId: bank.organisationId, userId: coordinator.userId!, role: 'coordinator' });
    const a = (await service.joinBank(ctx.db, ann, bank.id, { name: 'Ann' })).account;
    const b = (await service.joinBank(ctx.db, bob, bank.id, { name: 'Bob' })).account;
    await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: b.id, minutes: 60, reason: 'Welcome credits' });
    const offer = await exchanges.createListing(ctx.db, ann, bank.id, { kind: 'offer', category: 'garden', title: 'Weeding' });

    // Bob (helped) records it from Ann's offer; Ann confirms.
    const id1 = randomUUID();
    const first = await exchanges.recordExchange(ctx.db, bob, { id: id1, listingId: offer.id, minutes: 45, description: 'Weeded the front garden' });
    assert.equal(first.exchange.status, 'pending');
    assert.equal(first.exchange.provider.id, a.id);
    assert.equal(first.exchange.receiver.id, b.id);
    assert.equal(await balance(ctx, b.id), 60, 'nothing moves until the other side confirms');
    const again = await exchanges.recordExchange(ctx.db, bob, { id: id1, listingId: offer.id, minutes: 45, description: 'Weeded the front garden' });
    assert.equal(again.replayed, true);
    await rejects(exchanges.recordExchange(ctx.db, bob, { id: id1, listingId: offer.id, minutes: 50, description: 'Weeded the front garden' }), 'conflict');
    await rejects(exchanges.decideExchange(ctx.db, bob, id1, 'confirm'), 'forbidden', /other member confirms/);
    assert.equal((await exchanges.pendingExchanges(ctx.db, ann, a.id)).toConfirm.length, 1);
    assert.equal((await exchanges.pendingExchanges(ctx.db, bob, b.id)).awaiting.length, 1);
    const confirmed = await exchanges.decideExchange(ctx.db, ann, id1, 'confirm');
    assert.equal(confirmed.exchange.status, 'confirmed');
    assert.equal(confirmed.transfer!.kind, 'exchange');
    assert.equal(confirmed.transfer!.category, 'garden');
    assert.equal(confirmed.transfer!.onBehalf, false);
    assert.equal(await balance(ctx, b.id), 15);
    assert.equal(await balance(ctx, a.id), 45);
    assert.equal((await exchanges.decideExchange(ctx.db, ann, id1, 'confirm')).transfer, null, 'confirming twice moves nothing more');
    assert.equal(await balance(ctx, a.id), 45);
    await rejects(exchanges.decideExchange(ctx.db, ann, id1, 'decline'), 'conflict');

    // Ann (the offer's member) records the next one with Bob; Bob has too few minutes: refused, still pending.
    const id2 = randomUUID();
    await exchanges.recordExchange(ctx.db, ann, { id: id2, listingId: offer.id, with: b.id, minutes: 30, description: 'More weeding' });
    await rejects(exchanges.decideExchange(ctx.db, bob, id2, 'confirm'), 'unprocessable', /15 available/);
    assert.equal((await exchanges.pendingExchanges(ctx.db, bob, b.id)).toConfirm.length, 1, 'a refused confirmation leaves the exchange waiting');
    assert.equal((await exchanges.decideExchange(ctx.db, bob, id2, 'decline')).exchange.status, 'declined');
    assert.equal(await balance(ctx, b.id), 15);

    // A coordinator records one for two members: confirmed at once, marked as on their behalf.
    const id3 = randomUUID();
    const byCoordinator = await exchanges.recordExchange(ctx.db, coordinator, { id: id3, bankId: bank.id, provider: b.id, receiver: a.id, minutes: 20, category: 'technology', description: 'Phone set-up (recorded at the drop-in)' });
    assert.equal(byCoordinator.exchange.status, 'confirmed');
    assert.equal(byCoordinator.exchange.onBehalf, true);
    assert.equal(byCoordinator.transfer!.onBehalf, true);
    assert.equal(await balance(ctx, b.id), 35);

    // A member cannot record an exchange between two other people, nor with themselves.
    const carl = await person(ctx, 'carl-ex@example.org');
    await service.joinBank(ctx.db, carl, bank.id, { name: 'Carl' });
    await rejects(exchanges.recordExchange(ctx.db, carl, { id: randomUUID(), bankId: bank.id, provider: a.id, receiver: b.id, minutes: 5, category: 'garden', description: 'x' }), 'validation_failed', /role/);
    await rejects(exchanges.recordExchange(ctx.db, ann, { id: randomUUID(), listingId: offer.id, with: a.id, minutes: 5, description: 'x' }), 'validation_failed', /other member/);
    // Without a listing, a member says whether they gave or received help.
    const id4 = randomUUID();
    const direct = await exchanges.recordExchange(ctx.db, bob, { id: id4, bankId: bank.id, role: 'gave', with: a.id, minutes: 10, category: 'company', description: 'A cup of tea and a chat' });
    assert.equal(direct.exchange.provider.id, b.id);
    await exchanges.decideExchange(ctx.db, ann, id4, 'confirm');
    assert.equal(await balance(ctx, b.id), 45);
    assert.equal((await checkLedger(ctx.db)).ok, true);
  });

  it('emails the other side to confirm, the recorder when it is confirmed or declined, and both members when a coordinator records for them', async () => {
    const { ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Notice Time Bank' });
    const ann = await person(ctx, 'ann-notice@example.org');
    const bob = await person(ctx, 'bob-notice@example.org');
    const coordinator = await person(ctx, 'coord-notice@example.org');
    await insertMembership(ctx.db, { organisationId: bank.organisationId, userId: coordinator.userId!, role: 'coordinator' });
    const a = (await service.joinBank(ctx.db, ann, bank.id, { name: 'Ann' })).account;
    const b = (await service.joinBank(ctx.db, bob, bank.id, { name: 'Bob' })).account;
    await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: b.id, minutes: 30, reason: 'Welcome credits' });
    const mail = async (to: string) => (await listOutbox(ctx.db, { to, limit: 100 })).reverse();
    const opts = { baseUrl: 'https://commonweal.example' };

    // Bob records help Ann gave him: Ann is asked to confirm, with who, how long, what and a link; Bob gets nothing.
    const id1 = randomUUID();
    await exchanges.recordExchange(ctx.db, bob, { id: id1, bankId: bank.id, role: 'received', with: a.id, minutes: 90, category: 'garden', description: 'Pruned the apple tree' }, opts);
    let annMail = await mail('ann-notice@example.org');
    assert.equal(annMail.length, 1);
    assert.equal(annMail[0]!.kind, 'timebank.exchange-to-confirm');
    assert.match(annMail[0]!.subject, /confirm an exchange with Bob/);
    assert.match(annMail[0]!.text, /Bob has recorded an exchange with you in Notice Time Bank/);
    assert.match(annMail[0]!.text, /You helped Bob: Pruned the apple tree/);
    assert.match(annMail[0]!.text, /Time: 1 hour 30 minutes/);
    assert.ok(annMail[0]!.text.includes(`https://commonweal.example/timebank/accounts/${a.id}`));
    assert.doesNotMatch(annMail[0]!.text, /<[a-z]/i, 'plain text, no HTML');
    assert.equal((await mail('bob-notice@example.org')).length, 0, 'nobody is emailed about what they did themselves');
    await exchanges.recordExchange(ctx.db, bob, { id: id1, bankId: bank.id, role: 'received', with: a.id, minutes: 90, category: 'garden', description: 'Pruned the apple tree' }, opts);
    assert.equal((await mail('ann-notice@example.org')).length, 1, 'a replay sends nothing again');

    // Refused recordings write no email: a conflict on the id, and a member recording for two others.
    await rejects(exchanges.recordExchange(ctx.db, bob, { id: id1, bankId: bank.id, role: 'received', with: a.id, minutes: 91, category: 'garden', description: 'Pruned the apple tree' }, opts), 'conflict');
    await rejects(exchanges.recordExchange(ctx.db, bob, { id: randomUUID(), bankId: bank.id, role: 'received', with: b.id, minutes: 5, category: 'garden', description: 'x' }, opts), 'validation_failed');
    assert.equal((await mail('ann-notice@example.org')).length, 1);
    // Ann confirming is refused while Bob has too few minutes: nothing is written for Bob either.
    await rejects(exchanges.decideExchange(ctx.db, ann, id1, 'confirm', opts), 'unprocessable');
    assert.equal((await mail('bob-notice@example.org')).length, 0);
    await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: b.id, minutes: 60, reason: 'More credits' });
    await exchanges.decideExchange(ctx.db, ann, id1, 'confirm', opts);
    let bobMail = await mail('bob-notice@example.org');
    assert.equal(bobMail.length, 1);
    assert.equal(bobMail[0]!.kind, 'timebank-exchange-confirmed');
    assert.match(bobMail[0]!.subject, /exchange with Ann is confirmed/);
    assert.match(bobMail[0]!.text, /Ann has confirmed the exchange you recorded/);
    await exchanges.decideExchange(ctx.db, ann, id1, 'confirm', opts);
    assert.equal((await mail('bob-notice@example.org')).length, 1, 'confirming again sends nothing');

    // Ann records one; Bob declines: Ann hears once, and nothing follows.
    const id2 = randomUUID();
    await exchanges.recordExchange(ctx.db, ann, { id: id2, bankId: bank.id, role: 'gave', with: b.id, minutes: 20, category: 'company', description: 'A walk round the park' }, opts);
    assert.equal((await mail('bob-notice@example.org')).length, 2);
    await exchanges.decideExchange(ctx.db, bob, id2, 'decline', opts);
    await rejects(exchanges.decideExchange(ctx.db, bob, id2, 'confirm', opts), 'conflict');
    annMail = await mail('ann-notice@example.org');
    assert.deepEqual(annMail.map((m) => m.kind), ['timebank.exchange-to-confirm', 'timebank-exchange-declined']);
    assert.match(annMail[1]!.subject, /exchange with Bob was declined/);
    assert.match(annMail[1]!.text, /No time has moved/);
    assert.equal((await mail('bob-notice@example.org')).length, 2, 'the member who declined is not emailed about it');

    // A coordinator records one for both: both are told it was recorded on their behalf; the coordinator is not.
    await exchanges.recordExchange(ctx.db, coordinator, { id: randomUUID(), bankId: bank.id, provider: b.id, receiver: a.id, minutes: 15, category: 'technology', description: 'Set up a phone' }, opts);
    annMail = await mail('ann-notice@example.org');
    bobMail = await mail('bob-notice@example.org');
    assert.equal(annMail.at(-1)!.kind, 'timebank-exchange-on-behalf');
    assert.match(annMail.at(-1)!.subject, /recorded for you in Notice Time Bank/);
    assert.match(annMail.at(-1)!.text, /on your behalf[\s\S]*Bob helped you: Set up a phone[\s\S]*15 minutes/);
    assert.match(bobMail.at(-1)!.text, /You helped Ann: Set up a phone/);
    assert.equal((await mail('coord-notice@example.org')).length, 0);

    // A coordinator confirming for a member: the recorder and that member both hear of it.
    const id3 = randomUUID();
    await exchanges.recordExchange(ctx.db, ann, { id: id3, bankId: bank.id, role: 'gave', with: b.id, minutes: 10, category: 'food', description: 'Soup' }, opts);
    await exchanges.decideExchange(ctx.db, coordinator, id3, 'confirm', opts);
    assert.match((await mail('ann-notice@example.org')).at(-1)!.text, /A coordinator of Notice Time Bank, for Bob, has confirmed/);
    assert.equal((await mail('bob-notice@example.org')).at(-1)!.kind, 'timebank-exchange-confirmed-for-you');

    // Without a site address (the demo, which is loaded without one) the email says where to go instead of a link.
    await exchanges.recordExchange(ctx.db, bob, { id: randomUUID(), bankId: bank.id, role: 'gave', with: a.id, minutes: 5, category: 'other', description: 'Posted a letter' });
    assert.match((await mail('ann-notice@example.org')).at(-1)!.text, /choose "Time credits" and open your account in Notice Time Bank/);
  });

  it('confirms an exchange once when both sides’ confirmations race', async () => {
    const { ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Race Time Bank' });
    const ann = await person(ctx, 'ann-race@example.org');
    const bob = await person(ctx, 'bob-race@example.org');
    const coordinator = await person(ctx, 'coord-race@example.org');
    await insertMembership(ctx.db, { organisationId: bank.organisationId, userId: coordinator.userId!, role: 'coordinator' });
    const a = (await service.joinBank(ctx.db, ann, bank.id, { name: 'Ann' })).account;
    const b = (await service.joinBank(ctx.db, bob, bank.id, { name: 'Bob' })).account;
    await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: b.id, minutes: 100, reason: 'Welcome credits' });
    const id = randomUUID();
    await exchanges.recordExchange(ctx.db, ann, { id, bankId: bank.id, role: 'gave', with: b.id, minutes: 40, category: 'food', description: 'Batch cooking' });
    const results = await Promise.allSettled([exchanges.decideExchange(ctx.db, bob, id, 'confirm'), exchanges.decideExchange(ctx.db, coordinator, id, 'confirm')]);
    assert.ok(results.every((r) => r.status === 'fulfilled'), JSON.stringify(results));
    assert.equal(await balance(ctx, b.id), 60);
    assert.equal(await balance(ctx, a.id), 40);
  });

  it('lets an earn partner give credits for volunteering and a spend partner redeem them on a member code', async () => {
    const { ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Partner Time Bank' });
    const ann = await person(ctx, 'ann-partner@example.org');
    const a = (await service.joinBank(ctx.db, ann, bank.id, { name: 'Ann' })).account;
    const earnOrg = await createOrganisation(ctx.db, cliActor, { name: 'Example Food Bank', legalForm: 'registered-charity' });
    const spendOrg = await createOrganisation(ctx.db, cliActor, { name: 'Example Leisure Centre', legalForm: 'community-group' });
    const earn = await service.addPartner(ctx.db, cliActor, bank.id, { organisation: earnOrg.id, role: 'earn', minBalance: -600 });
    const spend = await service.addPartner(ctx.db, cliActor, bank.id, { organisation: spendOrg.id, role: 'spend' });
    const earnStaff = await person(ctx, 'staff-earn@example.org');
    await insertMembership(ctx.db, { organisationId: earnOrg.id, userId: earnStaff.userId!, role: 'staff' });
    const spendStaff = await person(ctx, 'staff-spend@example.org');
    await insertMembership(ctx.db, { organisationId: spendOrg.id, userId: spendStaff.userId!, role: 'staff' });

    const code = a.memberCode!.toLowerCase().replace('-', ' ');
    const entry = randomUUID();
    const credits = await partners.issueCredits(ctx.db, earnStaff, earn.accountId, { id: entry, memberCode: code, minutes: 180, reason: 'Three hours sorting donations', category: 'community' });
    assert.equal(credits.kind, 'volunteering');
    assert.equal(credits.to, a.id);
    const replay = await partners.issueCredits(ctx.db, earnStaff, earn.accountId, { id: entry, memberCode: code, minutes: 180, reason: 'Three hours sorting donations', category: 'community' });
    assert.deepEqual([replay.id, replay.replayed, credits.replayed], [entry, true, false], 'the same entry again is a replay');
    assert.equal(await balance(ctx, a.id), 180);
    await rejects(partners.issueCredits(ctx.db, spendStaff, earn.accountId, { id: randomUUID(), memberCode: code, minutes: 60, reason: 'x' }), 'forbidden');
    await rejects(partners.issueCredits(ctx.db, earnStaff, earn.accountId, { id: randomUUID(), memberCode: 'ZZZZ-ZZZZ', minutes: 60, reason: 'x' }), 'validation_failed', /memberCode/);
    await rejects(partners.issueCredits(ctx.db, earnStaff, earn.accountId, { id: randomUUID(), memberCode: code, minutes: 421, reason: 'Beyond the limit' }), 'unprocessable', /420 available/);
    await rejects(partners.addActivity(ctx.db, spendStaff, earn.accountId, { title: 'Swim', minutes: 60 }), 'forbidden');

    const swim = await partners.addActivity(ctx.db, spendStaff, spend.accountId, { title: 'A swim session', minutes: 120 });
    assert.deepEqual((await partners.listActivities(ctx.db, bank.id)).map((x) => x.title), ['A swim session']);
    await rejects(partners.redeem(ctx.db, ann, swim.id, { id: randomUUID(), memberCode: a.memberCode }), 'forbidden', /staff/);
    const r1 = await partners.redeem(ctx.db, spendStaff, swim.id, { id: randomUUID(), memberCode: a.memberCode });
    assert.equal(r1.kind, 'redemption');
    assert.equal(r1.onBehalf, true);
    assert.equal(r1.minutes, 120);
    await rejects(partners.redeem(ctx.db, spendStaff, swim.id, { id: randomUUID(), memberCode: a.memberCode }), 'unprocessable', /60 available/);
    assert.equal(await balance(ctx, a.id), 60);
    const statement = await service.accountStatement(ctx.db, spendStaff, spend.accountId);
    assert.deepEqual(statement.postings.map((p) => [p.minutes, p.reason, p.kind]), [[120, 'A swim session', 'redemption']], 'the partner’s statement shows the redemption');
    await rejects(service.accountStatement(ctx.db, earnStaff, spend.accountId), 'forbidden');
    assert.equal((await service.getAccount(ctx.db, spendStaff, spend.accountId)).partnerRole, 'spend', 'a partner’s staff see its account');
    await partners.withdrawActivity(ctx.db, spendStaff, swim.id);
    await rejects(partners.redeem(ctx.db, spendStaff, swim.id, { id: randomUUID(), memberCode: a.memberCode }), 'not_found');
  });

  it('computes impact from the ledger: hours by category and month, first-time and returning people, retention; reversals and redemptions do not count', async () => {
    const { ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Impact Time Bank' });
    const people = [];
    for (const name of ['Ann', 'Bob', 'Cat', 'Dan']) {
      const p = await person(ctx, `${name.toLowerCase()}-impact@example.org`);
      people.push((await service.joinBank(ctx.db, p, bank.id, { name })).account);
    }
    const [ann, bob, cat, dan] = people as [typeof people[0], typeof people[0], typeof people[0], typeof people[0]];
    const row = async (month: string, from: string, to: string, minutes: number, category: string | null, kind = 'exchange', reverses: string | null = null) => {
      const id = randomUUID();
      const at = `${month}-15T12:00:00Z`;
      // History written straight into the ledger with a date in the past (the service always writes "now").
      await ctx.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO timebank_transfers (organisation_id, bank_id, id, from_account_id, to_account_id, minutes, reason, request_hash, reverses, recorded_via, on_behalf, kind, category, created_at)
                  VALUES (${bank.organisationId}, ${bank.id}, ${id}, ${from}, ${to}, ${minutes}, 'history', 'h', ${reverses}, 'system', true, ${kind}, ${category}, ${at})`.execute(trx);
        await sql`INSERT INTO timebank_postings (organisation_id, bank_id, transfer_id, account_id, minutes, created_at)
                  VALUES (${bank.organisationId}, ${bank.id}, ${id}, ${from}, ${-minutes}, ${at}), (${bank.organisationId}, ${bank.id}, ${id}, ${to}, ${minutes}, ${at})`.execute(trx);
        await sql`UPDATE timebank_accounts SET min_balance = NULL, balance = balance + CASE WHEN id = ${from} THEN ${-minutes}::bigint ELSE ${minutes}::bigint END WHERE id IN (${from}, ${to})`.execute(trx);
      });
      return id;
    };
    await row('2026-01', bank.issuerAccountId!, ann.id, 60, 'community', 'volunteering');
    await row('2026-01', ann.id, bob.id, 30, 'garden');
    await row('2026-02', bob.id, ann.id, 45, 'garden');
    await row('2026-02', cat.id, ann.id, 15, 'transport');
    const mistake = await row('2026-02', dan.id, cat.id, 600, 'transport');
    await row('2026-02', cat.id, dan.id, 600, 'transport', 'exchange', mistake);
    await row('2026-03', ann.id, bob.id, 20, null, 'transfer');
    await row('2026-03', bob.id, bank.issuerAccountId!, 50, null, 'redemption');

    const impact = await bankImpact(ctx.db, bank.id);
    assert.equal(impact.totals.minutes, 60 + 30 + 45 + 15 + 20);
    assert.equal(impact.totals.people, 3, 'Dan took part only in a reversed exchange');
    assert.deepEqual(impact.byCategory.map((c) => [c.category, c.minutes]), [['garden', 75], ['community', 60], [null, 20], ['transport', 15]]);
    assert.deepEqual(impact.byMonth.map((m) => [m.month, m.minutes, m.people, m.firstTime, m.returning, m.retainedFromPrevious, m.previous]), [
      ['2026-01', 90, 2, 2, 0, null, null],
      ['2026-02', 60, 3, 1, 2, 2, 2],
      ['2026-03', 20, 2, 0, 2, 2, 3],
    ]);
    assert.equal(impact.returningPeople, 2);
    assert.equal(impact.byDecile.find((d) => d.decile === null)!.minutes, 170, 'no areas given: all under "not known"');
    assert.equal((await checkLedger(ctx.db)).ok, true);
  });
});

eachEngine('timebank impact by deprivation decile and the API', (t) => {
  it('counts hours by the deprivation decile of the giver’s area through the places module', { timeout: 120_000 }, async () => {
    const { ctx } = t();
    const { readFile } = await import('node:fs/promises');
    const { importIod2019 } = await import('../places/places.service.ts');
    const { shippedDataset, SHIPPED } = await import('../places/places.demo.ts');
    await importIod2019(ctx.db, cliActor, { domains: await readFile(shippedDataset(SHIPPED.iod2019Domains)), population: await readFile(shippedDataset(SHIPPED.iod2019Population)) });
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Decile Time Bank' });
    // E01008427 is in the most deprived decile; E01008371 in the least deprived half (IoD2019).
    const poor = await service.addMember(ctx.db, cliActor, bank.id, { email: 'decile-a@example.org', name: 'A', areaCode: 'E01008427' });
    const other = await service.addMember(ctx.db, cliActor, bank.id, { email: 'decile-b@example.org', name: 'B', areaCode: 'E01008371' });
    const none = await service.addMember(ctx.db, cliActor, bank.id, { email: 'decile-c@example.org', name: 'C' });
    for (const [to, minutes] of [[poor.accountId, 90], [other.accountId, 30], [none.accountId, 15]] as const) {
      await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to, minutes, reason: 'Volunteering' });
    }
    const { decileOf } = await import('../places/places.service.ts');
    const otherDecile = (await decileOf(ctx.db, 'E01008371'))!;
    assert.equal(await decileOf(ctx.db, 'E01008427'), 1);
    assert.ok(otherDecile > 1);
    const impact = await bankImpact(ctx.db, bank.id);
    const at = (d: number | null) => impact.byDecile.find((x) => x.decile === d)!;
    assert.deepEqual([at(1).minutes, at(1).members], [90, 1]);
    assert.deepEqual([at(otherDecile).minutes, at(otherDecile).members], [30, 1]);
    assert.deepEqual([at(null).minutes, at(null).members], [15, 1]);
    assert.equal(impact.byDecile.reduce((s, d) => s + d.minutes, 0), impact.totals.minutes);
  });

  it('serves joining, listings, exchanges and impact over the API with their schemas', async () => {
    const { app, ctx } = t();
    const { userWithToken } = await import('../platform/testing.ts');
    const bank = await service.createBank(ctx.db, cliActor, { name: 'API Community Time Bank' });
    const ann = await userWithToken(ctx.db, 'ann-api@example.org');
    const bob = await userWithToken(ctx.db, 'bob-api@example.org');
    const post = (auth: { authorization: string }, url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: auth, payload: payload as Record<string, unknown> });
    const joined = await post(ann.auth, `/api/v1/timebank/banks/${bank.id}/join`, { name: 'Ann', areaCode: 'E01008427' });
    assert.equal(joined.statusCode, 201, joined.body);
    assert.equal(joined.json().status, 'active');
    assert.equal((await post(ann.auth, `/api/v1/timebank/banks/${bank.id}/join`, { name: 'Ann' })).statusCode, 200);
    const b = (await post(bob.auth, `/api/v1/timebank/banks/${bank.id}/join`, { name: 'Bob' })).json();
    await service.recordTransfer(ctx.db, cliActor, { id: randomUUID(), from: bank.issuerAccountId, to: b.id, minutes: 60, reason: 'Welcome' });
    const bad = await post(ann.auth, `/api/v1/timebank/banks/${bank.id}/listings`, { kind: 'offer', category: 'nonsense', title: 'x' });
    assert.equal(bad.statusCode, 400);
    const listing = await post(ann.auth, `/api/v1/timebank/banks/${bank.id}/listings`, { kind: 'offer', category: 'garden', title: 'Hedge trimming' });
    assert.equal(listing.statusCode, 201, listing.body);
    const search = await app.inject({ method: 'GET', url: `/api/v1/timebank/banks/${bank.id}/listings?q=hedge`, headers: bob.auth });
    assert.equal(search.json().total, 1);
    const outside = await app.inject({ method: 'GET', url: `/api/v1/timebank/banks/${bank.id}/listings` });
    assert.equal(outside.statusCode, 200, 'anyone sees what is offered');
    assert.equal(outside.json().insider, false);
    assert.deepEqual(outside.json().items.map((l: { title: string; accountName: string }) => [l.title, l.accountName]), [['Hedge trimming', '']], 'but not who');
    const id = randomUUID();
    const recorded = await post(bob.auth, '/api/v1/timebank/exchanges', { id, listingId: listing.json().id, minutes: 40, description: 'Trimmed the hedge' });
    assert.equal(recorded.statusCode, 201, recorded.body);
    assert.equal(recorded.json().status, 'pending');
    const [toAnn] = await listOutbox(ctx.db, { to: 'ann-api@example.org', limit: 10 });
    assert.ok(toAnn?.text.includes(`${ctx.config.baseUrl}/timebank/accounts/${joined.json().id}`), 'recorded over the API: the email links to the account page');
    assert.equal((await post(bob.auth, '/api/v1/timebank/exchanges', { id, listingId: listing.json().id, minutes: 40, description: 'Trimmed the hedge' })).statusCode, 200);
    assert.equal((await post(bob.auth, `/api/v1/timebank/exchanges/${id}/confirm`, {})).statusCode, 403);
    const confirmed = await post(ann.auth, `/api/v1/timebank/exchanges/${id}/confirm`, {});
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal(confirmed.json().transferId, id);
    const account = await app.inject({ method: 'GET', url: `/api/v1/timebank/accounts/${joined.json().id}`, headers: ann.auth });
    assert.equal(account.json().balance, 40);
    assert.match(account.json().memberCode, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const impact = await app.inject({ method: 'GET', url: `/api/v1/timebank/banks/${bank.id}/impact` });
    assert.equal(impact.statusCode, 200);
    assert.equal(impact.json().disclosure, 'public');
    assert.equal(impact.json().totals.people, null, 'two people: fewer than 5');
    assert.equal(impact.json().totals.suppressed.people, 'fewer-than-5');
    assert.equal(impact.json().totals.minutes, null);
    assert.deepEqual(impact.json().byCategory.map((c: { category: string | null }) => c.category), [null, 'garden']);
    assert.equal((await app.inject({ method: 'GET', url: `/api/v1/timebank/banks/${bank.id}/impact?view=exact`, headers: ann.auth })).statusCode, 403);
    const openapi = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const path of ['/api/v1/timebank/exchanges', '/api/v1/timebank/banks/{id}/impact', '/api/v1/timebank/activities/{id}/redeem', '/api/v1/timebank/accounts/{id}/suspend']) {
      assert.ok(openapi.paths[path], `${path} is documented`);
    }
  });
});

/** A transfer written straight into the ledger with a date in the past (the service always writes "now"). */
async function historyRow(ctx: AppContext, bank: { organisationId: string; id: string }, month: string, from: string, to: string, minutes: number, category: string) {
  const id = randomUUID();
  const at = `${month}-15T12:00:00Z`;
  await ctx.db.transaction().execute(async (trx) => {
    await sql`INSERT INTO timebank_transfers (organisation_id, bank_id, id, from_account_id, to_account_id, minutes, reason, request_hash, reverses, recorded_via, on_behalf, kind, category, created_at)
              VALUES (${bank.organisationId}, ${bank.id}, ${id}, ${from}, ${to}, ${minutes}, 'history', 'h', NULL, 'system', true, 'exchange', ${category}, ${at})`.execute(trx);
    await sql`INSERT INTO timebank_postings (organisation_id, bank_id, transfer_id, account_id, minutes, created_at)
              VALUES (${bank.organisationId}, ${bank.id}, ${id}, ${from}, ${-minutes}, ${at}), (${bank.organisationId}, ${bank.id}, ${id}, ${to}, ${minutes}, ${at})`.execute(trx);
    await sql`UPDATE timebank_accounts SET min_balance = NULL, balance = balance + CASE WHEN id = ${from} THEN ${-minutes}::bigint ELSE ${minutes}::bigint END WHERE id IN (${from}, ${to})`.execute(trx);
  });
}

/** Every count of people in a release: none may be from 1 to 4 in the public one. */
function peopleCounts(r: ReturnType<typeof releaseImpact>): (number | null)[] {
  return [r.totals.people, r.returningPeople, ...r.byMonth.flatMap((m) => [m.people, m.firstTime, m.returning, m.retainedFromPrevious, m.previous]), ...r.byDecile.map((d) => d.members)];
}

eachEngine('timebank impact: small counts are not published', (t) => {
  it('hides counts of 1–4 people and what would reveal them from the public (page, CSV, API); coordinators see exact figures marked not for publication', async () => {
    const { ctx, app } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Small Counts Time Bank' });
    const coordinator = await person(ctx, 'coord-sdc@example.org');
    await insertMembership(ctx.db, { organisationId: bank.organisationId, userId: coordinator.userId!, role: 'coordinator' });
    const { tokenFor } = await import('./timebank.test-support.ts');
    const coordinatorAuth = await tokenFor(ctx, coordinator.userId!);
    const m: string[] = [];
    for (let i = 0; i < 7; i++) m.push((await service.addMember(ctx.db, cliActor, bank.id, { email: `m${i}-sdc@example.org`, name: `M${i}` })).accountId);
    const [m0, m1, m2, m3, m4, m5, m6] = m as [string, string, string, string, string, string, string];
    // January: six people, all first-time. February: two people. March: the six again and one newcomer.
    for (const [from, to] of [[m0, m1], [m2, m3], [m4, m5]]) await historyRow(ctx, bank, '2026-01', from!, to!, 60, 'garden');
    await historyRow(ctx, bank, '2026-02', m0, m1, 30, 'garden');
    for (const [from, to] of [[m0, m1], [m2, m3], [m4, m5], [m6, m0], [m1, m2]]) await historyRow(ctx, bank, '2026-03', from!, to!, 20, 'company');

    const exact = await bankImpact(ctx.db, bank.id);
    assert.deepEqual(exact.byMonth.map((x) => [x.month, x.people, x.firstTime, x.returning, x.retainedFromPrevious, x.previous]), [
      ['2026-01', 6, 6, 0, null, null], ['2026-02', 2, 0, 2, 2, 6], ['2026-03', 7, 1, 6, 2, 2],
    ]);
    const pub = releaseImpact(exact, 'public');
    const [jan, feb, mar] = pub.byMonth as [typeof pub.byMonth[0], typeof pub.byMonth[0], typeof pub.byMonth[0]];
    assert.equal(pub.totals.people, 7);
    assert.equal(pub.totals.minutes, 180 + 30 + 100);
    // February: two people, so its people, returning, time and exchanges are hidden; and the smallest other month's time too, March's (else total − January − March = February).
    assert.deepEqual([feb.people, feb.returning, feb.minutes, feb.transfers, feb.firstTime], [null, null, null, null, 0]);
    assert.deepEqual(feb.suppressed, { people: 'fewer-than-5', returning: 'fewer-than-5', minutes: 'secondary', transfers: 'secondary', retainedFromPrevious: 'fewer-than-5' });
    assert.deepEqual([jan.minutes, mar.minutes, mar.suppressed.minutes, mar.transfers], [180, null, 'secondary', null]);
    // March: one newcomer. Returning is hidden too (people − returning), and January's first-timers (the first-timers add up to the total of people).
    assert.deepEqual([mar.people, mar.firstTime, mar.returning, mar.previous, mar.retainedFromPrevious], [7, null, null, null, null]);
    assert.deepEqual([mar.suppressed.firstTime, mar.suppressed.returning, mar.suppressed.previous], ['fewer-than-5', 'secondary', 'fewer-than-5']);
    assert.deepEqual([jan.people, jan.firstTime, jan.suppressed.firstTime], [6, null, 'secondary']);
    assert.equal(feb.previous, 6);
    for (const n of peopleCounts(pub)) assert.ok(n === null || n === 0 || n >= 5, `a published count of ${n}`);
    assert.equal(pub.returningPeople, 6);
    assert.deepEqual(pub.byDecile.find((d) => d.decile === null), { decile: null, label: 'Area not known', minutes: 310, members: 5, suppressed: {} });
    const ex = releaseImpact(exact, 'exact');
    assert.deepEqual([ex.byMonth[1]!.people, ex.byMonth[1]!.suppressed.people, ex.disclosure], [2, 'fewer-than-5', 'exact']);

    // The API: public by default, exact for coordinators who ask (403 for anyone else).
    const api = await app.inject({ method: 'GET', url: `/api/v1/timebank/banks/${bank.id}/impact` });
    assert.equal(api.statusCode, 200, api.body);
    assert.deepEqual(api.json().byMonth[1], feb);
    assert.equal((await app.inject({ method: 'GET', url: `/api/v1/timebank/banks/${bank.id}/impact?view=exact` })).statusCode, 403);
    const apiExact = await app.inject({ method: 'GET', url: `/api/v1/timebank/banks/${bank.id}/impact?view=exact`, headers: coordinatorAuth });
    assert.equal(apiExact.json().byMonth[1].people, 2);
    assert.equal(apiExact.json().disclosure, 'exact');

    // The page and CSV: "fewer than 5", no bar for a hidden figure, a note saying what is left out.
    const page = await app.inject({ method: 'GET', url: `/timebank/banks/${bank.id}/impact` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /310 minutes|5 hours 10 minutes/);
    assert.match(page.body, /fewer than 5/);
    assert.match(page.body, /Left out of the chart, to protect the people counted: February 2026, March 2026\./);
    const monthChart = /<svg[^>]+id="chart-month"[\s\S]*?<\/svg>/.exec(page.body)![0];
    assert.doesNotMatch(monthChart, /February 2026|March 2026/);
    assert.match(monthChart, /January 2026/);
    assert.doesNotMatch(page.body, /id="chart-people"/, 'every month has a hidden first-time or returning figure');
    const csv = (await app.inject({ method: 'GET', url: `/timebank/banks/${bank.id}/impact.csv` })).body;
    assert.match(csv, /\r\npeople_by_month,2026-02,<5\r\n/);
    assert.match(csv, /\r\nminutes_by_month,2026-02,\[c\]\r\n/);
    assert.match(csv, /\r\nfirst_time_by_month,2026-01,\[c\]\r\n/);
    assert.match(csv, /\r\nminutes_by_month,2026-03,\[c\]\r\n/);
    assert.match(csv, /\r\ntotal_people,,7\r\n/);
    const exactCsv = (await app.inject({ method: 'GET', url: `/timebank/banks/${bank.id}/impact.csv?view=exact`, headers: coordinatorAuth })).body;
    assert.match(exactCsv, /\r\npeople_by_month,2026-02,2,do not publish: fewer than 5 people\r\n/);
    assert.match(exactCsv, /\r\nminutes_by_month,2026-01,180,publish\r\n/);
    assert.match(exactCsv, /\r\nminutes_by_month,2026-03,100,do not publish: would reveal a figure of fewer than 5 people\r\n/);
  });

  it('hides every figure of a bank with fewer than 5 people, categories too (they add up to the total)', () => {
    const tiny: ImpactView = {
      bank: { id: 'b', name: 'Tiny' }, totals: { minutes: 90, transfers: 2, people: 3 },
      byCategory: [{ category: 'garden', label: 'Gardening', minutes: 90, transfers: 2 }],
      byMonth: [{ month: '2026-01', minutes: 90, transfers: 2, people: 3, firstTime: 3, returning: 0, retainedFromPrevious: null, previous: null }],
      returningPeople: 0,
      byDecile: [{ decile: 1, label: '1 (most deprived 10%)', minutes: 60, members: 1 }, { decile: null, label: 'Area not known', minutes: 30, members: 1 }],
    };
    const r = releaseImpact(tiny, 'public');
    assert.deepEqual([r.totals.people, r.totals.minutes, r.totals.transfers], [null, null, null]);
    assert.deepEqual([r.byCategory[0]!.minutes, r.byCategory[0]!.transfers], [null, null]);
    assert.deepEqual([r.byMonth[0]!.people, r.byMonth[0]!.firstTime, r.byMonth[0]!.returning, r.byMonth[0]!.minutes], [null, null, 0, null]);
    assert.deepEqual(r.byDecile.map((d) => [d.members, d.minutes]), [[null, null], [null, null]]);
    assert.equal(r.returningPeople, 0, 'zero identifies nobody');
    // One decile of 1 beside a large one: the large one's time is hidden too (else total − it = the small one).
    const mixed = releaseImpact({ ...tiny, totals: { minutes: 1000, transfers: 20, people: 12 }, byMonth: [], byCategory: [], returningPeople: 6,
      byDecile: [{ decile: 1, label: '1', minutes: 60, members: 1 }, { decile: 5, label: '5', minutes: 900, members: 9 }, { decile: null, label: 'Area not known', minutes: 40, members: 2 }] }, 'public');
    assert.deepEqual(mixed.byDecile.map((d) => [d.members, d.minutes]), [[null, null], [9, 900], [null, null]], 'two hidden already: nothing more');
    const lone = releaseImpact({ ...tiny, totals: { minutes: 1000, transfers: 20, people: 12 }, byMonth: [], byCategory: [], returningPeople: 6,
      byDecile: [{ decile: 1, label: '1', minutes: 60, members: 1 }, { decile: 5, label: '5', minutes: 900, members: 9 }, { decile: 7, label: '7', minutes: 40, members: 6 }] }, 'public');
    assert.deepEqual(lone.byDecile.map((d) => [d.members, d.minutes]), [[null, null], [9, 900], [6, null]], 'the smallest other decile’s time is hidden');
    assert.equal(lone.byDecile[2]!.suppressed.minutes, 'secondary');
  });
});
