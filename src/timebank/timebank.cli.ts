import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import * as service from './timebank.service.ts';
import { checkLedger } from './timebank.check.ts';

export const timebankCommands: CliCommand[] = [
  {
    name: ['timebank', 'bank', 'create'],
    summary: 'Open a time bank (for an organisation, or a new community group of the same name)',
    usage: 'commonweal timebank bank create --name NAME [--org ID|ORG-ID|SLUG]',
    options: { name: { type: 'string' }, org: { type: 'string' } },
    async run(ctx, { values }) {
      const bank = await service.createBank(ctx.db, cliActor, { name: values.name, organisation: values.org });
      return { id: bank.id, organisationId: bank.organisationId, issuerAccountId: bank.issuerAccountId };
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
    usage: 'commonweal timebank member add --bank ID --email EMAIL --name NAME [--min-balance=MINUTES]   (0 or less; -600 allows 10 hours in debit)',
    options: { bank: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, 'min-balance': { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.bank) throw AppError.validation([{ field: 'bank', message: 'Give --bank, the time bank’s id' }]);
      const r = await service.addMember(ctx.db, cliActor, values.bank as string, { email: values.email, name: values.name, minBalance: values['min-balance'] });
      return { accountId: r.accountId, userId: r.userId, added: r.added };
    },
  },
  {
    name: ['timebank', 'partner', 'add'],
    summary: 'Open an account for a partner organisation (earn partners issue credits, spend partners accept them)',
    usage: 'commonweal timebank partner add --bank ID --org ID|ORG-ID|SLUG [--min-balance=MINUTES|none]',
    options: { bank: { type: 'string' }, org: { type: 'string' }, 'min-balance': { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.bank) throw AppError.validation([{ field: 'bank', message: 'Give --bank, the time bank’s id' }]);
      const r = await service.addPartner(ctx.db, cliActor, values.bank as string, { organisation: values.org, minBalance: values['min-balance'] });
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
