// Test support for grant programmes: a small England with postcodes (through the places module), a verified
// community foundation with its staff, two assessors and a panel chair, an applicant charity, and a programme
// open from ten days ago for twenty days more.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { importPostcodes } from '../places/places.lookups.ts';
import { loadPlaces, NEWCASTLE } from '../voice/voice.test-support.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';

import { verifiedOrganisation } from '../organisations/organisations.test-support.ts';
import type { LegalForm } from '../organisations/organisations.forms.ts';
import type { Actor } from '../platform/actor.ts';
import { userWithToken } from '../platform/testing.ts';
import { addMember } from '../organisations/organisations.service.ts';
import * as programmes from './grants.programmes.ts';

const loaded = new WeakSet<object>();

/** A signed-up person (password 'a long enough password') with these roles, and their actor. */
export async function person(ctx: AppContext, label: string, roles: [string, string][] = []) {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.org`;
  const u = await userWithToken(ctx.db, email);
  for (const [org, role] of roles) await addMember(ctx.db, cliActor, org, { email, role });
  const actor: Actor = { userId: u.user.id, tokenId: null, isAdmin: false, via: 'session' };
  return { ...u, email, actor };
}

export const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

export async function placesWithPostcodes(ctx: AppContext) {
  if (loaded.has(ctx.db)) return;
  loaded.add(ctx.db);
  await loadPlaces(ctx);
  await importPostcodes(ctx, cliActor, { bytes: Buffer.from('pcds,lsoa11cd,ladcd\nNE1 1AA,E01008300,E08000021\nNE1 2BB,E01008301,E08000021\nNE8 1AA,E01008160,E08000037\n') });
}

export async function programmeWorld(ctx: AppContext, options: { budgetPence?: number; opensOn?: string; closesOn?: string; funderLegalForm?: LegalForm; funderName?: string; fileQuestions?: boolean } = {}) {
  await placesWithPostcodes(ctx);
  const tag = randomBytes(3).toString('hex');
  const funder = await verifiedOrganisation(ctx.db, `${options.funderName ?? 'Tyne Community Foundation'} ${tag}`, options.funderLegalForm ?? 'registered-charity');
  const charity = await createOrganisation(ctx.db, cliActor, { name: `Byker Lunch Club ${tag}`, legalForm: 'charitable-incorporated-organisation' });
  const staff = await person(ctx, 'fund-staff', [[funder.id, 'staff']]);
  const assessorA = await person(ctx, 'assessor-a', [[funder.id, 'evaluator']]);
  const assessorB = await person(ctx, 'assessor-b', [[funder.id, 'evaluator']]);
  const chair = await person(ctx, 'panel-chair', [[funder.id, 'evaluator']]);
  const applicant = await person(ctx, 'applicant', [[charity.id, 'admin']]);
  const outsider = await person(ctx, 'outsider');
  const programme = await programmes.openProgramme(ctx, staff.actor, {
    funder: funder.id, title: `Neighbourhood Fund ${tag}`, purpose: 'Small grants for groups that bring neighbours together.',
    areas: [NEWCASTLE], recipientTypes: ['charity', 'unregistered-group'], minPence: 100_000, maxPence: 500_000, budgetPence: options.budgetPence ?? 800_000,
    opensOn: options.opensOn ?? day(-10), closesOn: options.closesOn ?? day(20),
    questions: [{ label: 'What will you do?', kind: 'text' }, { label: 'Is this a new activity?', kind: 'choice', choices: ['Yes', 'No'] }, { label: 'Your budget', kind: 'budget' },
      // With `fileQuestions`: a required file (the accounts) and an optional one (a photo), last.
      ...(options.fileQuestions ? [{ label: 'Your latest accounts', kind: 'file' }, { label: 'A photo of your work', kind: 'file', required: false }] : [])],
    criteria: [{ label: 'Need in the area', weight: 3 }, { label: 'A clear plan', weight: 2 }], panelChair: chair.user.id,
  });
  for (const a of [assessorA, assessorB]) await programmes.addAssessor(ctx, staff.actor, programme.id, a.user.id);
  return { tag, funder, charity, staff, assessorA, assessorB, chair, applicant, outsider, programme };
}

export type ProgrammeWorld = Awaited<ReturnType<typeof programmeWorld>>;

/** A complete application of the world's charity, submitted (and screened eligible unless told). */
export async function submittedApplication(ctx: AppContext, w: ProgrammeWorld, options: { amountPence?: number; screen?: boolean; postcode?: string } = {}) {
  const applications = await import('./grants.applications.ts');
  const assessment = await import('./grants.assessment.ts');
  const { id } = await applications.startApplication(ctx, w.applicant.actor, w.programme.id, { organisation: w.charity.id });
  const [what, isNew, budget] = w.programme.questions;
  await applications.saveAnswers(ctx, w.applicant.actor, id, {
    title: 'Friday lunches', amountPence: options.amountPence ?? 300_000, postcode: options.postcode ?? 'NE1 1AA',
    answers: { [what!.key]: 'A hot lunch every Friday for 40 older neighbours.', [isNew!.key]: 'Yes', [budget!.key]: [{ item: 'Food', pence: 200_000 }, { item: 'Hall hire', pence: 100_000 }] },
  });
  await applications.submitApplication(ctx, w.applicant.actor, id);
  if (options.screen !== false) await assessment.screenApplication(ctx, w.staff.actor, id, { eligible: 'yes' });
  return id;
}
