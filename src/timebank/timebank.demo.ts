import type { AppContext } from '../platform/module.ts';
import { systemActor } from '../platform/actor.ts';
import { inTransaction } from '../platform/transaction.ts';
import type { Db } from '../platform/db.ts';
import { createOrganisation, findOrganisation } from '../organisations/organisations.service.ts';
import * as repo from './timebank.repository.ts';
import * as service from './timebank.service.ts';

const organisationName = 'Heaton Neighbours Time Bank';
const description = 'A demonstration community group in Newcastle upon Tyne. Its members and exchanges are made up, to show how a time bank works; they describe no real people.';

/** Made-up members (example.org addresses); `minBalance` lets a member give before they have earned. */
const members = [
  { key: 'amira', name: 'Amira Haddad', minBalance: -120 },
  { key: 'dennis', name: 'Dennis Robson', minBalance: 0 },
  { key: 'joan', name: 'Joan Armstrong', minBalance: -120 },
  { key: 'kofi', name: 'Kofi Mensah', minBalance: 0 },
  { key: 'sian', name: 'Siân Pryce', minBalance: -60 },
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
  return inTransaction(ctx.db, (trx) => seed(trx));
}

async function seed(db: Db): Promise<boolean> {
  const org = (await findOrganisation(db, 'heaton-neighbours-time-bank'))
    ?? (await createOrganisation(db, systemActor, { name: organisationName, legalForm: 'community-group', locality: 'Newcastle upon Tyne', description }));
  const existing = await repo.findBankByName(db, org.id, organisationName);
  if (existing) return false;
  const bank = await service.createBank(db, systemActor, { name: organisationName, organisation: org.id });
  const accounts = new Map<Key, string>([['issuer', bank.issuerAccountId!]]);
  for (const m of members) {
    const added = await service.addMember(db, systemActor, bank.id, { email: `${m.key}.demo@example.org`, name: m.name, minBalance: m.minBalance });
    accounts.set(m.key, added.accountId);
  }
  for (const e of exchanges) {
    await service.recordTransfer(db, systemActor, { id: e.id, from: accounts.get(e.from), to: accounts.get(e.to), minutes: e.minutes, reason: e.reason });
  }
  await service.reverseTransfer(db, systemActor, reversal.of, { id: reversal.id, reason: reversal.reason });
  return true;
}
