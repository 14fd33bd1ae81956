// Demo data for investment: ONE INVENTED EXAMPLE of a small accredited CDFI in Tyneside, so a newcomer can see
// every part working. “Tyneside Community Finance”, its investors and the enterprises it lends to are invented
// organisations whose descriptions say so; no figure here is a real fact. One invented loan-and-grant deal goes
// to the provider of the outcomes demo, so its outcomes show beside the money; its title says it is invented.
import type { AppContext } from '../platform/module.ts';
import { systemActor } from '../platform/actor.ts';
import type { Db } from '../platform/db.ts';
import { createOrganisation, findOrganisation, searchOrganisations } from '../organisations/organisations.service.ts';
import * as service from './investment.service.ts';
import * as repo from './investment.repository.ts';

const invented = 'An invented organisation for Commonweal’s demonstration of social investment. It does not exist.';
export const demoCdfiName = 'Tyneside Community Finance (example)';

async function orgByName(db: Db, name: string, legalForm: string) {
  const found = (await searchOrganisations(db, { q: name, pageSize: 5 })).items.find((o) => o.name === name);
  return found ?? createOrganisation(db, systemActor, { name, legalForm, locality: 'Newcastle upon Tyne', description: invented });
}

/** Loads the example once; returns false when it is already there. */
export async function seedInvestment(ctx: AppContext): Promise<boolean> {
  const db = ctx.db;
  const cdfiOrg = await orgByName(db, demoCdfiName, 'community-benefit-society');
  if (await repo.findCdfi(db, cdfiOrg.id)) return false;
  const savers = await orgByName(db, 'Quayside Savers Co-operative (example)', 'co-operative-society');
  const engineering = await orgByName(db, 'Grainger Engineering Ltd (example)', 'company-limited-by-shares');
  const bakery = await orgByName(db, 'Byker Bread Bakery CIC (example)', 'cic-shares');
  const bikes = await orgByName(db, 'Walker Bike Works (example)', 'cic-guarantee');
  const cafe = await orgByName(db, 'Heaton Community Café (example)', 'charitable-incorporated-organisation');
  await service.accreditCdfi(db, systemActor, { organisation: cdfiOrg.id, accreditedFrom: '2024-04-01', accreditedTo: '2027-03-31', applicationPence: 80_000_000 });
  const cdfi = cdfiOrg.id;
  const loan1 = await service.recordCitrInvestment(db, systemActor, cdfi, { investor: savers.id, kind: 'loan', amountPence: 25_000_000, investedOn: '2024-05-15' });
  await service.issueCertificate(db, systemActor, cdfi, loan1.id, { issuedOn: '2024-06-03', reference: 'TCF-CITR-2024-001' });
  const shares = await service.recordCitrInvestment(db, systemActor, cdfi, { investor: engineering.id, kind: 'shares', amountPence: 10_000_000, investedOn: '2025-02-10' });
  await service.issueCertificate(db, systemActor, cdfi, shares.id, { issuedOn: '2025-02-24', reference: 'TCF-CITR-2025-001' });
  await service.recordCitrInvestment(db, systemActor, cdfi, { investor: savers.id, kind: 'loan', amountPence: 5_000_000, investedOn: '2026-11-20' });
  // Loans to qualifying enterprises in east Newcastle (areas of the places demo), one with a repayment holiday.
  const bakeryDeal = await service.createDeal(db, systemActor, { investor: cdfi, investee: bakery.id, title: 'Example: new ovens for Byker Bread Bakery (invented)', loanPence: 6_000_000, interestBasisPoints: 750, termMonths: 48, holidayMonths: 6, startsOn: '2024-09-01', area: 'E01008427', qualifying: true });
  for (const [on, pence] of [['2024-10-01', 37_500], ['2024-11-01', 37_500], ['2024-12-01', 37_500], ['2025-01-01', 37_500], ['2025-02-01', 37_500], ['2025-03-01', 37_500]] as const) {
    await service.recordDealRepayment(db, systemActor, bakeryDeal.id, { paidOn: on, amountPence: pence, reference: 'Standing order (example)' });
  }
  await service.createDeal(db, systemActor, { investor: cdfi, investee: bikes.id, title: 'Example: workshop and stock for Walker Bike Works (invented)', loanPence: 4_500_000, interestBasisPoints: 800, termMonths: 36, startsOn: '2025-01-15', area: 'E01008325', qualifying: true });
  const cafeDeal = await service.createDeal(db, systemActor, { investor: cdfi, investee: cafe.id, title: 'Example: blended loan and grant for Heaton Community Café (invented)', loanPence: 2_000_000, grantPence: 1_000_000, interestBasisPoints: 500, termMonths: 24, startsOn: '2025-06-01', area: 'E01008406', qualifying: true });
  await service.writeOff(db, systemActor, cafeDeal.id, { on: '2026-09-30', amountPence: 500_000, reason: 'Example: the café lost its lease; part of the loan will not be recovered (invented)' });
  const provider = await findOrganisation(db, 'GB-CHC-1128267');
  if (provider) {
    await service.createDeal(db, systemActor, { investor: cdfi, investee: provider.id, title: 'Example: working capital for Staying Well at Home, loan and grant (invented)', purpose: 'AN INVENTED EXAMPLE, Futurebuilders-style: a loan with a grant to a charity delivering a public service paid by outcomes. This deal has not been made.', loanPence: 3_000_000, grantPence: 1_500_000, interestBasisPoints: 400, termMonths: 36, holidayMonths: 12, startsOn: '2026-04-01', qualifying: false });
  }
  return true;
}
