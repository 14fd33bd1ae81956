import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import * as service from './timebank.service.ts';
import { checkLedger } from './timebank.check.ts';
import * as partners from './timebank.partners.ts';
import { bankImpact } from './timebank.impact.ts';
import { statementCsv } from './timebank.csv.ts';

function need(values: Record<string, unknown>, name: string, what: string): string {
  if (typeof values[name] !== 'string' || !values[name]) throw AppError.validation([{ field: name, message: `Give --${name}, ${what}` }]);
  return values[name] as string;
}

export const timebankCommands: CliCommand[] = [
  {
    name: ['timebank', 'bank', 'create'],
    summary: 'Open a time bank (for an organisation, or a new community group of the same name)',
    usage: 'commonweal timebank bank create --name NAME [--org ID|ORG-ID|SLUG] [--requires-approval] [--member-limit-hours H]',
    options: { name: { type: 'string' }, org: { type: 'string' }, 'requires-approval': { type: 'boolean' }, 'member-limit-hours': { type: 'string' } },
    async run(ctx, { values }) {
      const bank = await service.createBank(ctx.db, cliActor, { name: values.name, organisation: values.org, requiresApproval: values['requires-approval'] === true, memberLimitHours: values['member-limit-hours'] });
      return { id: bank.id, organisationId: bank.organisationId, issuerAccountId: bank.issuerAccountId, requiresApproval: bank.requiresApproval };
    },
  },
  {
    name: ['timebank', 'bank', 'list'],
    summary: 'List time banks',
    usage: 'commonweal timebank bank list',
    options: {},
    async run(ctx) {
      return { items: await service.listBanks(ctx.db) };
    },
  },
  {
    name: ['timebank', 'member', 'add'],
    summary: 'Open a member’s account in a time bank (registering them, without a password, if needed)',
    usage: 'commonweal timebank member add --bank ID --email EMAIL --name NAME [--min-balance=MINUTES] [--area LSOA]   (0 or less; -600 allows 10 hours in debit)',
    options: { bank: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, 'min-balance': { type: 'string' }, area: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.bank) throw AppError.validation([{ field: 'bank', message: 'Give --bank, the time bank’s id' }]);
      const r = await service.addMember(ctx.db, cliActor, values.bank as string, { email: values.email, name: values.name, minBalance: values['min-balance'], areaCode: values.area });
      return { accountId: r.accountId, userId: r.userId, added: r.added };
    },
  },
  {
    name: ['timebank', 'partner', 'add'],
    summary: 'Open an account for a partner organisation (earn partners issue credits, spend partners accept them)',
    usage: 'commonweal timebank partner add --bank ID --org ID|ORG-ID|SLUG [--role earn|spend] [--min-balance=MINUTES|none]',
    options: { bank: { type: 'string' }, org: { type: 'string' }, 'min-balance': { type: 'string' }, role: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.bank) throw AppError.validation([{ field: 'bank', message: 'Give --bank, the time bank’s id' }]);
      const r = await service.addPartner(ctx.db, cliActor, values.bank as string, { organisation: values.org, minBalance: values['min-balance'], role: values.role });
      return { accountId: r.accountId, organisationId: r.organisationId, added: r.added };
    },
  },
  {
    name: ['timebank', 'transfer'],
    summary: 'Record a transfer of minutes between two accounts of one bank (as a coordinator)',
    usage: 'commonweal timebank transfer --from ACCOUNT --to ACCOUNT --minutes N --reason TEXT [--id UUID]',
    options: { from: { type: 'string' }, to: { type: 'string' }, minutes: { type: 'string' }, reason: { type: 'string' }, id: { type: 'string' } },
    async run(ctx, { values }) {
      const r = await service.recordTransfer(ctx.db, cliActor, { id: values.id ?? crypto.randomUUID(), from: values.from, to: values.to, minutes: values.minutes, reason: values.reason });
      return { ...r.transfer, replayed: r.replayed };
    },
  },
  ...(['approve', 'suspend', 'reinstate', 'refuse'] as const).map((change): CliCommand => ({
    name: ['timebank', 'member', change],
    summary: { approve: 'Approve a member waiting to join', suspend: 'Suspend an account (it can neither give nor receive time)', reinstate: 'Reinstate a suspended account', refuse: 'Refuse a request to join, with a reason (the person is emailed it)' }[change],
    usage: `commonweal timebank member ${change} --account ID${change === 'suspend' || change === 'refuse' ? ' --reason TEXT' : ''}`,
    options: { account: { type: 'string' }, reason: { type: 'string' } },
    async run(ctx, { values }) {
      const a = await service.changeAccountStatus(ctx.db, cliActor, need(values, 'account', 'the account’s id'), change, { reason: values.reason }, { baseUrl: ctx.config.baseUrl });
      return { accountId: a.id, status: a.status };
    },
  })),
  {
    name: ['timebank', 'activity', 'add'],
    summary: 'List an activity a spend partner accepts credits for',
    usage: 'commonweal timebank activity add --partner ACCOUNT --title TEXT --minutes N [--description TEXT]',
    options: { partner: { type: 'string' }, title: { type: 'string' }, minutes: { type: 'string' }, description: { type: 'string' } },
    async run(ctx, { values }) {
      return partners.addActivity(ctx.db, cliActor, need(values, 'partner', 'the partner’s account id'), { title: values.title, minutes: values.minutes, description: values.description });
    },
  },
  {
    name: ['timebank', 'statement'],
    summary: 'An account’s statement, newest first (JSON, or CSV with --csv)',
    usage: 'commonweal timebank statement --account ID [--csv] [--limit N]',
    options: { account: { type: 'string' }, csv: { type: 'boolean' }, limit: { type: 'string' } },
    async run(ctx, { values }) {
      const s = await service.accountStatement(ctx.db, cliActor, need(values, 'account', 'the account’s id'), { limit: values.limit ? Number(values.limit) : 100_000 });
      if (values.csv) {
        process.stdout.write(statementCsv(s));
        return undefined;
      }
      return s;
    },
  },
  {
    name: ['timebank', 'impact'],
    summary: 'A bank’s impact, computed from the ledger (hours by category, month and deprivation decile; people; retention)',
    usage: 'commonweal timebank impact --bank ID',
    options: { bank: { type: 'string' } },
    async run(ctx, { values }) {
      return bankImpact(ctx.db, need(values, 'bank', 'the time bank’s id'));
    },
  },
  {
    name: ['timebank', 'check'],
    summary: 'Verify the ledger’s invariants from the database (exit status 1 if any is broken)',
    usage: 'commonweal timebank check',
    options: {},
    async run(ctx, { values }) {
      const result = await checkLedger(ctx.db);
      if (result.ok) return result;
      // The CLI prints a command's result only when it succeeds: print what was found, then fail (exit 1).
      process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
      throw new Error(`the time-bank ledger breaks ${result.violations.length} invariant check(s)`);
    },
  },
];
