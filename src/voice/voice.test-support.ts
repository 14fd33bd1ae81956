// Shared set-up for voice tests: a small synthetic England (Newcastle upon Tyne and Gateshead, three LSOAs
// each) loaded through the places module, two councils, a moderating organisation and people in each role.
import { gzipSync } from 'node:zlib';
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember, createOrganisation } from '../organisations/organisations.service.ts';
import { verifiedPublicBody } from '../organisations/organisations.test-support.ts';
import { importIod2019 } from '../places/places.service.ts';
import { FILE2_HEADER, FILE6_HEADER } from '../places/places.test-data.ts';
import { forgetLocalAuthorities } from './voice.places.ts';
import * as service from './voice.service.ts';

export const NEWCASTLE = 'E08000021';
export const GATESHEAD = 'E08000037';
export const password = 'a long enough password';

const lsoas = [
  ['E01008300', 'Newcastle upon Tyne 001A', NEWCASTLE, 'Newcastle upon Tyne'], ['E01008301', 'Newcastle upon Tyne 001B', NEWCASTLE, 'Newcastle upon Tyne'],
  ['E01008302', 'Newcastle upon Tyne 002A', NEWCASTLE, 'Newcastle upon Tyne'], ['E01008160', 'Gateshead 001A', GATESHEAD, 'Gateshead'],
  ['E01008161', 'Gateshead 001B', GATESHEAD, 'Gateshead'], ['E01008162', 'Gateshead 002A', GATESHEAD, 'Gateshead'],
] as const;

/** The two IoD2019 files (File 2 gzipped, File 6 plain) for the synthetic England. */
export function placesFiles(): { domains: Buffer; population: Buffer } {
  const domains = [FILE2_HEADER, ...lsoas.map(([c, n, l, ln], i) => `${c},${n},${l},${ln},${i + 1},${i + 1},${Array(7).fill(i + 1).join(',')}`)].join('\n');
  const population = [FILE6_HEADER, ...lsoas.map(([c, n, l, ln]) => `${c},${n},${l},${ln},1500`)].join('\n');
  return { domains: gzipSync(Buffer.from(domains)), population: Buffer.from(population) };
}

export async function loadPlaces(ctx: AppContext): Promise<void> {
  await importIod2019(ctx.db, cliActor, placesFiles());
  forgetLocalAuthorities(ctx.db);
}

const asActor = (userId: string): Actor => ({ userId, tokenId: null, isAdmin: false, via: 'session' });

/** Everything most voice tests need; `tag` keeps names unique when one database serves several tests. */
export async function voiceWorld(ctx: AppContext, tag: string) {
  const db = ctx.db;
  const user = async (key: string) => registerUser(db, cliActor, { email: `${key}.${tag}@example.org`, name: `${key} ${tag}`, password });
  const newcastle = await verifiedPublicBody(db, `Newcastle Council ${tag}`);
  const gateshead = await verifiedPublicBody(db, `Gateshead Council ${tag}`);
  const moderating = await createOrganisation(db, cliActor, { name: `Moderators ${tag}`, legalForm: 'community-group' });
  await service.setModeratingOrganisation(db, cliActor, moderating.id);
  const people = {
    moderator: await user('moderator'), newcastleStaff: await user('ncl-staff'), gatesheadStaff: await user('gat-staff'),
    outsider: await user('outsider'), newcastleModerator: await user('ncl-moderator'),
  };
  await addMember(db, cliActor, moderating.id, { email: people.moderator.email, role: 'moderator' });
  await addMember(db, cliActor, newcastle.id, { email: people.newcastleStaff.email, role: 'staff' });
  await addMember(db, cliActor, gateshead.id, { email: people.gatesheadStaff.email, role: 'staff' });
  // A moderator of the council itself is not a voice moderator: only the moderating organisation's are.
  await addMember(db, cliActor, newcastle.id, { email: people.newcastleModerator.email, role: 'moderator' });
  const homeCare = await service.createService(db, asActor(people.newcastleStaff.id), { organisation: newcastle.id, name: 'Home care', decisionType: 'involvement', areas: [NEWCASTLE] });
  const bins = await service.createService(db, asActor(people.newcastleStaff.id), { organisation: newcastle.id, name: 'Bins', decisionType: 'technical', areas: ['E01008301'] });
  const libraries = await service.createService(db, asActor(people.gatesheadStaff.id), { organisation: gateshead.id, name: 'Libraries', decisionType: 'involvement', areas: [GATESHEAD] });
  return {
    newcastle, gateshead, moderating, people, services: { homeCare, bins, libraries },
    actors: Object.fromEntries(Object.entries(people).map(([k, u]) => [k, asActor(u.id)])) as Record<keyof typeof people, Actor>,
  };
}

export const baseUrl = 'http://localhost:3000';
