// Demo data for peer review: ONE INVENTED EXAMPLE. An invented peer review network is registered to review
// involvement-based services (the demo's peer group: home care in Newcastle and Gateshead's libraries), and one
// invented review of the voice demo's "Home care for older people" is published in full, with an action plan.
// The reviewers are fictional people (example.org addresses) and every text says it is invented.
import type { AppContext } from '../platform/module.ts';
import { systemActor, type Actor } from '../platform/actor.ts';
import type { Db } from '../platform/db.ts';
import { findUserByEmail, registerUser } from '../platform/auth/auth.service.ts';
import { addMember, createOrganisation, findOrganisation, searchOrganisations } from '../organisations/organisations.service.ts';
import { listServices } from '../voice/voice.service.ts';
import * as review from './scorecards.peer-review.ts';

const invented = 'An invented organisation for Commonweal’s demonstration of peer review. It does not exist.';
export const demoNetworkName = 'North East Peer Review Network (example)';
const example = 'Example, invented for the demonstration: ';

async function orgByName(db: Db, name: string) {
  const found = (await searchOrganisations(db, { q: name, pageSize: 5 })).items.find((o) => o.name === name);
  return found ?? createOrganisation(db, systemActor, { name, legalForm: 'charitable-incorporated-organisation', locality: 'Durham', description: invented });
}

async function demoUser(db: Db, email: string, name: string) {
  return (await findUserByEmail(db, email)) ?? registerUser(db, systemActor, { email, name, password: null });
}

/** Loads the example once (after voice's demo); returns false when it is there already or voice's is not. */
export async function seedPeerReview(ctx: AppContext): Promise<boolean> {
  const db = ctx.db;
  const homeCare = (await listServices(db)).find((s) => s.name === 'Home care for older people');
  if (!homeCare) return false;
  if ((await review.peerReviewSummary(db, homeCare.id)).published > 0) return false;
  const network = await orgByName(db, demoNetworkName);
  await review.registerPeerReviewer(db, systemActor, { organisation: network.id, kind: 'involvement' });
  const lead = await demoUser(db, 'lead.reviewer.demo@example.org', 'Lena the lead reviewer (example)');
  const second = await demoUser(db, 'peer.reviewer.demo@example.org', 'Priya the peer reviewer (example)');
  for (const u of [lead, second]) await addMember(db, systemActor, network.id, { email: u.email, role: 'staff' });
  const commissioner = await findOrganisation(db, 'GB-LAE-NET');
  const as = (id: string): Actor => ({ userId: id, tokenId: null, isAdmin: false, via: 'system' });
  const opts = { baseUrl: ctx.config.baseUrl };
  const r = await review.inviteReview(db, systemActor, { service: homeCare.id, scope: `${example}continuity of carers, visit times, and how families are kept informed`, commissioner: commissioner?.id ?? '' });
  await review.addReviewer(db, systemActor, r.id, { person: lead.id, lead: 'yes' }, opts);
  await review.addReviewer(db, systemActor, r.id, { person: second.id }, opts);
  await review.declareConflicts(db, as(lead.id), r.id, { conflict: 'no' }, opts);
  await review.declareConflicts(db, as(second.id), r.id, { conflict: 'no' }, opts);
  await review.writeReport(db, as(lead.id), r.id, {
    evidence: `${example}two days on site; 30 care plans read; 12 people who use the service and 8 family members interviewed; the service's published stories and ratings.`,
    findings: `${example}carers are kind and well trained, but people saw many different carers in a month and visit times moved without notice. Families learnt of changes late. Managers know the problem and have begun named teams in one area.`,
    recommendations: `${example}extend named carer teams to every area; tell people of any change of visit time by phone the same day; publish visit punctuality monthly.`,
    safe: 'good', effective: 'requires-improvement', caring: 'good', responsive: 'requires-improvement', 'well-led': 'good', concern: 'none',
  }, { publish: true, ...opts });
  const staff = await findUserByEmail(db, 'adult.care.demo@example.org');
  if (staff) {
    const actor = as(staff.id);
    const published = (await review.getReview(db, actor, r.id)).review;
    const day = (months: number) => new Date(new Date(published.publishedAt!).getTime() + months * 30 * 86_400_000).toISOString().slice(0, 10);
    await review.addAction(db, actor, r.id, { action: `${example}named carer teams in every area of the city`, dueOn: day(4) });
    await review.addAction(db, actor, r.id, { action: `${example}same-day phone call for any change of visit time`, dueOn: day(1) });
  }
  return true;
}
