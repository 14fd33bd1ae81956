import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import * as service from './outcomes.service.ts';
import * as agreements from './outcomes.agreements.ts';
import { indigoProject } from './outcomes.exports.ts';
import { ocdsExport } from './outcomes.ocds.ts';

function need(values: Record<string, unknown>, name: string, what: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) throw AppError.validation([{ field: name, message: `Give --${name}, ${what}` }]);
  return v.trim();
}

const pence = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v);

export const outcomesCommands: CliCommand[] = [
  {
    name: ['outcomes', 'contract', 'create'],
    summary: 'Open an outcomes contract (amounts in integer pence)',
    usage: 'commonweal outcomes contract create --org GB-LAE-NET --provider GB-CHC-1128267 --title TEXT --start 2026-04-01 --end 2029-03-31 --cap-pence 50000000 [--person-cap-pence 500000] [--description TEXT] [--commissioning-contract ID]',
    options: { org: { type: 'string' }, provider: { type: 'string' }, title: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' }, 'cap-pence': { type: 'string' }, 'person-cap-pence': { type: 'string' }, description: { type: 'string' }, 'commissioning-contract': { type: 'string' } },
    async run(ctx, { values }) {
      return service.createContract(ctx.db, cliActor, {
        organisation: values.org, provider: values.provider, title: values.title, description: values.description, startDate: values.start, endDate: values.end,
        capPence: pence(values['cap-pence']), personCapPence: pence(values['person-cap-pence']), commissioningContractId: values['commissioning-contract'],
      });
    },
  },
  {
    name: ['outcomes', 'contract', 'list'],
    summary: 'List outcomes contracts',
    usage: 'commonweal outcomes contract list',
    options: {},
    async run(ctx) {
      return { items: await service.listContracts(ctx.db) };
    },
  },
  {
    name: ['outcomes', 'metric', 'add'],
    summary: 'Add an outcome to a contract’s rate card, with its price in pence',
    usage: 'commonweal outcomes metric add --contract ID --code O1 --name TEXT --definition TEXT --validation TEXT --evidence TEXT --price-pence 150000 [--validator ORG] [--result-type interim|final] [--target N] [--price-from DATE] [--milestone ID]',
    options: { contract: { type: 'string' }, code: { type: 'string' }, name: { type: 'string' }, definition: { type: 'string' }, validation: { type: 'string' }, evidence: { type: 'string' }, 'price-pence': { type: 'string' }, validator: { type: 'string' }, 'result-type': { type: 'string' }, target: { type: 'string' }, 'price-from': { type: 'string' }, milestone: { type: 'string' } },
    async run(ctx, { values }) {
      return service.addMetric(ctx.db, cliActor, need(values, 'contract', 'the outcomes contract’s id'), {
        code: values.code, name: values.name, definition: values.definition, validationMethod: values.validation, evidenceRequired: values.evidence,
        pricePence: pence(values['price-pence']), validator: values.validator, resultType: values['result-type'], targetCount: values.target, priceFrom: values['price-from'], commissioningMilestoneId: values.milestone,
      });
    },
  },
  {
    name: ['outcomes', 'claim'],
    summary: 'Claim an outcome for a participant (a pseudonymous reference), with evidence',
    usage: 'commonweal outcomes claim --contract ID --metric O1 --participant P-0042 --achieved 2026-03-31 --evidence TEXT',
    options: { contract: { type: 'string' }, metric: { type: 'string' }, participant: { type: 'string' }, achieved: { type: 'string' }, evidence: { type: 'string' } },
    async run(ctx, { values }) {
      return service.claimOutcome(ctx.db, cliActor, need(values, 'contract', 'the outcomes contract’s id'), { metric: values.metric, participantRef: values.participant, achievedOn: values.achieved, evidence: values.evidence }, { baseUrl: ctx.config.baseUrl });
    },
  },
  {
    name: ['outcomes', 'decide'],
    summary: 'Accept or reject a claim, with a reason',
    usage: 'commonweal outcomes decide --claim ID --decision accept|reject [--reason TEXT]',
    options: { claim: { type: 'string' }, decision: { type: 'string' }, reason: { type: 'string' } },
    async run(ctx, { values }) {
      return service.decideClaim(ctx.db, cliActor, need(values, 'claim', 'the claim’s id'), { decision: values.decision, reason: values.reason });
    },
  },
  {
    name: ['outcomes', 'pay'],
    summary: 'Record a payment of accepted claims (its amount is their sum)',
    usage: 'commonweal outcomes pay --contract ID --claims ID,ID,… --paid-on 2026-04-30 [--reference TEXT]',
    options: { contract: { type: 'string' }, claims: { type: 'string' }, 'paid-on': { type: 'string' }, reference: { type: 'string' } },
    async run(ctx, { values }) {
      const claimIds = typeof values.claims === 'string' ? values.claims.split(/[\s,]+/).filter(Boolean) : [];
      return service.recordPayment(ctx.db, cliActor, need(values, 'contract', 'the outcomes contract’s id'), { claimIds, paidOn: values['paid-on'], reference: values.reference });
    },
  },
  {
    name: ['outcomes', 'ledger'],
    summary: 'A contract’s payment ledger: claimed, validated, paid, due and the cap left (pence)',
    usage: 'commonweal outcomes ledger --contract ID',
    options: { contract: { type: 'string' } },
    async run(ctx, { values }) {
      return service.ledger(ctx.db, need(values, 'contract', 'the outcomes contract’s id'));
    },
  },
  {
    name: ['outcomes', 'investors'],
    summary: 'The investor view: commitments, drawdowns, repayments and IRR',
    usage: 'commonweal outcomes investors --contract ID',
    options: { contract: { type: 'string' } },
    async run(ctx, { values }) {
      return service.investorView(ctx.db, need(values, 'contract', 'the outcomes contract’s id'));
    },
  },
  {
    name: ['outcomes', 'indigo'],
    summary: 'Export a contract as an INDIGO project (JSON)',
    usage: 'commonweal outcomes indigo --contract ID > project.json',
    options: { contract: { type: 'string' } },
    async run(ctx, { values }) {
      return indigoProject(ctx.db, need(values, 'contract', 'the outcomes contract’s id'));
    },
  },
  {
    name: ['outcomes', 'ocds'],
    summary: 'Every OCDS 1.1.5 implementation release of a contract’s outcome payments, as a release package (the same as the API’s)',
    usage: 'commonweal outcomes ocds --contract ID > releases.json',
    options: { contract: { type: 'string' } },
    async run(ctx, { values }) {
      return JSON.parse((await ocdsExport(ctx.db, need(values, 'contract', 'the outcomes contract’s id'), ctx.config.baseUrl)).body) as Record<string, unknown>;
    },
  },
  {
    name: ['outcomes', 'payers', 'set'],
    summary: 'Set a contract’s outcome payers and their shares in basis points (adding up to 10000)',
    usage: 'commonweal outcomes payers set --contract ID --payer GB-LAE-NET=8000 --payer "Example Outcomes Fund (invented)=2000"',
    options: { contract: { type: 'string' }, payer: { type: 'string', multiple: true } },
    async run(ctx, { values }) {
      const payers = ((values.payer as string[] | undefined) ?? []).map((x) => {
        const at = x.lastIndexOf('=');
        return { organisation: at > 0 ? x.slice(0, at) : x, shareBasisPoints: at > 0 ? Number(x.slice(at + 1)) : undefined };
      });
      return { payers: await service.setPayers(ctx.db, cliActor, need(values, 'contract', 'the outcomes contract’s id'), { payers }) };
    },
  },
  {
    name: ['outcomes', 'comparison', 'add'],
    summary: 'Record a cohort’s and its comparison group’s figures; prints whether the payment trigger is met',
    usage: 'commonweal outcomes comparison add --contract ID --measure "Reconviction events" --from 2026-04-01 --to 2027-03-31 --cohort 1000 --cohort-events 150 --comparison 2000 --comparison-events 350 --better lower --threshold-bp 1000',
    options: { contract: { type: 'string' }, measure: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, cohort: { type: 'string' }, 'cohort-events': { type: 'string' }, comparison: { type: 'string' }, 'comparison-events': { type: 'string' }, better: { type: 'string' }, 'threshold-bp': { type: 'string' }, source: { type: 'string' } },
    async run(ctx, { values }) {
      return service.recordComparison(ctx.db, cliActor, need(values, 'contract', 'the outcomes contract’s id'), {
        measure: values.measure, periodStart: values.from, periodEnd: values.to, cohortSize: values.cohort, cohortEvents: values['cohort-events'],
        comparisonSize: values.comparison, comparisonEvents: values['comparison-events'], better: values.better, thresholdBasisPoints: values['threshold-bp'], source: values.source,
      });
    },
  },
  {
    name: ['outcomes', 'investment', 'add'],
    summary: 'Add an investor’s commitment to a contract (pence)',
    usage: 'commonweal outcomes investment add --contract ID --investor ORG --committed-pence 30000000 [--type debt|equity|combination]',
    options: { contract: { type: 'string' }, investor: { type: 'string' }, 'committed-pence': { type: 'string' }, type: { type: 'string' } },
    async run(ctx, { values }) {
      return service.addInvestment(ctx.db, cliActor, need(values, 'contract', 'the outcomes contract’s id'), { investor: values.investor, committedPence: pence(values['committed-pence']), investmentType: values.type });
    },
  },
  {
    name: ['outcomes', 'investment', 'flow'],
    summary: 'Record a drawdown (investor to project) or a repayment (project to investor), in pence',
    usage: 'commonweal outcomes investment flow --investment ID --kind drawdown|repayment --on 2026-04-01 --amount-pence 10000000 [--note TEXT]',
    options: { investment: { type: 'string' }, kind: { type: 'string' }, on: { type: 'string' }, 'amount-pence': { type: 'string' }, note: { type: 'string' } },
    async run(ctx, { values }) {
      return service.recordInvestmentFlow(ctx.db, cliActor, need(values, 'investment', 'the investment’s id'), { kind: values.kind, on: values.on, amountPence: pence(values['amount-pence']), note: values.note });
    },
  },
  {
    name: ['outcomes', 'agreement', 'create'],
    summary: 'Draft an outcome agreement from JSON on standard input (the API’s body: organisation, serviceName, title, partyKind, partyEmail, partyName, terms …)',
    usage: 'commonweal outcomes agreement create < agreement.json',
    options: {},
    async run(ctx, { stdin }) {
      let body: unknown;
      try {
        body = JSON.parse(await stdin());
      } catch {
        throw AppError.validation([{ field: 'stdin', message: 'Give the agreement as JSON on standard input' }]);
      }
      return agreements.createAgreement(ctx.db, cliActor, (body ?? {}) as agreements.AgreementInput);
    },
  },
  {
    name: ['outcomes', 'agreement', 'list'],
    summary: 'List outcome agreements (the public view: no personal details)',
    usage: 'commonweal outcomes agreement list',
    options: {},
    async run(ctx) {
      return { items: await agreements.listPublicAgreements(ctx.db) };
    },
  },
];
