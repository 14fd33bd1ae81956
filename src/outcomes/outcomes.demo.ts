// Demo data for outcomes: ONE INVENTED EXAMPLE of an outcomes contract with social investment, and one invented
// outcome agreement, set in Tyneside so a newcomer can see every part working. The real organisations named
// (Newcastle City Council, Age UK, Northumbria University) have NOT made this contract: the titles and
// descriptions say so, and the example's fund, investor and tenants' association are invented organisations
// whose descriptions say so too. No figure here is a real fact.
import type { AppContext } from '../platform/module.ts';
import { systemActor, type Actor } from '../platform/actor.ts';
import type { Db } from '../platform/db.ts';
import { inTransaction } from '../platform/transaction.ts';
import { findUserByEmail } from '../platform/auth/auth.repository.ts';
import { createOrganisation, findOrganisation, searchOrganisations } from '../organisations/organisations.service.ts';
import * as service from './outcomes.service.ts';
import * as agreements from './outcomes.agreements.ts';
import { listContractSummaries } from '../commissioning/commissioning.service.ts';

export const demoContractTitle = 'Example: Staying Well at Home outcomes contract (invented)';
const invented = 'An invented organisation for Commonweal’s demonstration outcomes contract. It does not exist.';

async function orgByName(db: Db, name: string, legalForm: string, description: string) {
  const found = (await searchOrganisations(db, { q: name, pageSize: 5 })).items.find((o) => o.name === name);
  return found ?? createOrganisation(db, systemActor, { name, legalForm, locality: 'Newcastle upon Tyne', description });
}

export const linkedDemoTitle = 'Example: walking groups outcome payments (invented)';

/** Loads the examples once; returns false when they are already there. */
export async function seedOutcomes(ctx: AppContext): Promise<boolean> {
  const main = await inTransaction(ctx.db, (trx) => seed(trx));
  const linked = await inTransaction(ctx.db, (trx) => seedLinked(trx));
  return main || linked;
}

/**
 * A second invented example, linked to commissioning's invented walking-groups contract (when its demo is
 * loaded), so the OCDS export of outcome payments can be seen: one outcome priced per walker, paid against the
 * contract's milestone "First walks in all four wards".
 */
async function seedLinked(db: Db): Promise<boolean> {
  const council = await findOrganisation(db, 'GB-LAE-NET');
  if (!council) return false;
  const summary = (await listContractSummaries(db, { organisationId: council.id })).find((c) => c.title.startsWith('Example: walking groups'));
  if (!summary || !summary.supplierOrganisationIds[0] || !summary.startDate || !summary.endDate) return false;
  if ((await service.listContracts(db, { commissioningContractId: summary.id })).length) return false;
  const milestone = summary.milestones.find((m) => m.title.startsWith('First walks')) ?? summary.milestones[0];
  const contract = await service.createContract(db, systemActor, {
    organisation: council.id, provider: summary.supplierOrganisationIds[0], title: linkedDemoTitle, commissioningContractId: summary.id,
    description: 'AN INVENTED EXAMPLE: part of the commissioning demo’s walking-groups contract paid by outcome, to show outcome payments published as OCDS implementation transactions.',
    targetPopulation: 'People with long-term conditions in east Newcastle (example).', startDate: summary.startDate, endDate: summary.endDate, capPence: 1_000_000, personCapPence: 10_000,
  });
  await service.addMetric(db, systemActor, contract.id, {
    code: 'W1', name: 'Walking at least monthly', definition: 'Joined a led walk at least once in each of the first four weeks (example).', validationMethod: 'Simple ex-post verification of walk registers',
    evidenceRequired: 'Walk leaders’ registers', resultType: 'interim', targetCount: 300, pricePence: 5_000, commissioningMilestoneId: milestone?.id,
  });
  const ids: string[] = [];
  for (let i = 1; i <= 12; i++) {
    const claim = await service.claimOutcome(db, systemActor, contract.id, { metric: 'W1', participantRef: `WALK-${String(i).padStart(3, '0')}`, achievedOn: summary.startDate, evidence: 'Register for the first four weeks (example)' });
    await service.decideClaim(db, systemActor, claim.id, { decision: 'accept' });
    ids.push(claim.id);
  }
  await service.recordPayment(db, systemActor, contract.id, { claimIds: ids, paidOn: '2026-11-21', reference: 'EXAMPLE-WALK-001' });
  return true;
}

async function seed(db: Db): Promise<boolean> {
  const council = await findOrganisation(db, 'GB-LAE-NET');
  const provider = await findOrganisation(db, 'GB-CHC-1128267');
  if (!council || !provider) return false; // the organisations demo loads first; without it there is nothing to attach to
  if ((await service.listContracts(db, { organisationId: council.id })).some((c) => c.title === demoContractTitle)) return false;
  const validator = (await searchOrganisations(db, { q: 'University of Northumbria', pageSize: 5 })).items[0]
    ?? await orgByName(db, 'Example Independent Evaluators (invented)', 'company-limited-by-shares', invented);
  const fund = await orgByName(db, 'Example Outcomes Fund (invented)', 'other-public-body', invented);
  const investor = await orgByName(db, 'Example Social Investment Partners (invented)', 'company-limited-by-shares', invented);

  const contract = await service.createContract(db, systemActor, {
    organisation: council.id, provider: provider.id, title: demoContractTitle,
    description: 'AN INVENTED EXAMPLE to show how an outcomes contract works; Newcastle City Council and Age UK have not made it. Older people leaving hospital get practical support to stay well at home; the provider is paid for outcomes achieved, funded up front by a social investor.',
    targetPopulation: 'People aged 65 and over in Newcastle upon Tyne discharged from hospital after a fall (example).',
    startDate: '2024-04-01', endDate: '2027-03-31', capPence: 60_000_000, personCapPence: 400_000,
  });
  await service.setPayers(db, systemActor, contract.id, { payers: [{ organisation: council.id, shareBasisPoints: 8000 }, { organisation: fund.id, shareBasisPoints: 2000 }] });
  await service.addMetric(db, systemActor, contract.id, {
    code: 'O1', name: 'Home 91 days after discharge', definition: 'Living in their own home 91 days after leaving hospital, with no emergency readmission.', validationMethod: 'Simple ex-post verification against hospital records',
    evidenceRequired: 'Discharge date and a readmission check by the hospital trust', validator: validator.id, resultType: 'interim', targetCount: 300, pricePence: 80_000,
  });
  await service.addMetric(db, systemActor, contract.id, {
    code: 'O2', name: 'Independent at 12 months', definition: 'Still living independently 12 months after discharge, with a care needs review showing no increase.', validationMethod: 'Simple ex-post verification of care records',
    evidenceRequired: 'Adult social care review record', validator: validator.id, resultType: 'final', targetCount: 200, pricePence: 250_000,
  });
  await service.agreePrice(db, systemActor, contract.id, 'O1', { pricePence: 84_000, effectiveFrom: '2025-04-01', note: 'Example: 5% uplift agreed at the first annual review' });

  // Invented participants SWH-0001… (pseudonymous references, as a provider would use): 80 reach O1, the
  // first 40 of them O2 as well; every 13th O1 claim is rejected; the last O1 claim awaits validation.
  const accepted: { id: string; achievedOn: string }[] = [];
  const day = (from: string, days: number) => new Date(Date.parse(`${from}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const plan = [
    ...Array.from({ length: 80 }, (_, i) => ({ metric: 'O1', ref: `SWH-${String(i + 1).padStart(4, '0')}`, on: day('2024-07-01', i * 7), reject: (i + 1) % 13 === 0, pending: i === 79 })),
    ...Array.from({ length: 40 }, (_, i) => ({ metric: 'O2', ref: `SWH-${String(i + 1).padStart(4, '0')}`, on: day('2025-07-01', i * 9), reject: false, pending: false })),
  ];
  for (const c of plan) {
    const claim = await service.claimOutcome(db, systemActor, contract.id, { metric: c.metric, participantRef: c.ref, achievedOn: c.on, evidence: `Example evidence for ${c.ref}: records checked (invented)` });
    if (c.pending) continue;
    await service.decideClaim(db, systemActor, claim.id, c.reject ? { decision: 'reject', reason: 'Example: readmitted as an emergency before day 91' } : { decision: 'accept' });
    if (!c.reject) accepted.push({ id: claim.id, achievedOn: c.on });
  }
  // Paid quarterly: each quarter's validated outcomes are paid in one payment, 45 days after the quarter ends.
  const quarters = new Map<string, string[]>();
  for (const a of accepted) {
    const [y, m] = a.achievedOn.split('-').map(Number) as [number, number];
    const end = new Date(Date.UTC(y, Math.floor((m - 1) / 3) * 3 + 3, 0)).toISOString().slice(0, 10);
    quarters.set(end, [...(quarters.get(end) ?? []), a.id]);
  }
  let n = 0;
  for (const [end, ids] of [...quarters.entries()].sort()) {
    const paidOn = day(end, 45);
    if (paidOn > '2026-11-01') continue; // later quarters are validated and due, not yet paid
    await service.recordPayment(db, systemActor, contract.id, { claimIds: ids, paidOn, reference: `EXAMPLE-PAY-${String(++n).padStart(3, '0')}` });
  }

  await service.recordComparison(db, systemActor, contract.id, {
    measure: 'Emergency readmissions within 91 days (example)', periodStart: '2024-04-01', periodEnd: '2025-03-31',
    cohortSize: 120, cohortEvents: 18, comparisonSize: 480, comparisonEvents: 96, better: 'lower', thresholdBasisPoints: 1000, source: 'Invented figures for the demonstration',
  });

  const inv = await service.addInvestment(db, systemActor, contract.id, { investor: investor.id, committedPence: 30_000_000, investmentType: 'debt' });
  for (const f of [
    { kind: 'drawdown', on: '2024-04-01', amountPence: 10_000_000 },
    { kind: 'drawdown', on: '2024-10-01', amountPence: 5_000_000 },
    { kind: 'repayment', on: '2025-12-31', amountPence: 6_000_000 },
    { kind: 'repayment', on: '2026-09-30', amountPence: 10_000_000 },
  ]) await service.recordInvestmentFlow(db, systemActor, inv.id, { ...f, note: 'Example flow (invented)' });

  // An invented agreement between the council's repairs service and an invented tenants' association.
  const partyEmail = 'example-court-tenants.demo@example.org';
  const a = await agreements.createAgreement(db, systemActor, {
    organisation: council.id, serviceName: 'Housing repairs (example)', title: 'Example: warm, dry homes in Example Court',
    summary: 'AN INVENTED EXAMPLE of an outcome agreement between a service and a tenants’ association.', partyKind: 'group', groupName: 'Example Court Tenants’ Association (invented)',
    partyEmail, partyName: 'Example Chairperson', nextReviewOn: '2027-01-15',
    terms: [
      { side: 'service', kind: 'commitment', text: 'Repairs visited within 5 working days of being reported', measure: 'Days from report to visit, from the repairs log' },
      { side: 'service', kind: 'outcome', text: 'Damp treated in every flat that reported it', measure: 'Surveyor’s sign-off per flat' },
      { side: 'citizen', kind: 'commitment', text: 'Report repairs through the association’s monthly list', measure: 'Lists sent' },
      { side: 'citizen', kind: 'outcome', text: 'Residents say their homes are warm and dry', measure: 'Annual residents’ survey' },
    ],
  });
  await agreements.signAgreement(db, systemActor, a.id);
  const party = (await findUserByEmail(db, partyEmail))!;
  const partyActor: Actor = { userId: party.id, tokenId: null, isAdmin: false, via: 'system' };
  await agreements.signAgreement(db, partyActor, a.id);
  await agreements.recordProgress(db, systemActor, a.id, { termId: a.terms[0]!.id, status: 'on-track', note: 'Example: average 4 days this quarter' });
  await agreements.recordProgress(db, partyActor, a.id, { termId: a.terms[0]!.id, status: 'off-track', note: 'Example: two flats waited over a week' });
  await agreements.recordProgress(db, partyActor, a.id, { termId: a.terms[2]!.id, status: 'achieved', note: 'Example: lists sent every month' });
  await agreements.recordReview(db, partyActor, a.id, { heldOn: '2026-10-15', summary: 'Example: visits slower in the autumn; the service will add a second team.', nextReviewOn: '2027-01-15' });
  return true;
}
