import type { AppContext } from '../platform/module.ts';
import { systemActor } from '../platform/actor.ts';
import { inTransaction } from '../platform/transaction.ts';
import type { Db } from '../platform/db.ts';
import { createOrganisation, findOrganisation } from '../organisations/organisations.service.ts';
import * as repo from './timebank.repository.ts';
import * as service from './timebank.service.ts';
import * as community from './timebank.exchanges.ts';
import * as partners from './timebank.partners.ts';
import * as store from './timebank.exchanges.repository.ts';
import type { Actor } from '../platform/actor.ts';
import { findUserByEmail, registerUser } from '../platform/auth/auth.service.ts';

const organisationName = 'Heaton Neighbours Time Bank';
const description = 'A demonstration community group in Newcastle upon Tyne. Its members and exchanges are made up, to show how a time bank works; they describe no real people.';

/** Made-up members (example.org addresses); `minBalance` lets a member give before they have earned. */
/** Areas are real Newcastle LSOAs of different deprivation deciles, given to invented people, for the impact page. */
const members = [
  { key: 'amira', name: 'Amira Haddad', minBalance: -120, area: 'E01008427' },
  { key: 'dennis', name: 'Dennis Robson', minBalance: 0, area: 'E01008325' },
  { key: 'joan', name: 'Joan Armstrong', minBalance: -120, area: 'E01008406' },
  { key: 'kofi', name: 'Kofi Mensah', minBalance: 0, area: 'E01008449' },
  { key: 'sian', name: 'Siân Pryce', minBalance: -60, area: 'E01008315' },
] as const;

type Key = (typeof members)[number]['key'] | 'issuer';

/** Exchanges with fixed ids: seeding again replays them and changes nothing. */
const exchanges: { id: string; from: Key; to: Key; minutes: number; reason: string; reverse?: string }[] = [
  { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0001', from: 'issuer', to: 'amira', minutes: 180, reason: 'Credits for helping at the community café' },
  { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0002', from: 'issuer', to: 'kofi', minutes: 120, reason: 'Credits for the Ouseburn litter pick' },
  { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0003', from: 'amira', to: 'dennis', minutes: 60, reason: 'Lift to the eye clinic and back' },
  { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0004', from: 'joan', to: 'kofi', minutes: 90, reason: 'Help setting up a new phone' },
  { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0005', from: 'kofi', to: 'sian', minutes: 45, reason: 'Conversation practice in Welsh' },
  { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0006', from: 'dennis', to: 'joan', minutes: 30, reason: 'Watering the allotment' },
  { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0007', from: 'issuer', to: 'sian', minutes: 60, reason: 'Recorded against the wrong member' },
];
const reversal = { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0008', of: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0007', reason: 'Recorded against the wrong member: Siân did not take part that day' };

/** A small made-up time bank for a Newcastle community group, with a few exchanges and one reversal. */
export async function seedTimebank(ctx: AppContext): Promise<boolean> {
  // One transaction: a seed that fails half-way leaves nothing behind to be mistaken for a finished one.
  return inTransaction(ctx.db, (trx) => seed(trx, { baseUrl: ctx.config.baseUrl }));
}

async function seed(db: Db, emails: { baseUrl: string }): Promise<boolean> {
  const org = (await findOrganisation(db, 'heaton-neighbours-time-bank'))
    ?? (await createOrganisation(db, systemActor, { name: organisationName, legalForm: 'community-group', locality: 'Newcastle upon Tyne', description }));
  const existing = await repo.findBankByName(db, org.id, organisationName);
  if (existing) return seedCommunity(db, existing.id, emails);
  const bank = await service.createBank(db, systemActor, { name: organisationName, organisation: org.id });
  const accounts = new Map<Key, string>([['issuer', bank.issuerAccountId!]]);
  for (const m of members) {
    const added = await service.addMember(db, systemActor, bank.id, { email: `${m.key}.demo@example.org`, name: m.name, minBalance: m.minBalance, areaCode: m.area });
    accounts.set(m.key, added.accountId);
  }
  for (const e of exchanges) {
    await service.recordTransfer(db, systemActor, { id: e.id, from: accounts.get(e.from), to: accounts.get(e.to), minutes: e.minutes, reason: e.reason });
  }
  await service.reverseTransfer(db, systemActor, reversal.of, { id: reversal.id, reason: reversal.reason });
  await seedCommunity(db, bank.id, emails);
  return true;
}

const example = 'An example for the demonstration: made up, not a real offer.';

/**
 * The community side of the demo bank: offers and requests, exchanges confirmed by the other side (one still
 * waiting), one recorded by a coordinator, an earn partner and a spend partner (invented organisations) with
 * credits given and redeemed, and a newcomer waiting for approval. Runs once: it stops if the bank has listings.
 */
async function seedCommunity(db: Db, bankId: string, emails: { baseUrl: string }): Promise<boolean> {
  const bank = (await repo.findBank(db, bankId))!;
  if (await store.bankHasListings(db, bank)) return false;
  const accounts = new Map((await repo.listAccounts(db, bank)).filter((a) => a.user_id).map((a) => [a.name, a]));
  const person = (name: string) => accounts.get(name)!;
  const as = (name: string): Actor => ({ userId: person(name).user_id, tokenId: null, isAdmin: false, via: 'system' });
  const listings = [
    { who: 'Amira Haddad', kind: 'offer', category: 'transport', title: 'Lifts to hospital and GP appointments', area: 'Heaton' },
    { who: 'Joan Armstrong', kind: 'offer', category: 'technology', title: 'Help with phones, tablets and video calls', area: 'Heaton' },
    { who: 'Kofi Mensah', kind: 'offer', category: 'garden', title: 'A hand on your allotment or garden', area: 'Byker' },
    { who: 'Dennis Robson', kind: 'request', category: 'company', title: 'Someone to walk with in Heaton Park', area: 'Heaton' },
    { who: 'Siân Pryce', kind: 'request', category: 'practical', title: 'Help filling in forms', area: 'Walker' },
  ] as const;
  const ids = new Map<string, string>();
  for (const l of listings) {
    const view = await community.createListing(db, as(l.who), bank.id, { kind: l.kind, category: l.category, title: l.title, area: l.area, description: example });
    ids.set(l.title, view.id);
  }
  // Dennis records Joan's help from her offer; Joan confirms it.
  await community.recordExchange(db, as('Dennis Robson'), { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0101', listingId: ids.get(listings[1].title), minutes: 30, description: 'Set up video calls with family' }, emails);
  await community.decideExchange(db, as('Joan Armstrong'), '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0101', 'confirm', emails);
  // Amira records Kofi's allotment help: it waits for Kofi to confirm.
  await community.recordExchange(db, as('Amira Haddad'), { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0102', listingId: ids.get(listings[2].title), minutes: 90, description: 'Digging over two beds' }, emails);
  // A coordinator records one for two members who do not use the website.
  await community.recordExchange(db, systemActor, { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0103', bankId: bank.id, provider: person('Siân Pryce').id, receiver: person('Amira Haddad').id, minutes: 30, category: 'company', description: 'Company at the Tuesday coffee morning' }, emails);

  // Organisational credits, with invented partner organisations.
  const partner = async (name: string, role: 'earn' | 'spend', minBalance: number) => {
    const org = (await findOrganisation(db, name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')))
      ?? (await createOrganisation(db, systemActor, { name, legalForm: 'community-group', locality: 'Newcastle upon Tyne', description: 'A made-up organisation for the demonstration time bank; it does not exist.' }));
    return (await service.addPartner(db, systemActor, bank.id, { organisation: org.id, role, minBalance })).accountId;
  };
  const pantry = await partner('Example Community Pantry (demonstration)', 'earn', -6000);
  const leisure = await partner('Example Leisure Centre (demonstration)', 'spend', 0);
  await partners.issueCredits(db, systemActor, pantry, { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0111', memberCode: person('Amira Haddad').member_code, minutes: 120, reason: 'Two hours sorting donations', category: 'community' });
  await partners.issueCredits(db, systemActor, pantry, { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0112', memberCode: person('Joan Armstrong').member_code, minutes: 90, reason: 'Running the Saturday stall', category: 'food' });
  const swim = await partners.addActivity(db, systemActor, leisure, { title: 'A swim session', minutes: 60, description: 'An example activity for the demonstration.' });
  await partners.addActivity(db, systemActor, leisure, { title: 'A gym induction', minutes: 120, description: 'An example activity for the demonstration.' });
  await partners.redeem(db, systemActor, swim.id, { id: '6d1f0c55-3a52-4c8e-9f0b-1a7e2b9d0121', memberCode: person('Amira Haddad').member_code });

  // New members now wait for a coordinator; one newcomer is waiting.
  await service.setRequiresApproval(db, systemActor, bank.id, true);
  const newcomer = (await findUserByEmail(db, 'tom.demo@example.org')) ?? (await registerUser(db, systemActor, { email: 'tom.demo@example.org', name: 'Tom Ellison', password: null }));
  await service.joinBank(db, { userId: newcomer.id, tokenId: null, isAdmin: false, via: 'system' }, bank.id, { name: 'Tom Ellison', areaCode: 'E01008371' });
  return true;
}
