// Operators' commands for social investment: accredit a CDFI, record CITR investments, certificates and
// repayments, print a CDFI's rule report, and make deals with their repayments and write-offs. Amounts are
// integer pence; organisations are named by id, org-id identifier, slug or exact name.
import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { findOrganisation } from '../organisations/organisations.service.ts';
import type { Db } from '../platform/db.ts';
import * as service from './investment.service.ts';

function need(values: Record<string, unknown>, name: string, what: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) throw AppError.validation([{ field: name, message: `Give --${name}, ${what}` }]);
  return v.trim();
}

const int = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v);

async function cdfiId(db: Db, values: Record<string, unknown>): Promise<string> {
  const ref = need(values, 'cdfi', 'the CDFI (its id, org-id identifier or slug)');
  const org = await findOrganisation(db, ref);
  if (!org) throw new AppError('not_found', `No organisation is registered as "${ref}"`);
  return org.id;
}

export const investmentCommands: CliCommand[] = [
  {
    name: ['investment', 'cdfi', 'accredit'],
    summary: 'Record (or renew) an organisation’s accreditation as a CDFI for Community Investment Tax Relief',
    usage: 'commonweal investment cdfi accredit --org REF --from 2026-04-01 [--to 2029-03-31] --application-pence 50000000 [--limit-pence 62500000]',
    options: { org: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, 'application-pence': { type: 'string' }, 'limit-pence': { type: 'string' } },
    async run(ctx, { values }) {
      return service.accreditCdfi(ctx.db, cliActor, { organisation: values.org, accreditedFrom: values.from, accreditedTo: values.to, applicationPence: int(values['application-pence']), certificateLimitPence: values['limit-pence'] === undefined ? undefined : int(values['limit-pence']) });
    },
  },
  {
    name: ['investment', 'cdfi', 'report'],
    summary: 'A CDFI’s CITR rules with the figures that test them, and its ledger',
    usage: 'commonweal investment cdfi report --cdfi REF [--on 2026-12-03]',
    options: { cdfi: { type: 'string' }, on: { type: 'string' } },
    async run(ctx, { values }) {
      return service.cdfiReport(ctx.db, cliActor, await cdfiId(ctx.db, values), typeof values.on === 'string' ? values.on : undefined);
    },
  },
  {
    name: ['investment', 'citr', 'invest'],
    summary: 'Record an investment in a CDFI (loan, shares or securities)',
    usage: 'commonweal investment citr invest --cdfi REF --investor REF --kind loan|shares|securities --amount-pence 2500000 --on 2026-11-20',
    options: { cdfi: { type: 'string' }, investor: { type: 'string' }, kind: { type: 'string' }, 'amount-pence': { type: 'string' }, on: { type: 'string' } },
    async run(ctx, { values }) {
      return service.recordCitrInvestment(ctx.db, cliActor, await cdfiId(ctx.db, values), { investor: values.investor, kind: values.kind, amountPence: int(values['amount-pence']), investedOn: values.on }, { baseUrl: ctx.config.baseUrl });
    },
  },
  {
    name: ['investment', 'citr', 'certify'],
    summary: 'Issue an investment’s one tax relief certificate (within 30 days of it)',
    usage: 'commonweal investment citr certify --cdfi REF --investment ID [--on 2026-11-25] [--reference TEXT]',
    options: { cdfi: { type: 'string' }, investment: { type: 'string' }, on: { type: 'string' }, reference: { type: 'string' } },
    async run(ctx, { values }) {
      return service.issueCertificate(ctx.db, cliActor, await cdfiId(ctx.db, values), need(values, 'investment', 'the investment’s id'), { issuedOn: values.on, reference: values.reference });
    },
  },
  {
    name: ['investment', 'citr', 'repay'],
    summary: 'Record the CDFI’s repayment of an investor’s loan (refused beyond the CITR limits)',
    usage: 'commonweal investment citr repay --cdfi REF --investment ID --on 2026-11-25 --amount-pence 100000',
    options: { cdfi: { type: 'string' }, investment: { type: 'string' }, on: { type: 'string' }, 'amount-pence': { type: 'string' } },
    async run(ctx, { values }) {
      return service.recordCitrRepayment(ctx.db, cliActor, await cdfiId(ctx.db, values), need(values, 'investment', 'the investment’s id'), { repaidOn: values.on, amountPence: int(values['amount-pence']) });
    },
  },
  {
    name: ['investment', 'deal', 'create'],
    summary: 'Make a deal of any mix of loan, equity and grant (amounts in pence, interest in basis points)',
    usage: 'commonweal investment deal create --investor REF --investee REF --title TEXT --starts 2026-04-01 [--loan-pence N --term-months N [--interest-bp 650] [--holiday-months N]] [--grant-pence N] [--equity-pence N] [--area POSTCODE|CODE] [--qualifying] [--purpose TEXT]',
    options: { investor: { type: 'string' }, investee: { type: 'string' }, title: { type: 'string' }, purpose: { type: 'string' }, starts: { type: 'string' }, 'loan-pence': { type: 'string' }, 'grant-pence': { type: 'string' }, 'equity-pence': { type: 'string' }, 'interest-bp': { type: 'string' }, 'term-months': { type: 'string' }, 'holiday-months': { type: 'string' }, area: { type: 'string' }, qualifying: { type: 'boolean' } },
    async run(ctx, { values }) {
      return service.createDeal(ctx.db, cliActor, {
        investor: values.investor, investee: values.investee, title: values.title, purpose: values.purpose, startsOn: values.starts,
        loanPence: int(values['loan-pence']), grantPence: int(values['grant-pence']), equityPence: int(values['equity-pence']), interestBasisPoints: int(values['interest-bp']),
        termMonths: int(values['term-months']), holidayMonths: int(values['holiday-months']), area: values.area, qualifying: values.qualifying === true,
      });
    },
  },
  {
    name: ['investment', 'deal', 'show'],
    summary: 'A deal with its schedule, position today, repayments, write-offs and the investee’s outcomes',
    usage: 'commonweal investment deal show --deal ID',
    options: { deal: { type: 'string' } },
    async run(ctx, { values }) {
      return service.getDeal(ctx.db, cliActor, need(values, 'deal', 'the deal’s id'));
    },
  },
  {
    name: ['investment', 'deal', 'repay'],
    summary: 'Record a repayment on a deal’s loan',
    usage: 'commonweal investment deal repay --deal ID --on 2026-11-01 --amount-pence 120000 [--reference TEXT]',
    options: { deal: { type: 'string' }, on: { type: 'string' }, 'amount-pence': { type: 'string' }, reference: { type: 'string' } },
    async run(ctx, { values }) {
      return service.recordDealRepayment(ctx.db, cliActor, need(values, 'deal', 'the deal’s id'), { paidOn: values.on, amountPence: int(values['amount-pence']), reference: values.reference });
    },
  },
  {
    name: ['investment', 'deal', 'write-off'],
    summary: 'Write off part or all of a deal’s loan, with a reason',
    usage: 'commonweal investment deal write-off --deal ID --on 2026-11-01 --amount-pence 120000 --reason TEXT',
    options: { deal: { type: 'string' }, on: { type: 'string' }, 'amount-pence': { type: 'string' }, reason: { type: 'string' } },
    async run(ctx, { values }) {
      return service.writeOff(ctx.db, cliActor, need(values, 'deal', 'the deal’s id'), { on: values.on, amountPence: int(values['amount-pence']), reason: values.reason });
    },
  },
];
