// Shared set-up for peer review, comparison and flag tests: a peer group of involvement services, a peer
// reviewer organisation registered for that kind, one that is not, a commissioning council, and people in
// every role. Stories are written straight into voice's tables in bulk (test data only: thousands of published,
// rated stories through the moderation journey would take minutes), with the author's postcode when asked.
import { sql } from 'kysely';
import type { AppContext } from '../platform/module.ts';
import type { Db } from '../platform/db.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { addMember, createOrganisation } from '../organisations/organisations.service.ts';
import { verifiedPublicBody } from '../organisations/organisations.test-support.ts';
import { importPostcodes } from '../places/places.lookups.ts';
import * as voice from '../voice/voice.service.ts';
import { refreshStoryAnswers } from '../voice/voice.repository.ts';
import { loadPlaces, NEWCASTLE } from '../voice/voice.test-support.ts';
import * as review from './scorecards.peer-review.ts';
import { registerPeerReviewer } from './scorecards.peer-review.ts';
import { recomputeFlags } from './scorecards.flags.ts';

export const baseUrl = 'http://localhost:3000';
export const asActor = (userId: string): Actor => ({ userId, tokenId: null, isAdmin: false, via: 'session' });

const NSPL_HEADER = 'pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa11,cty,ced,laua,ward,hlthau,nhser,ctry,rgn,pcon,eer,teclec,ttwa,pct,itl,park,lsoa11,msoa11';
const nsplRow = (pcds: string, lsoa: string, la: string) =>
  `"${pcds.replace(' ', '')}","${pcds}","${pcds}","198001","","0","439867","0557268","1","E00170202","E11000007","E99999999","${la}","E05001158","E18000001","E40000009","E92000001","E12000001","E14000982","E15000001","E24000018","E30000275","E16000052","${la}","E99999999","${lsoa}","E02001803"`;
/** Two postcodes: one in the synthetic England's most deprived small area (decile 1), one in a less deprived one. */
export const DEPRIVED_POSTCODE = 'NE1 1AA';
export const AFFLUENT_POSTCODE = 'NE1 1AB';

/** Writes `rated` published stories about a service in `year`, `positive` of them very good, the rest poor; `answered` of them answered. */
export async function seedStories(db: Db, s: { serviceId: string; organisationId: string; year: number; rated: number; positive: number; answered?: number; postcode?: string | null }): Promise<void> {
  if (s.rated <= 0) return;
  const at = new Date(Date.UTC(s.year, 5, 1));
  const ids = await sql<{ id: string }>`
    INSERT INTO voice_stories (title, body, pseudonym, status, published_at, submitted_at, fft_rating, author_postcode, example)
    SELECT 'Seeded story ' || g, 'How it went.', 'Seeded', 'published', ${at}, ${at}, CASE WHEN g <= ${s.positive} THEN 'very-good' ELSE 'poor' END, ${s.postcode ?? null}, false
      FROM generate_series(1, ${s.rated}) g RETURNING id`.execute(db);
  await sql`INSERT INTO voice_story_services (organisation_id, service_id, story_id) SELECT ${s.organisationId}, ${s.serviceId}, x FROM unnest(${sql.val(ids.rows.map((r) => r.id))}::uuid[]) x`.execute(db);
  const answered = ids.rows.slice(0, s.answered ?? 0).map((r) => r.id);
  if (answered.length) {
    await sql`INSERT INTO voice_responses (organisation_id, story_id, responder_name, body, status, created_at, published_at)
      SELECT ${s.organisationId}, x, 'Seeded', 'Thank you.', 'published', ${at}, ${at} FROM unnest(${sql.val(answered)}::uuid[]) x`.execute(db);
    await refreshStoryAnswers(db, answered.map((storyId) => ({ organisationId: s.organisationId, storyId })));
  }
}

/** Everything most of these tests need; `tag` keeps names unique when one database serves several tests. */
export async function peerWorld(ctx: AppContext, tag: string, options: { places?: boolean } = {}) {
  const db = ctx.db;
  if (options.places !== false) {
    await loadPlaces(ctx);
    await importPostcodes(ctx, cliActor, { bytes: Buffer.from([NSPL_HEADER, nsplRow(DEPRIVED_POSTCODE, 'E01008300', NEWCASTLE), nsplRow(AFFLUENT_POSTCODE, 'E01008302', NEWCASTLE)].join('\n')) });
  }
  const user = async (key: string) => registerUser(db, cliActor, { email: `${key}.${tag}@example.org`, name: `${key} ${tag}`, password: 'a long enough password' });
  const council = await verifiedPublicBody(db, `Commissioning Council ${tag}`);
  const provider = await createOrganisation(db, cliActor, { name: `Care Provider ${tag}`, legalForm: 'registered-charity' });
  const others = await createOrganisation(db, cliActor, { name: `Other Providers ${tag}`, legalForm: 'registered-charity' });
  const reviewers = await createOrganisation(db, cliActor, { name: `Peer Reviewers ${tag}`, legalForm: 'registered-charity' });
  const unregistered = await createOrganisation(db, cliActor, { name: `Not Registered ${tag}`, legalForm: 'registered-charity' });
  await registerPeerReviewer(db, cliActor, { organisation: reviewers.id, kind: 'involvement' });
  const people = {
    providerStaff: await user('provider-staff'), otherStaff: await user('other-staff'), commissioner: await user('commissioner'),
    lead: await user('lead-reviewer'), second: await user('second-reviewer'), insider: await user('insider'), outOfScope: await user('out-of-scope'), outsider: await user('outsider'),
  };
  await addMember(db, cliActor, provider.id, { email: people.providerStaff.email, role: 'staff' });
  await addMember(db, cliActor, others.id, { email: people.otherStaff.email, role: 'staff' });
  await addMember(db, cliActor, council.id, { email: people.commissioner.email, role: 'commissioner' });
  await addMember(db, cliActor, reviewers.id, { email: people.lead.email, role: 'staff' });
  await addMember(db, cliActor, reviewers.id, { email: people.second.email, role: 'staff' });
  // The insider is in the reviewing organisation AND on the provider's staff: never a reviewer of its services.
  await addMember(db, cliActor, reviewers.id, { email: people.insider.email, role: 'staff' });
  await addMember(db, cliActor, provider.id, { email: people.insider.email, role: 'staff' });
  await addMember(db, cliActor, unregistered.id, { email: people.outOfScope.email, role: 'staff' });
  const actors = Object.fromEntries(Object.entries(people).map(([k, u]) => [k, asActor(u.id)])) as Record<keyof typeof people, Actor>;
  const service = (org: string, by: Actor, name: string, decisionType = 'involvement') => voice.createService(db, by, { organisation: org, name, decisionType, areas: [NEWCASTLE] });
  const poor = await service(provider.id, actors.providerStaff, `Poor home care ${tag}`);
  const small = await service(provider.id, actors.providerStaff, `Small day centre ${tag}`);
  const technical = await service(provider.id, actors.providerStaff, `Bins ${tag}`, 'technical');
  const peers = [];
  for (let i = 1; i <= 8; i++) peers.push(await service(others.id, actors.otherStaff, `Peer service ${i} ${tag}`));
  return { council, provider, others, reviewers, unregistered, people, actors, services: { poor, small, technical, peers } };
}

export type PeerWorld = Awaited<ReturnType<typeof peerWorld>>;

/**
 * Two years of a peer group: eight ordinary services at 75–86% positive out of 200, a large one at 55% of 300
 * (consistently poor) and a small one at 3 of 6 (the lowest figure, but noise). Returns the years.
 */
export async function seedPeerGroup(db: Db, w: PeerWorld, years: number[]): Promise<void> {
  for (const year of years) {
    for (const [i, s] of w.services.peers.entries()) await seedStories(db, { serviceId: s.id, organisationId: s.organisationId, year, rated: 200, positive: 150 + i * 3, answered: 150 });
    await seedStories(db, { serviceId: w.services.poor.id, organisationId: w.services.poor.organisationId, year, rated: 300, positive: 165, answered: 240 });
    await seedStories(db, { serviceId: w.services.small.id, organisationId: w.services.small.organisationId, year, rated: 6, positive: 3, answered: 3 });
  }
  // The flags are stored by the recompute (as the nightly `commonweal scorecards recompute` does).
  await recomputeFlags(db, years.map(String));
}

/**
 * For the authorisation matrix: a peer group with a flagged service (2024 and 2025), a registered reviewer
 * organisation, and one review at each step, so every peer review and flag route has a job waiting.
 */
export async function peerReviewMatrix(ctx: AppContext, x: { providerId: string; providerAdmin: Actor; commissioner: Actor; reviewerOrgId: string; reviewer: Actor }) {
  const db = ctx.db;
  await registerPeerReviewer(db, cliActor, { organisation: x.reviewerOrgId, kind: 'involvement' });
  const make = (name: string) => voice.createService(db, x.providerAdmin, { organisation: x.providerId, name, decisionType: 'involvement', areas: [NEWCASTLE] });
  const poor = await make('Matrix poor service');
  const peers = [];
  for (let i = 1; i <= 9; i++) peers.push(await make(`Matrix peer service ${i}`));
  for (const year of [2024, 2025]) {
    for (const [i, s] of peers.entries()) await seedStories(db, { serviceId: s.id, organisationId: x.providerId, year, rated: 200, positive: 150 + i * 3 });
    await seedStories(db, { serviceId: poor.id, organisationId: x.providerId, year, rated: 300, positive: 150 });
  }
  await recomputeFlags(db, ['2025']);
  const opts = { baseUrl };
  const report = { evidence: 'Matrix evidence', findings: 'Matrix findings', recommendations: 'Matrix recommendations', safe: 'good', effective: 'good', caring: 'good', responsive: 'requires-improvement', 'well-led': 'good' };
  const invite = async (by: Actor) => (await review.inviteReview(db, by, { service: poor.id, scope: 'Matrix scope' })).id;
  const withLead = async (declared: boolean) => {
    const id = await invite(x.providerAdmin);
    await review.addReviewer(db, x.providerAdmin, id, { person: x.reviewer.userId, lead: 'yes' }, opts);
    if (declared) await review.declareConflicts(db, x.reviewer, id, { conflict: 'no' }, opts);
    return id;
  };
  const reviewToStaff = await invite(x.providerAdmin);
  const reviewToDeclare = await withLead(false);
  const reviewToWrite = await withLead(true);
  const reviewToPublish = await withLead(true);
  await review.writeReport(db, x.reviewer, reviewToPublish, report, { publish: false, ...opts });
  const reviewPublished = await invite(x.commissioner);
  await review.addReviewer(db, x.commissioner, reviewPublished, { person: x.reviewer.userId, lead: 'yes' }, opts);
  await review.declareConflicts(db, x.reviewer, reviewPublished, { conflict: 'no' }, opts);
  await review.writeReport(db, x.reviewer, reviewPublished, { ...report, concern: 'fft-positive' }, { publish: true, today: '2025-06-01', ...opts });
  return { flaggedService: poor.id, reviewToStaff, reviewToDeclare, reviewToWrite, reviewToPublish, reviewPublished, report };
}
