// Demo data for grant programmes: ONE INVENTED EXAMPLE of a community foundation giving in the demo place and
// its neighbour (Newcastle upon Tyne and Sunderland; the shipped postcode extract covers Sunderland), running
// an open programme whose first round is decided: two awards (published at once
// as 360Giving grants of the foundation, so they show in /grants/search and the fairness lens), one declined,
// one application waiting to be screened. Every organisation, person and application here is invented, and
// says so; the people are example.org addresses with no password.
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { systemActor } from '../platform/actor.ts';
import { findUserByEmail, registerUser } from '../platform/auth/auth.service.ts';
import { addMember, createOrganisation, searchOrganisations } from '../organisations/organisations.service.ts';
import * as programmes from './grants.programmes.ts';
import * as applications from './grants.applications.ts';
import * as assessment from './grants.assessment.ts';
import * as awards from './grants.awards.ts';

const invented = 'An invented organisation for Commonweal’s demonstration of grant programmes. It does not exist.';
export const demoFoundationName = 'Tyne and Wear Neighbourhood Foundation (example)';
export const demoProgrammeTitle = 'Neighbours Together Fund (example)';

const NEWCASTLE = 'E08000021';
const SUNDERLAND = 'E08000024';
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * An invented charity number for the invented foundation (a verified organisation needs its register's
 * identifier): far above any the Charity Commission has issued, and named as invented in its description.
 */
export const demoFoundationIdentifier = 'GB-CHC-1999901';

async function orgByName(ctx: AppContext, name: string, legalForm: string, identifier?: string) {
  const found = (await searchOrganisations(ctx.db, { q: name, pageSize: 5 })).items.find((o) => o.name === name);
  return found ?? createOrganisation(ctx.db, systemActor, {
    name, legalForm, locality: 'Newcastle upon Tyne', ...(identifier ? { identifiers: [identifier], verified: true, description: `${invented} Its charity number is invented too.` } : { description: invented }),
  });
}

async function demoPerson(ctx: AppContext, email: string, name: string, org: string | null, role: string): Promise<Actor> {
  const user = (await findUserByEmail(ctx.db, email)) ?? await registerUser(ctx.db, systemActor, { email, name, password: null });
  if (org) await addMember(ctx.db, systemActor, org, { email, role }).catch(() => undefined);
  return { userId: user.id, tokenId: null, isAdmin: false, via: 'session' };
}

/** Loads the example once; false when it is there already (or Newcastle's places are not loaded). */
export async function seedProgrammes(ctx: AppContext): Promise<boolean> {
  const foundation = await orgByName(ctx, demoFoundationName, 'charitable-incorporated-organisation', demoFoundationIdentifier);
  if ((await programmes.listProgrammes(ctx.db, { funder: foundation.id })).length) return false;
  const staff = await demoPerson(ctx, 'grants.officer@neighbourhood-foundation.example.org', 'Priya Shah (example)', foundation.id, 'staff');
  const assessorA = await demoPerson(ctx, 'assessor.one@neighbourhood-foundation.example.org', 'Tom Reid (example)', foundation.id, 'evaluator');
  const assessorB = await demoPerson(ctx, 'assessor.two@neighbourhood-foundation.example.org', 'Grace Okafor (example)', foundation.id, 'evaluator');
  const chair = await demoPerson(ctx, 'panel.chair@neighbourhood-foundation.example.org', 'Margaret Hall (example)', foundation.id, 'evaluator');
  let areas: string[] = [NEWCASTLE, SUNDERLAND];
  try { await programmes.checkProgrammeInput(ctx.db, { title: 'x', purpose: 'x', areas, recipientTypes: ['charity'], minPence: 1, maxPence: 1, budgetPence: 1, opensOn: day(0), closesOn: day(0), criteria: [{ label: 'x', weight: 1 }] }); } catch { areas = []; }
  const programme = await programmes.openProgramme(ctx, staff, {
    funder: foundation.id, title: demoProgrammeTitle,
    purpose: 'AN INVENTED EXAMPLE. Grants of £500 to £5,000 for groups in Newcastle and Sunderland that bring neighbours together: lunch clubs, street events, shared gardens, and activities that reduce loneliness. Priority to the most deprived areas.',
    areas, recipientTypes: ['charity', 'community-interest-company', 'community-benefit-society', 'unregistered-group'],
    minPence: 50_000, maxPence: 500_000, budgetPence: 2_500_000, opensOn: day(-45), closesOn: day(45),
    questions: [
      { label: 'What will you do, and for whom?', kind: 'text' },
      { label: 'How many people will take part?', kind: 'number' },
      { label: 'Is this a new activity?', kind: 'choice', choices: ['New', 'Continuing'] },
      { label: 'Your budget', kind: 'budget' },
    ],
    criteria: [{ label: 'Need in the neighbourhood', weight: 3 }, { label: 'A clear and realistic plan', weight: 2 }, { label: 'Led by local people', weight: 1 }],
    panelChair: chair.userId!,
  });
  for (const a of [assessorA, assessorB]) await programmes.addAssessor(ctx, staff, programme.id, a.userId);
  const [what, howMany, isNew, budget] = programme.questions;
  const crit = programme.criteria;
  const round = [
    { group: 'Hendon Lunch Club (example)', form: 'charitable-incorporated-organisation', title: 'Friday lunches for older neighbours (example)', pence: 300_000, postcode: 'SR2 0RN', score: [5, 4, 5], rec: 'yes', decide: { decision: 'award', amountPence: 300_000, reasons: 'Example: high need, a tested plan, run by its members.', feedback: 'Please count who comes each week.' } },
    { group: 'Southwick Street Gardeners (example)', form: null, title: 'A shared garden in Southwick (example)', pence: 150_000, postcode: 'SR5 1HQ', score: [4, 3, 5], rec: 'yes', decide: { decision: 'award', amountPence: 120_000, reasons: 'Example: strong local leadership; the tools budget was reduced.', feedback: 'We funded all but the second shed.' } },
    { group: 'Sunniside Film Society (example)', form: 'charitable-incorporated-organisation', title: 'A season of classic films (example)', pence: 200_000, postcode: 'SR1 1BW', score: [1, 4, 2], rec: 'no', decide: { decision: 'decline', reasons: 'Example: the programme’s priority is the most deprived areas.', feedback: 'Other funds may suit this better.' } },
    { group: 'Roker Toddler Group (example)', form: 'charitable-incorporated-organisation', title: 'Stay and play mornings (example)', pence: 80_000, postcode: 'SR6 0DA', score: null, rec: null, decide: null },
  ] as const;
  let n = 0;
  for (const r of round) {
    n++;
    const applicant = r.form ? await orgByName(ctx, r.group, r.form) : null;
    const person = await demoPerson(ctx, `applicant.${n}@groups.example.org`, `Applicant ${n} (example)`, applicant?.id ?? null, 'admin');
    const { id } = await applications.startApplication(ctx, person, programme.id, applicant ? { organisation: applicant.id } : { groupName: r.group, bankAccount: true, signatories: ['A. Example', 'B. Example'], signatoriesUnrelated: true });
    await applications.saveAnswers(ctx, person, id, {
      title: r.title, amountPence: r.pence, postcode: r.postcode,
      answers: { [what!.key]: `AN INVENTED EXAMPLE: ${r.title}.`, [howMany!.key]: '40', [isNew!.key]: 'New', [budget!.key]: [{ item: 'Activities (example)', pence: r.pence }] },
    });
    await applications.submitApplication(ctx, person, id);
    if (!r.score) continue;
    await assessment.screenApplication(ctx, staff, id, { eligible: 'yes' });
    if (n === 1) await assessment.declareConflict(ctx, assessorA, id, 'Example: a member of the lunch club’s committee');
    await assessment.scoreApplication(ctx, assessorB, id, { scores: Object.fromEntries(crit.map((c, i) => [c.key, r.score![i]])), comments: {}, recommendation: r.rec! });
    await awards.decideApplication(ctx, chair, id, r.decide!);
  }
  return true;
}
