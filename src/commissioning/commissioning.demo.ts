// Demo data for commissioning: a worked example for Newcastle City Council (a real council, from the
// organisations demo). Everything here is an INVENTED EXAMPLE — the needs, opportunities, providers, bids,
// scores and contract are made up to show how the platform works, and every title says "Example".
// The areas and their deprivation are real (IoD2019, from the places module).
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { systemActor } from '../platform/actor.ts';
import { insertMembership } from '../platform/auth/auth.repository.ts';
import { findUserByEmail, registerUser } from '../platform/auth/auth.service.ts';
import { createOrganisation, findOrganisation, searchOrganisations, type OrganisationView } from '../organisations/organisations.service.ts';
import { getLocalAuthority } from '../places/places.service.ts';
import type { LegalForm } from '../organisations/organisations.forms.ts';
import * as service from './commissioning.service.ts';
import * as repo from './commissioning.repository.ts';

const invented = 'An invented organisation for the commissioning demonstration; it is not a real organisation.';
const exampleNote = 'This is an invented example to show how commissioning works here; it is not a real Newcastle City Council opportunity.';

const providers: { key: string; name: string; legalForm: LegalForm }[] = [
  { key: 'byker', name: 'Byker Befrienders (example)', legalForm: 'community-group' },
  { key: 'walker', name: 'Walker Walking Together CIC (example)', legalForm: 'cic-guarantee' },
  { key: 'tyne', name: 'Tyne Care Services Ltd (example)', legalForm: 'company-limited-by-shares' },
];

async function organisationNamed(ctx: AppContext, name: string, legalForm: LegalForm): Promise<OrganisationView> {
  const found = (await searchOrganisations(ctx.db, { q: name, pageSize: 5 })).items.find((o) => o.name === name);
  return found ?? createOrganisation(ctx.db, systemActor, { name, legalForm, locality: 'Newcastle upon Tyne', description: invented });
}

async function demoPerson(ctx: AppContext, email: string, name: string, organisationId: string, role: 'admin' | 'evaluator'): Promise<Actor> {
  const user = (await findUserByEmail(ctx.db, email)) ?? (await registerUser(ctx.db, systemActor, { email, name, password: null }));
  await insertMembership(ctx.db, { organisationId, userId: user.id, role });
  return { userId: user.id, tokenId: null, isAdmin: false, via: 'session' } as Actor;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Loads the worked example unless it is there already. Returns whether it loaded anything. */
export async function seedCommissioning(ctx: AppContext): Promise<boolean> {
  const council = await findOrganisation(ctx.db, 'GB-LAE-NET');
  if (!council) return false;
  const existing = await repo.listProcesses(ctx.db, { organisationId: council.id });
  if (existing.some((p) => p.title.startsWith('Example:'))) return false;
  const db = ctx.db;
  const orgs = new Map<string, OrganisationView>();
  for (const p of providers) orgs.set(p.key, await organisationNamed(ctx, p.name, p.legalForm));
  const byker = orgs.get('byker')!;
  const walker = orgs.get('walker')!;
  const tyne = orgs.get('tyne')!;
  const bykerAdmin = await demoPerson(ctx, 'byker.demo@example.org', 'Byker Befrienders administrator (example)', byker.id, 'admin');
  const walkerAdmin = await demoPerson(ctx, 'walker.demo@example.org', 'Walker Walking Together administrator (example)', walker.id, 'admin');
  const tyneAdmin = await demoPerson(ctx, 'tyne.demo@example.org', 'Tyne Care administrator (example)', tyne.id, 'admin');
  const evaluator = await demoPerson(ctx, 'evaluator.demo@example.org', 'Demo evaluator (example)', council.id, 'evaluator');
  const evaluator2 = await demoPerson(ctx, 'evaluator2.demo@example.org', 'Second demo evaluator (example)', council.id, 'evaluator');

  // The need: real areas — Newcastle's most deprived small areas by IMD 2019, when places has loaded them.
  let areaCodes: string[] = [];
  try {
    // Four of the most deprived and four spread across the rest, so the decile evidence has something to show.
    const areas = (await getLocalAuthority(db, 'E08000021')).areas;
    const n = areas.length;
    areaCodes = [...new Set([0, 1, 2, 3, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n - 1].map((i) => areas[i]?.code).filter((c): c is string => !!c))];
  } catch { /* places not loaded: a need without areas */ }
  const need = await service.createNeed(db, systemActor, {
    organisation: council.id, title: 'Example: loneliness among older people in east Newcastle',
    description: `Older people in the east of the city tell us they go days without speaking to anyone. ${exampleNote}`,
    outcomes: ['Fewer older people say they feel lonely often or always', 'More older people take part in community life each week', 'Fewer emergency admissions linked to isolation'],
    decisionType: areaCodes.length ? 'framework' : 'involvement',
    laCode: 'E08000021', areaCodes,
    decidedBy: 'Example: Cabinet Member for Adult Social Care (invented for the demo)', decidedOn: '2026-10-14',
    priorities: ['Prevention of loneliness in later life', 'Day services in the west of the city', 'Carers’ respite'],
    rationale: 'Example: most of the areas chosen are among the most deprived in England and have the fewest community groups (invented reasoning for the demo).',
    outcomeAgreement: 'Example outcome agreement (invented for the demo)',
  });

  // An open opportunity in three lots.
  const open = await service.createProcess(db, systemActor, {
    organisation: council.id, needId: need.id, title: 'Example: befriending and community connection for older people',
    description: `Outcomes sought: fewer older people in east Newcastle feeling lonely; more taking part in community life. ${exampleNote}`,
    valuePence: 48_000_000, bidDeadline: '2027-01-15T12:00:00Z', contractStart: '2027-04-01', contractEnd: '2029-03-31', standstillDays: 8,
    lots: [
      { title: 'Neighbourhood befriending in Byker and Walker', description: 'Volunteer befriending, home visits and phone calls.', valuePence: 12_000_000, suitableForSme: true, suitableForVcse: true },
      { title: 'Community groups and activities', description: 'Small grants-backed groups meeting weekly.', valuePence: 8_000_000, suitableForSme: true, suitableForVcse: true },
      { title: 'City-wide telephone and referral line', description: 'A seven-day line that refers people to local groups.', valuePence: 28_000_000, suitableForSme: true, suitableForVcse: false, unsuitableReason: 'Needs a regulated, seven-day call service with clinical escalation; voluntary organisations are welcome as members of a consortium.' },
    ],
    criteria: [{ kind: 'quality', title: 'Quality of approach and outcomes', weight: 50 }, { kind: 'social-value', title: 'Social value', weight: 30 }, { kind: 'price', title: 'Price', weight: 20 }],
    documents: [{ title: 'Example service specification (there is no real document)', url: 'https://example.org/commonweal-demo/specification.pdf' }],
  });
  await service.publishProcess(db, systemActor, open.id);
  await service.registerInterest(db, bykerAdmin, open.id, { organisation: byker.id, seekingPartners: true, note: 'Looking for a partner with a telephone service (example)' });
  const question = await service.askQuestion(db, bykerAdmin, open.id, { question: 'Can volunteers’ travel expenses be included in the price? (example)' });
  await service.answerQuestion(db, systemActor, question.id, { answer: 'Yes: include them in your price for the lot. (example answer)' });

  // A smaller opportunity taken all the way to a contract: bids, independent scores, award and contract.
  const deadline = new Date(Date.now() + 5000); // room for two bids and a consortium member’s acceptance on a busy machine
  const walking = await service.createProcess(db, systemActor, {
    organisation: council.id, needId: need.id, title: 'Example: walking groups for people with long-term conditions',
    description: `Weekly led walks that help people with long-term conditions stay active and connected. ${exampleNote}`,
    valuePence: 6_000_000, bidDeadline: deadline.toISOString(), contractStart: '2026-11-01', contractEnd: '2027-10-31', standstillDays: 0,
    lots: [{ title: 'Led walks in east Newcastle', description: 'Two walks a week in each of four wards.', valuePence: 6_000_000, suitableForSme: true, suitableForVcse: true }],
    criteria: [{ kind: 'quality', title: 'Quality of approach and outcomes', weight: 50 }, { kind: 'social-value', title: 'Social value', weight: 30 }, { kind: 'price', title: 'Price', weight: 20 }],
  });
  await service.publishProcess(db, systemActor, walking.id);
  const lot = (await repo.listLots(db, { organisation_id: council.id, id: walking.id }))[0]!;
  const consortium = await service.submitBid(db, walkerAdmin, walking.id, {
    lotId: lot.id, organisation: walker.id, pricePence: 5_600_000, leadSharePercent: 70, members: [{ organisation: byker.id, sharePercent: 30 }],
    approach: 'Volunteer walk leaders from each ward, with befrienders joining walkers who live alone. (example bid)', socialValue: 'Trains twelve local people as walk leaders. (example)',
  });
  // Byker Befrienders joins the consortium by accepting; only then is the bid submitted.
  await service.answerInvitation(db, bykerAdmin, consortium.bidId, { organisation: byker.id, decision: 'accept' });
  const company = await service.submitBid(db, tyneAdmin, walking.id, {
    lotId: lot.id, organisation: tyne.id, pricePence: 5_200_000, approach: 'Paid staff lead walks from two hubs. (example bid)', socialValue: 'Two apprenticeships. (example)',
  });
  await service.assignEvaluator(db, systemActor, consortium.bidId, { email: 'evaluator.demo@example.org' });
  await service.assignEvaluator(db, systemActor, company.bidId, { email: 'evaluator.demo@example.org' });
  await service.assignEvaluator(db, systemActor, consortium.bidId, { email: 'evaluator2.demo@example.org' });
  await sleep(Math.max(0, deadline.getTime() - Date.now() + 100));
  const criteria = await repo.listCriteria(db, { organisation_id: council.id, id: walking.id });
  const scores = (s: number[], why: string[]) => ({ scores: criteria.map((c, i) => ({ criterionId: c.id, score: s[i], reason: `${why[i]} (example)` })) });
  await service.scoreBid(db, evaluator, consortium.bidId, scores([8, 9, 6], ['Clear plan led by people who live there', 'Trains local walk leaders', 'Slightly dearer']));
  await service.scoreBid(db, evaluator2, consortium.bidId, scores([7, 8, 6], ['Good plan; volunteer cover a risk', 'Strong local benefit', 'Slightly dearer']));
  await service.scoreBid(db, evaluator, company.bidId, scores([6, 4, 8], ['Sound but little local involvement', 'Two apprenticeships', 'Lowest price']));
  const ranked = (await service.evaluationResults(db, systemActor, walking.id)).ranked;
  const total = (bidId: string) => ((ranked.find((r) => r.bidId === bidId)?.totalHundredths ?? 0) / 100).toFixed(2);
  const award = await service.awardLot(db, systemActor, walking.id, { bidId: consortium.bidId, rationale: `Highest weighted score: ${total(consortium.bidId)} against ${total(company.bidId)}. (example)` });
  const contract = await service.signContract(db, systemActor, award.awardId, {
    milestones: [{ title: 'First walks in all four wards', dueDate: '2026-11-30' }, { title: 'Twelve walk leaders trained', dueDate: '2027-05-31' }],
    kpis: [{ title: 'People walking at least monthly', target: 300, unit: 'people' }, { title: 'Walk leaders trained', target: 12, unit: 'people' }],
  });
  const milestones = await repo.milestonesOf(db, [contract.contractId]);
  await service.updateMilestone(db, systemActor, contract.contractId, milestones[0]!.id, { status: 'met', dateMet: '2026-11-20' });

  // An open call for needs nobody has specified.
  const call = await service.createOpenCall(db, systemActor, { organisation: council.id, title: 'Example: what is missing for young people in Walker?', description: `Tell us about a need for young people in Walker that no service meets, and what you would do. ${exampleNote}`, closesOn: '2027-03-31' });
  await service.submitProposal(db, walkerAdmin, call.id, { organisation: walker.id, title: 'Example: skate-park mentoring', need: 'Teenagers gather at the skate park with nothing organised (example).', proposal: 'Two evenings a week of mentoring by local volunteers (example).' });
  return true;
}
