// The coordinators' and organisers' own pages for a time bank: opening one, its settings (the limit new
// members start with), a member's limit, and refusing a request to join. Each calls one service function,
// which checks the role again and writes the audit row.
import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError, isAppError } from '../platform/errors.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import * as service from './timebank.service.ts';
import { formatMinutes } from './timebank.pages.ts';

type Form = Record<string, string | undefined>;
type FieldErrors = { field: string; message: string }[];

function formErrors(error: unknown, field: string): { errors: FieldErrors; status: number } {
  if (!isAppError(error) || !['validation_failed', 'unprocessable', 'conflict'].includes(error.code)) throw error;
  return { errors: error.fieldErrors.length ? error.fieldErrors : [{ field, message: error.message }], status: error.status };
}

/** Minutes below zero as hours for a form: -330 → "5.5". */
export function hoursBelowZero(minBalance: number | null): string {
  if (minBalance === null) return '';
  return String(Math.round((-minBalance / 60) * 100) / 100);
}

export function timebankSettingsPages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const id = (request: { params: unknown }) => (request.params as { id: string }).id;
  const coordinatorsOfBank = { config: { access: { roles: ['admin', 'coordinator'] as const, organisation: (r: { params: unknown }) => service.bankOrganisationId(db, id(r)) } } };
  const coordinatorsOfAccount = { config: { access: { roles: ['admin', 'coordinator'] as const, organisation: (r: { params: unknown }) => service.accountOrganisationId(db, id(r)) } } };

  // Opening a time bank: an organisation's administrators (or coordinators) open one for it.

  async function organisationsFor(actor: Actor) {
    if (!actor.userId) return [];
    const roles = await rolesByOrganisation(db, actor.userId);
    const ids = [...roles.entries()].filter(([, r]) => r.includes('admin') || r.includes('coordinator')).map(([orgId]) => orgId);
    const names = await organisationNames(db, ids);
    return ids.map((orgId) => ({ id: orgId, name: names.get(orgId)?.name ?? orgId })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async function newBankPage(actor: Actor, values: Form, errors?: FieldErrors) {
    const orgs = await organisationsFor(actor);
    return {
      values, errors,
      organisationItems: [{ value: '', text: 'Choose the organisation that runs it' }, ...orgs.map((o) => ({ value: o.id, text: o.name, selected: values.organisation === o.id }))],
    };
  }

  app.get('/timebank/banks/new', { config: { access: 'signed-in' } }, async (request, reply) => {
    if (!(await organisationsFor(request.actor)).length && !request.actor.isAdmin) {
      throw new AppError('forbidden', 'Only an organisation’s administrators can open a time bank for it. Register your organisation first, or ask its administrators.');
    }
    return reply.page('timebank/views/bank-new.njk', await newBankPage(request.actor, { memberLimitHours: String(-service.TIMEBANK_DEFAULT_MEMBER_LIMIT_MINUTES / 60), requiresApproval: 'yes' }));
  });

  app.post('/timebank/banks/new', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    if (!form.organisation) {
      return reply.page('timebank/views/bank-new.njk', await newBankPage(request.actor, form, [{ field: 'organisation', message: 'Choose the organisation that runs the time bank' }]), { status: 400 });
    }
    try {
      const bank = await service.createBank(db, request.actor, { organisation: form.organisation, name: form.name, requiresApproval: form.requiresApproval, memberLimitHours: form.memberLimitHours ?? '' });
      return reply.redirect(`/timebank/banks/${bank.id}?notice=created`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'name');
      return reply.page('timebank/views/bank-new.njk', await newBankPage(request.actor, form, errors), { status });
    }
  });

  // The bank's settings: the limit new members' accounts open with.

  async function settingsPage(bankId: string, values?: Form, errors?: FieldErrors, notice?: string) {
    const bank = await service.getBank(db, bankId);
    return { bank, values: values ?? { hours: hoursBelowZero(bank.memberMinBalance) }, errors, notice, limitText: formatMinutes(bank.memberMinBalance) };
  }

  app.get('/timebank/banks/:id/settings', coordinatorsOfBank, async (request, reply) => {
    const notice = (request.query as Form).notice === 'saved' ? 'The limit for new members is saved. Members who have already joined keep theirs.' : undefined;
    return reply.page('timebank/views/bank-settings.njk', await settingsPage(id(request), undefined, undefined, notice));
  });

  app.post('/timebank/banks/:id/settings', coordinatorsOfBank, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await service.setMemberDefaultLimit(db, request.actor, id(request), { hours: form.hours });
      return reply.redirect(`/timebank/banks/${id(request)}/settings?notice=saved`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'hours');
      return reply.page('timebank/views/bank-settings.njk', await settingsPage(id(request), form, errors), { status });
    }
  });

  // One account's limit.

  async function limitPage(actor: Actor, accountId: string, values?: Form, errors?: FieldErrors) {
    const account = await service.accountForCoordinator(db, actor, accountId);
    return { account: { ...account, balanceText: formatMinutes(account.balance), limitText: formatMinutes(account.minBalance) }, values: values ?? { hours: hoursBelowZero(account.minBalance) }, errors };
  }

  app.get('/timebank/accounts/:id/limit', coordinatorsOfAccount, async (request, reply) => {
    return reply.page('timebank/views/limit.njk', await limitPage(request.actor, id(request)));
  });

  app.post('/timebank/accounts/:id/limit', coordinatorsOfAccount, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const a = await service.setAccountLimit(db, request.actor, id(request), { hours: form.hours });
      return reply.redirect(`/timebank/banks/${a.bankId}?notice=limit`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'hours');
      return reply.page('timebank/views/limit.njk', await limitPage(request.actor, id(request), form, errors), { status });
    }
  });

  // Refusing a request to join, with a reason the person is told.

  app.get('/timebank/accounts/:id/refuse', coordinatorsOfAccount, async (request, reply) => {
    const account = await service.accountForCoordinator(db, request.actor, id(request));
    if (account.status !== 'pending') throw new AppError('unprocessable', `${account.name} is not waiting to join, so there is nothing to refuse`);
    return reply.page('timebank/views/refuse.njk', { account, values: {} });
  });

  app.post('/timebank/accounts/:id/refuse', coordinatorsOfAccount, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const a = await service.changeAccountStatus(db, request.actor, id(request), 'refuse', { reason: form.reason }, { baseUrl: ctx.config.baseUrl });
      return reply.redirect(`/timebank/banks/${a.bankId}?notice=refused`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'reason');
      const account = await service.accountForCoordinator(db, request.actor, id(request));
      return reply.page('timebank/views/refuse.njk', { account, values: form, errors }, { status });
    }
  });
}
