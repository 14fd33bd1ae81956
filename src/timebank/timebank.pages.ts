import { randomUUID } from 'node:crypto';
import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { findOrganisation } from '../organisations/organisations.service.ts';
import type { Actor } from '../platform/actor.ts';
import * as service from './timebank.service.ts';
import * as exchanges from './timebank.exchanges.ts';
import * as partners from './timebank.partners.ts';
import { own } from '../platform/sanitise.ts';

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

const bankNotices: Record<string, string> = {
  joined: 'You have joined the time bank. If it asks coordinators to approve new members, you can give and receive time once one has.',
  approved: 'The member is approved and can now give and receive time.',
  suspended: 'The account is suspended: it can neither give nor receive time until it is reinstated.',
  reinstated: 'The account is reinstated.',
  approval: 'The joining rule is saved.',
  'on-behalf': 'The exchange is recorded on the members’ behalf and the time has moved. Both members have been emailed to say so.',
  created: 'The time bank is open. Add members, or share its page so people can ask to join.',
  refused: 'The request to join is refused. We have emailed the person your reason.',
  limit: 'The member’s limit is saved.',
};

const accountNotices: Record<string, string> = {
  recorded: 'The exchange is recorded.',
  reversed: 'The exchange is reversed. Both the exchange and its reversal stay on the statement.',
  exchange: 'The exchange is recorded. The other member will be asked to confirm it (we have emailed them); the time moves when they do.',
  confirmed: 'The exchange is confirmed and the time has moved. The member who recorded it has been emailed.',
  declined: 'The exchange is declined. No time has moved. The member who recorded it has been emailed.',
  credits: 'The credits are given.',
  activity: 'The activity is listed.',
  redeemed: 'The credits are redeemed.',
};

type Extra = { values?: Form; errors?: { field: string; message: string }[]; status?: number; notice?: string; form?: string };

/** What the bank page shows: joining for a visitor, links for members, the coordinator's tools. */
export async function bankPageData(ctx: AppContext, actor: Actor, id: string, extra: Extra = {}) {
  const { db } = ctx;
  const bank = await service.getBank(db, id);
  const org = await findOrganisation(db, bank.organisationId);
  const coordinator = await service.coordinates(db, actor, bank.id);
  const accounts = coordinator ? await service.listAccounts(db, actor, bank.id) : [];
  const mine = await service.myAccountIn(db, actor, bank.id);
  const refusalReason = mine?.status === 'refused' ? await service.myRefusalReason(db, actor, bank.id) : null;
  return {
    data: {
      bank, org, coordinator, mine, signedIn: !!actor.userId, refusalReason, newMemberLimitText: formatMinutes(bank.memberMinBalance),
      accounts: accounts.map((a) => ({ ...a, balanceText: formatMinutes(a.balance), limitText: formatMinutes(a.minBalance) })),
      pending: accounts.filter((a) => a.status === 'pending'),
      values: extra.values ?? {}, errors: extra.errors, notice: extra.notice,
    },
    status: extra.status ?? 200,
  };
}

/** What an account page shows: the statement, and the forms its holder, a partner's staff or a coordinator may use. */
export async function accountPageData(ctx: AppContext, actor: Actor, id: string, extra: Extra = {}) {
  const { db } = ctx;
  const statement = await service.accountStatement(db, actor, id, { limit: 200 });
  const account = statement.account;
  const bank = await service.getBank(db, account.bankId);
  const choices = await service.exchangeChoices(db, actor, id);
  const coordinator = await service.coordinates(db, actor, bank.id);
  const pending = await exchanges.pendingExchanges(db, actor, id);
  const member = account.kind === 'member';
  const ownMember = member && account.userId === actor.userId && account.status === 'active';
  const others = ownMember ? await exchanges.exchangePartners(db, actor, bank.id) : [];
  const partnerForms = account.kind === 'organisation' && account.id !== bank.issuerAccountId;
  const activities = partnerForms && account.partnerRole !== 'earn' ? await partners.listActivities(db, bank.id, account.id) : [];
  const v = extra.values ?? {};
  const present = (e: exchanges.ExchangeView) => ({ ...e, minutesText: formatMinutes(e.minutes), other: e.provider.id === account.id ? e.receiver.name : e.provider.name, gave: e.provider.id === account.id });
  return {
    data: {
      bank, coordinator, account: { ...account, balanceText: formatMinutes(account.balance), limitText: formatMinutes(account.minBalance), availableText: formatMinutes(account.available) },
      postings: statement.postings.map((p) => ({ ...p, minutesText: formatMinutes(p.minutes), balanceText: formatMinutes(p.balanceAfter), categoryText: p.category ? exchanges.categoryLabel(p.category) : '' })),
      recipientItems: choices && account.status === 'active' ? [{ value: '', text: 'Choose who the time goes to' }, ...choices.map((c) => ({ value: c.id, text: c.name, selected: c.id === v.to }))] : null,
      toConfirm: pending.toConfirm.map(present), awaiting: pending.awaiting.map(present),
      exchangeForm: ownMember && others.length > 0,
      withItems: [{ value: '', text: 'Choose a member' }, ...others.map((o) => ({ value: o.id, text: o.name, selected: o.id === v.with }))],
      categoryItems: [{ value: '', text: 'Choose a category' }, ...exchanges.categories.map((c) => ({ value: c.value, text: c.text, selected: c.value === v.category }))],
      creditsForm: partnerForms && account.partnerRole !== 'spend' && account.status === 'active',
      activityForms: partnerForms && account.partnerRole !== 'earn' && account.status === 'active',
      activities: activities.map((a) => ({ ...a, minutesText: formatMinutes(a.minutes) })),
      form: extra.form, values: { id: v.id ?? randomUUID(), ...v }, freshId: randomUUID(), errors: extra.errors, notice: extra.notice,
    },
    status: extra.status ?? 200,
  };
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
    const query = request.query as Form;
    const { data } = await bankPageData(ctx, request.actor, (request.params as { id: string }).id, { notice: own(bankNotices, query.notice) });
    return reply.page('timebank/views/bank.njk', data, { form: true });
  });

  app.get('/timebank/accounts/:id', async (request, reply) => {
    const notice = own(accountNotices, (request.query as Form).notice);
    const { data, status } = await accountPageData(ctx, request.actor, (request.params as { id: string }).id, { notice });
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
      const { data } = await accountPageData(ctx, request.actor, id, { values, errors });
      return reply.page('timebank/views/account.njk', data, { status: error.status });
    }
  });
}
