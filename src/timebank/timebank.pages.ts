import { randomUUID } from 'node:crypto';
import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { findOrganisation } from '../organisations/organisations.service.ts';
import * as service from './timebank.service.ts';

type Form = Record<string, string | undefined>;

/** Minutes as people say them: "1 hour 30 minutes", "minus 45 minutes". */
export function formatMinutes(minutes: number | null): string {
  if (minutes === null) return 'No limit';
  const sign = minutes < 0 ? 'minus ' : '';
  const m = Math.abs(minutes);
  const hours = Math.floor(m / 60);
  const rest = m % 60;
  const parts = [hours ? `${hours} hour${hours === 1 ? '' : 's'}` : '', rest || !hours ? `${rest} minute${rest === 1 ? '' : 's'}` : ''].filter(Boolean);
  return sign + parts.join(' ');
}

export function timebankPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/timebank', async (request, reply) => {
    const [banks, mine] = await Promise.all([service.listBanks(db), service.myAccounts(db, request.actor)]);
    return reply.page('timebank/views/index.njk', {
      banks, signedIn: !!request.actor.userId,
      mine: mine.map((a) => ({ ...a, balanceText: formatMinutes(a.balance) })),
    });
  });

  app.get('/timebank/banks/:id', async (request, reply) => {
    const bank = await service.getBank(db, (request.params as { id: string }).id);
    const org = await findOrganisation(db, bank.organisationId);
    const coordinator = await service.coordinates(db, request.actor, bank.id);
    const accounts = coordinator ? await service.listAccounts(db, request.actor, bank.id) : [];
    return reply.page('timebank/views/bank.njk', {
      bank, org, coordinator,
      accounts: accounts.map((a) => ({ ...a, balanceText: formatMinutes(a.balance), limitText: formatMinutes(a.minBalance) })),
    });
  });

  async function accountPage(request: { actor: import('../platform/actor.ts').Actor }, id: string, extra: { values?: Form; errors?: { field: string; message: string }[]; status?: number; notice?: string }) {
    const statement = await service.accountStatement(db, request.actor, id, { limit: 200 });
    const bank = await service.getBank(db, statement.account.bankId);
    const choices = await service.exchangeChoices(db, request.actor, id);
    const coordinator = await service.coordinates(db, request.actor, bank.id);
    return {
      data: {
        bank, coordinator, account: { ...statement.account, balanceText: formatMinutes(statement.account.balance), limitText: formatMinutes(statement.account.minBalance), availableText: formatMinutes(statement.account.available) },
        postings: statement.postings.map((p) => ({ ...p, minutesText: formatMinutes(p.minutes), balanceText: formatMinutes(p.balanceAfter) })),
        recipientItems: choices ? [{ value: '', text: 'Choose who the time goes to' }, ...choices.map((c) => ({ value: c.id, text: c.name, selected: c.id === extra.values?.to }))] : null,
        values: { id: extra.values?.id ?? randomUUID(), ...extra.values }, errors: extra.errors, notice: extra.notice,
      },
      status: extra.status ?? 200,
    };
  }

  app.get('/timebank/accounts/:id', async (request, reply) => {
    const notices: Record<string, string> = { recorded: 'The exchange is recorded.', reversed: 'The exchange is reversed. Both the exchange and its reversal stay on the statement.' };
    const notice = notices[(request.query as Form).notice ?? ''];
    const { data, status } = await accountPage(request, (request.params as { id: string }).id, { notice });
    return reply.page('timebank/views/account.njk', data, { status, form: true });
  });

  // Coordinators correct a mistake by reversing an exchange, once, with a reason: nothing is ever deleted.
  app.get('/timebank/accounts/:id/transfers/:transfer/reverse', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id, transfer } = request.params as { id: string; transfer: string };
    const original = await service.getTransfer(db, request.actor, transfer);
    return reply.page('timebank/views/reverse.njk', { accountId: id, transfer: original, minutesText: formatMinutes(original.minutes), values: { id: randomUUID() } });
  });

  app.post('/timebank/accounts/:id/transfers/:transfer/reverse', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id, transfer } = request.params as { id: string; transfer: string };
    const form = (request.body ?? {}) as Form;
    try {
      await service.reverseTransfer(db, request.actor, transfer, { id: form.id, reason: form.reason });
      return reply.redirect(`/timebank/accounts/${id}?notice=reversed`, 303);
    } catch (error) {
      if (!isAppError(error) || !['validation_failed', 'unprocessable', 'conflict'].includes(error.code)) throw error;
      const original = await service.getTransfer(db, request.actor, transfer);
      const errors = error.fieldErrors.length ? error.fieldErrors : [{ field: 'reason', message: error.message }];
      return reply.page('timebank/views/reverse.njk', { accountId: id, transfer: original, minutesText: formatMinutes(original.minutes), values: form, errors }, { status: error.status });
    }
  });

  app.post('/timebank/accounts/:id/transfers', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      await service.recordTransfer(db, request.actor, { id: form.id, from: id, to: form.to, minutes: form.minutes, reason: form.reason });
      return reply.redirect(`/timebank/accounts/${id}?notice=recorded`, 303);
    } catch (error) {
      if (!isAppError(error) || !['validation_failed', 'unprocessable', 'conflict'].includes(error.code)) throw error;
      const errors = error.fieldErrors.length ? error.fieldErrors : [{ field: 'minutes', message: error.message }];
      // A conflict means the form was sent twice with other details: offer a fresh form.
      const values = error.code === 'conflict' ? { ...form, id: randomUUID() } : form;
      const { data } = await accountPage(request, id, { values, errors });
      return reply.page('timebank/views/account.njk', data, { status: error.status });
    }
  });
}
