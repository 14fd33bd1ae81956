// Pages for the community side of a time bank: joining, approval and suspension, offers and requests,
// exchanges confirmed by the other side, partner credits and redemptions, impact, and CSV exports.
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { isAppError, AppError } from '../platform/errors.ts';
import { barChart, percent } from '../platform/charts.ts';
import * as service from './timebank.service.ts';
import * as exchanges from './timebank.exchanges.ts';
import * as partners from './timebank.partners.ts';
import { impactFor, impactReleaseCsv, seesExactImpact, type ImpactRelease } from './timebank.impact.ts';
import { accountsCsv, statementCsv } from './timebank.csv.ts';
import { accountPageData, bankPageData, formatMinutes } from './timebank.pages.ts';
import { own } from '../platform/sanitise.ts';
import { findNeighbourhood } from './timebank.places.ts';

type Form = Record<string, string | undefined>;
type FieldErrors = { field: string; message: string }[];

/** The errors a form shows beside its fields; anything else (403, 404, 500) goes to the error page. */
function formErrors(error: unknown, field: string): { errors: FieldErrors; status: number } {
  if (!isAppError(error) || !['validation_failed', 'unprocessable', 'conflict'].includes(error.code)) throw error;
  return { errors: error.fieldErrors.length ? error.fieldErrors : [{ field, message: error.message }], status: error.status };
}

function sendCsv(reply: FastifyReply, filename: string, body: string) {
  return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(body);
}

const categoryItems = (selected?: string, blank = 'Choose a category') => [
  { value: '', text: blank }, ...exchanges.categories.map((c) => ({ value: c.value, text: c.text, selected: c.value === selected })),
];

function monthText(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return `${['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][m - 1]} ${y}`;
}


type Marks = Record<string, 'fewer-than-5' | 'secondary'>;

/**
 * A figure as a table cell: in the public release a hidden count is "fewer than 5" and any other hidden
 * figure "not shown"; in the exact release a figure the public one hides says "do not publish".
 */
function cell(value: number | null, marks: Marks, field: string, show: (n: number) => string | number = (n) => n): string | number {
  const why = marks[field];
  if (value === null) return why === 'fewer-than-5' ? 'fewer than 5' : 'not shown';
  return why ? `${show(value)} (do not publish)` : show(value);
}

const published = (...values: (number | null)[]) => values.every((v) => v !== null);

/** A note naming what a public chart leaves out (its bars would show hidden figures); the table says why. */
function leftOut(labels: string[]): string | undefined {
  return labels.length ? `Left out of the chart, to protect the people counted: ${labels.join(', ')}. The table shows why.` : undefined;
}

/** The impact page's charts (SVG) and the tables beside them. A public chart has no bar for a hidden figure. */
export function impactCharts(i: ImpactRelease) {
  const charts: { id: string; heading: string; svg: string | null; head: string[]; rows: (string | number)[][]; note?: string; chartNote?: string; empty?: string }[] = [];
  const h = (v: number) => `${v.toFixed(1)} h`;
  const cats = i.byCategory.filter((c) => published(c.minutes));
  charts.push({
    id: 'by-category', heading: 'Hours by category of help',
    svg: cats.length ? barChart({ id: 'chart-category', title: 'Hours of help given, by category', categories: cats.map((c) => c.label), series: [{ name: 'Hours', values: cats.map((c) => c.minutes! / 60) }], format: h }) : null,
    head: ['Category', 'Exchanges', 'Time'], rows: i.byCategory.map((c) => [c.label, cell(c.transfers, c.suppressed, 'transfers'), cell(c.minutes, c.suppressed, 'minutes', formatMinutes)]),
    chartNote: leftOut(i.byCategory.filter((c) => !published(c.minutes)).map((c) => c.label)),
  });
  const months = i.byMonth.filter((m) => published(m.minutes));
  charts.push({
    id: 'by-month', heading: 'Hours by month',
    svg: months.length ? barChart({ id: 'chart-month', title: 'Hours of help given, by month', categories: months.map((m) => monthText(m.month)), series: [{ name: 'Hours', values: months.map((m) => m.minutes! / 60) }], format: h }) : null,
    head: ['Month', 'Exchanges', 'Time'], rows: i.byMonth.map((m) => [monthText(m.month), cell(m.transfers, m.suppressed, 'transfers'), cell(m.minutes, m.suppressed, 'minutes', formatMinutes)]),
    chartNote: leftOut(i.byMonth.filter((m) => !published(m.minutes)).map((m) => monthText(m.month))),
  });
  const split = i.byMonth.filter((m) => published(m.firstTime, m.returning));
  charts.push({
    id: 'people', heading: 'People taking part: first-time and returning',
    svg: split.length ? barChart({ id: 'chart-people', title: 'People who gave or received time each month, first-time and returning', categories: split.map((m) => monthText(m.month)), series: [{ name: 'First time', values: split.map((m) => m.firstTime!) }, { name: 'Returning', values: split.map((m) => m.returning!) }] }) : null,
    head: ['Month', 'People', 'First time', 'Returning'], rows: i.byMonth.map((m) => [monthText(m.month), cell(m.people, m.suppressed, 'people'), cell(m.firstTime, m.suppressed, 'firstTime'), cell(m.returning, m.suppressed, 'returning')]),
    note: 'A person is first-time in the first month they gave or received time, and returning in every later month they did.',
    chartNote: leftOut(i.byMonth.filter((m) => !published(m.firstTime, m.returning)).map((m) => monthText(m.month))),
  });
  const retention = i.byMonth.filter((m) => m.previous !== null || m.suppressed.previous);
  const rate = (m: ImpactRelease['byMonth'][number]) => (m.previous ? m.retainedFromPrevious! / m.previous : 0);
  const shownRetention = retention.filter((m) => published(m.previous, m.retainedFromPrevious));
  const everyone = i.totals.people === null ? (i.totals.suppressed.people === 'fewer-than-5' ? 'fewer than 5' : 'all the') : i.totals.people;
  charts.push({
    id: 'retention', heading: 'Retention from one month to the next',
    svg: shownRetention.length ? barChart({ id: 'chart-retention', title: 'Share of the previous month’s people who took part again', categories: shownRetention.map((m) => monthText(m.month)), series: [{ name: 'Retained', values: shownRetention.map(rate) }], max: 1, format: (v) => percent(v, 0) }) : null,
    head: ['Month', 'People the month before', 'Of whom took part again', 'Retained'],
    rows: retention.map((m) => [
      monthText(m.month), cell(m.previous, m.suppressed, 'previous'), cell(m.retainedFromPrevious, m.suppressed, 'retainedFromPrevious'),
      !published(m.previous, m.retainedFromPrevious) ? 'not shown' : !m.previous ? '–' : m.suppressed.previous || m.suppressed.retainedFromPrevious ? `${percent(rate(m), 0)} (do not publish)` : percent(rate(m), 0),
    ]),
    note: i.returningPeople === null
      ? `Fewer than 5 of ${everyone} people have taken part in more than one month.`
      : `${i.returningPeople}${i.suppressed.returningPeople ? ' (do not publish)' : ''} of ${everyone} people have taken part in more than one month.`,
    chartNote: leftOut(retention.filter((m) => !published(m.previous, m.retainedFromPrevious)).map((m) => monthText(m.month))),
    empty: 'Retention needs exchanges in at least two months.',
  });
  const deciles = i.byDecile.filter((d) => published(d.minutes));
  charts.push({
    id: 'by-decile', heading: 'Hours by deprivation decile of the member’s area',
    svg: i.totals.minutes !== 0 && deciles.some((d) => d.minutes) ? barChart({ id: 'chart-decile', title: 'Hours of help given, by the national deprivation decile of the area of the member who gave it', categories: deciles.map((d) => d.label), series: [{ name: 'Hours', values: deciles.map((d) => d.minutes! / 60) }], format: h }) : null,
    head: ['Decile', 'Members', 'Time'], rows: i.byDecile.map((d) => [d.label, cell(d.members, d.suppressed, 'members'), cell(d.minutes, d.suppressed, 'minutes', formatMinutes)]),
    note: 'Deciles are national: 1 is the most deprived 10% of small areas in England (IMD 2019) or Scotland (SIMD 2020). A member gives their area when they join, if they wish; time from members who did not, or whose area is not loaded, is under “Area not known”.',
    chartNote: leftOut(i.byDecile.filter((d) => !published(d.minutes)).map((d) => (d.decile === null ? d.label : `decile ${d.label}`))),
  });
  for (const c of charts) c.empty ??= 'No exchanges yet.';
  return charts;
}

/** The sentence at the top of the impact page: the totals, or why they are not shown. */
export function impactSummary(i: ImpactRelease): string {
  const t = i.totals;
  const people = t.people !== null ? `${t.people.toLocaleString('en-GB')} ${t.people === 1 ? 'person' : 'people'}` : null;
  if (t.people === null && t.suppressed.people === 'fewer-than-5') {
    return 'Help has been given by fewer than 5 people so far. To protect their privacy, most figures are shown once 5 or more people have taken part.';
  }
  if (t.minutes === null || t.transfers === null) {
    return `${people ? `Help has been given by ${people}.` : 'Help has been given.'} The total time is not shown: with the figures below it would reveal a figure about fewer than 5 people.`;
  }
  return `${formatMinutes(t.minutes)} of help given in ${t.transfers.toLocaleString('en-GB')} ${t.transfers === 1 ? 'exchange' : 'exchanges'}, by ${people ?? 'a number of people not shown (it would reveal a figure about fewer than 5 people)'}.`;
}

/** How many figures the public release hides. */
function hiddenCount(i: ImpactRelease): number {
  const n = (m: Marks) => Object.keys(m).length;
  return n(i.totals.suppressed) + n(i.suppressed) + [...i.byCategory, ...i.byMonth, ...i.byDecile].reduce((s, r) => s + n(r.suppressed), 0);
}

export function timebankCommunityPages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const param = (request: { params: unknown }, name = 'id') => (request.params as Record<string, string>)[name]!;
  const signedIn = { config: { access: 'signed-in' as const } };
  const emailOptions = { baseUrl: ctx.config.baseUrl };

  // Joining

  app.post('/timebank/banks/:id/join', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const again = async (errors: FieldErrors, status: number, choices?: { value: string; text: string }[]) => {
      const { data } = await bankPageData(ctx, request.actor, param(request), { values: form, errors, status });
      return reply.page('timebank/views/bank.njk', { ...data, areaChoices: choices }, { status });
    };
    // The neighbourhood: a small area chosen from a list offered earlier, or found from the postcode or place
    // the person typed (never a code they must know).
    let areaCode = form.areaCode;
    if (!areaCode && form.place?.trim()) {
      const found = await findNeighbourhood(db, form.place.slice(0, 100));
      if (found.kind === 'unknown') return again([{ field: 'place', message: found.message }], 400);
      if (found.kind === 'choose') return again([{ field: 'areaCode', message: found.message }], 400, found.choices);
      if (found.kind === 'area') areaCode = found.code;
    }
    try {
      await service.joinBank(db, request.actor, param(request), { name: form.name, areaCode }, emailOptions);
      return reply.redirect(`/timebank/banks/${param(request)}?notice=joined`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'name');
      return again(errors.map((e) => (e.field === 'areaCode' ? { ...e, field: 'place' } : e)), status);
    }
  });

  // Coordinators: approval, suspension, the approval setting, exports

  app.post('/timebank/accounts/:id/approve', signedIn, async (request, reply) => {
    const a = await service.changeAccountStatus(db, request.actor, param(request), 'approve');
    return reply.redirect(`/timebank/banks/${a.bankId}?notice=approved`, 303);
  });
  app.post('/timebank/accounts/:id/reinstate', signedIn, async (request, reply) => {
    const a = await service.changeAccountStatus(db, request.actor, param(request), 'reinstate');
    return reply.redirect(`/timebank/banks/${a.bankId}?notice=reinstated`, 303);
  });
  app.get('/timebank/accounts/:id/suspend', signedIn, async (request, reply) => {
    const account = await service.getAccount(db, request.actor, param(request));
    if (!(await service.coordinates(db, request.actor, account.bankId))) throw new AppError('forbidden', 'Only the bank’s coordinators can suspend an account');
    return reply.page('timebank/views/suspend.njk', { account, values: {} });
  });
  app.post('/timebank/accounts/:id/suspend', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const a = await service.changeAccountStatus(db, request.actor, param(request), 'suspend', { reason: form.reason });
      return reply.redirect(`/timebank/banks/${a.bankId}?notice=suspended`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'reason');
      const account = await service.getAccount(db, request.actor, param(request));
      return reply.page('timebank/views/suspend.njk', { account, values: form, errors }, { status });
    }
  });
  app.post('/timebank/banks/:id/approval', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    await service.setRequiresApproval(db, request.actor, param(request), form.requiresApproval === 'yes');
    return reply.redirect(`/timebank/banks/${param(request)}?notice=approval`, 303);
  });
  app.get('/timebank/banks/:id/accounts.csv', async (request, reply) => {
    const bank = await service.getBank(db, param(request));
    return sendCsv(reply, `time-bank-accounts-${bank.id}.csv`, accountsCsv(await service.listAccounts(db, request.actor, bank.id)));
  });
  app.get('/timebank/accounts/:id/statement.csv', async (request, reply) => {
    const statement = await service.accountStatement(db, request.actor, param(request), { limit: 100_000 });
    return sendCsv(reply, `time-bank-statement-${statement.account.id}.csv`, statementCsv(statement));
  });

  // Offers and requests

  async function listingsPage(actor: Actor, bankId: string, query: Form, extra: { values?: Form; errors?: FieldErrors } = {}) {
    const bank = await service.getBank(db, bankId);
    const found = await exchanges.searchListings(db, actor, bank.id, query);
    const pages = Math.ceil(found.total / found.pageSize);
    const link = (page: number) => `/timebank/banks/${bank.id}/listings?${new URLSearchParams({ ...Object.fromEntries(Object.entries(query).filter(([k, v]) => k !== 'page' && v)), page: String(page) } as Record<string, string>)}`;
    return {
      bank, query, found,
      kindItems: [{ value: '', text: 'Offers and requests' }, { value: 'offer', text: 'Offers of help', selected: query.kind === 'offer' }, { value: 'request', text: 'Requests for help', selected: query.kind === 'request' }],
      filterCategoryItems: categoryItems(query.category, 'Any category'),
      areaItems: [{ value: '', text: 'Any area' }, ...found.areas.map((a) => ({ value: a, text: a, selected: a === query.area }))],
      newCategoryItems: categoryItems(extra.values?.category),
      pagination: pages > 1 ? { previous: found.page > 1 ? { href: link(found.page - 1) } : undefined, next: found.page < pages ? { href: link(found.page + 1) } : undefined } : null,
      values: extra.values ?? {}, errors: extra.errors,
    };
  }

  app.get('/timebank/banks/:id/listings', async (request, reply) => {
    return reply.page('timebank/views/listings.njk', await listingsPage(request.actor, param(request), request.query as Form), { form: true });
  });

  app.post('/timebank/banks/:id/listings', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const listing = await exchanges.createListing(db, request.actor, param(request), form);
      return reply.redirect(`/timebank/listings/${listing.id}?notice=listed`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'title');
      return reply.page('timebank/views/listings.njk', await listingsPage(request.actor, param(request), {}, { values: form, errors }), { status });
    }
  });

  async function listingPage(actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; notice?: string } = {}) {
    const listing = await exchanges.getListing(db, actor, id);
    const mine = await service.myAccountIn(db, actor, listing.bankId);
    const own = mine?.id === listing.accountId;
    const others = own ? await exchanges.exchangePartners(db, actor, listing.bankId) : [];
    const active = !!mine && mine.status === 'active';
    const messages = active ? await exchanges.listingMessages(db, actor, id) : [];
    return {
      listing, own, canRecord: active, messages,
      canMessage: active && !own && listing.status === 'open', signedIn: !!actor.userId,
      withItems: [{ value: '', text: 'Choose a member' }, ...others.map((o) => ({ value: o.id, text: o.name, selected: o.id === extra.values?.with }))],
      values: { id: randomUUID(), ...extra.values }, errors: extra.errors, notice: extra.notice,
    };
  }

  app.get('/timebank/listings/:id', async (request, reply) => {
    const notices: Record<string, string> = { listed: 'Your listing is published to the bank’s members.', recorded: 'The exchange is recorded. The other member will be asked to confirm it (we have emailed them); the time moves when they do.', sent: 'Your message is sent. We have emailed it to them; their answer will come to you by email and on this page.' };
    return reply.page('timebank/views/listing.njk', await listingPage(request.actor, param(request), { notice: own(notices, (request.query as Form).notice) }), { form: true });
  });

  app.post('/timebank/listings/:id/exchanges', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await exchanges.recordExchange(db, request.actor, { id: form.id, listingId: param(request), with: form.with || undefined, minutes: form.minutes, description: form.description }, emailOptions);
      return reply.redirect(`/timebank/listings/${param(request)}?notice=recorded`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'description');
      return reply.page('timebank/views/listing.njk', await listingPage(request.actor, param(request), { values: form, errors }), { status });
    }
  });

  app.post('/timebank/listings/:id/messages', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await exchanges.sendMessage(db, request.actor, param(request), { body: form.body, inReplyTo: form.inReplyTo || undefined }, emailOptions);
      return reply.redirect(`/timebank/listings/${param(request)}?notice=sent#messages`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'body');
      const field = form.inReplyTo ? `reply-${form.inReplyTo}` : 'body';
      return reply.page('timebank/views/listing.njk', await listingPage(request.actor, param(request), { values: form, errors: errors?.map((e) => (e.field === 'body' ? { ...e, field } : e)) }), { status });
    }
  });

  app.post('/timebank/listings/:id/close', signedIn, async (request, reply) => {
    const listing = await exchanges.closeListing(db, request.actor, param(request));
    return reply.redirect(`/timebank/banks/${listing.bankId}/listings`, 303);
  });

  // Exchanges: recorded from the account page (by a member) or for two members (by a coordinator); decided by the other side

  app.post('/timebank/accounts/:id/exchanges', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const account = await service.getAccount(db, request.actor, param(request));
    try {
      await exchanges.recordExchange(db, request.actor, { id: form.id, bankId: account.bankId, role: form.role, with: form.with, minutes: form.minutes, category: form.category, description: form.description }, emailOptions);
      return reply.redirect(`/timebank/accounts/${account.id}?notice=exchange`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'description');
      const { data } = await accountPageData(ctx, request.actor, account.id, { values: form, errors, status, form: 'exchange' });
      return reply.page('timebank/views/account.njk', data, { status });
    }
  });

  app.post('/timebank/exchanges/:id/:decision', signedIn, async (request, reply) => {
    const decision = param(request, 'decision');
    if (decision !== 'confirm' && decision !== 'decline') throw new AppError('not_found', 'No such page');
    const back = ((request.body ?? {}) as Form).back;
    const to = back && /^\/timebank\/accounts\/[0-9a-f-]{36}$/.test(back) ? back : '/timebank';
    try {
      await exchanges.decideExchange(db, request.actor, param(request), decision, emailOptions);
      return reply.redirect(`${to}?notice=${decision === 'confirm' ? 'confirmed' : 'declined'}`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'exchange');
      if (to === '/timebank') throw error;
      const { data } = await accountPageData(ctx, request.actor, to.slice('/timebank/accounts/'.length), { errors, status });
      return reply.page('timebank/views/account.njk', data, { status });
    }
  });

  async function onBehalfPage(actor: Actor, bankId: string, extra: { values?: Form; errors?: FieldErrors } = {}) {
    const bank = await service.getBank(db, bankId);
    if (!(await service.coordinates(db, actor, bank.id))) throw new AppError('forbidden', 'Only the bank’s coordinators can record an exchange for two members');
    const members = await exchanges.exchangePartners(db, actor, bank.id);
    const items = (selected?: string) => [{ value: '', text: 'Choose a member' }, ...members.map((m) => ({ value: m.id, text: m.name, selected: m.id === selected }))];
    return { bank, providerItems: items(extra.values?.provider), receiverItems: items(extra.values?.receiver), categoryItems: categoryItems(extra.values?.category), values: { id: randomUUID(), ...extra.values }, errors: extra.errors };
  }

  app.get('/timebank/banks/:id/exchanges/new', signedIn, async (request, reply) => reply.page('timebank/views/on-behalf.njk', await onBehalfPage(request.actor, param(request))));

  app.post('/timebank/banks/:id/exchanges', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await exchanges.recordExchange(db, request.actor, { id: form.id, bankId: param(request), provider: form.provider, receiver: form.receiver, minutes: form.minutes, category: form.category, description: form.description }, emailOptions);
      return reply.redirect(`/timebank/banks/${param(request)}?notice=on-behalf`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'description');
      return reply.page('timebank/views/on-behalf.njk', await onBehalfPage(request.actor, param(request), { values: form, errors }), { status });
    }
  });

  // Partners: credits for volunteering, activities, redemptions

  app.post('/timebank/accounts/:id/credits', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await partners.issueCredits(db, request.actor, param(request), form);
      return reply.redirect(`/timebank/accounts/${param(request)}?notice=credits`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'memberCode');
      const { data } = await accountPageData(ctx, request.actor, param(request), { values: form, errors, status, form: 'credits' });
      return reply.page('timebank/views/account.njk', data, { status });
    }
  });

  app.post('/timebank/accounts/:id/activities', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await partners.addActivity(db, request.actor, param(request), form);
      return reply.redirect(`/timebank/accounts/${param(request)}?notice=activity`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'title');
      const { data } = await accountPageData(ctx, request.actor, param(request), { values: form, errors, status, form: 'activity' });
      return reply.page('timebank/views/account.njk', data, { status });
    }
  });

  app.post('/timebank/activities/:id/redeem', signedIn, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const activity = await partners.getActivity(db, param(request));
    try {
      await partners.redeem(db, request.actor, activity.id, form);
      return reply.redirect(`/timebank/accounts/${activity.partner.id}?notice=redeemed`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'memberCode');
      const { data } = await accountPageData(ctx, request.actor, activity.partner.id, { values: form, errors, status, form: `redeem-${activity.id}` });
      return reply.page('timebank/views/account.njk', data, { status });
    }
  });

  app.get('/timebank/banks/:id/activities', async (request, reply) => {
    const bank = await service.getBank(db, param(request));
    const activities = await partners.listActivities(db, bank.id);
    return reply.page('timebank/views/activities.njk', { bank, activities: activities.map((a) => ({ ...a, minutesText: formatMinutes(a.minutes) })) });
  });

  // Impact

  // Impact: the public release for everyone; the exact figures, marked not for publication, for coordinators
  // (on the page by default, with a link to the public view; in the CSV only when asked for).

  const impactView = (query: Form): 'public' | 'exact' | undefined => (query.view === 'exact' || query.view === 'public' ? query.view : undefined);

  app.get('/timebank/banks/:id/impact', async (request, reply) => {
    const coordinator = await seesExactImpact(db, request.actor, param(request));
    const view = impactView(request.query as Form) ?? (coordinator ? 'exact' : 'public');
    const impact = await impactFor(db, request.actor, param(request), view);
    const t = impact.totals;
    return reply.page('timebank/views/impact.njk', {
      impact, coordinator, exact: view === 'exact', hidden: hiddenCount(impact), charts: impactCharts(impact),
      summary: impactSummary(impact),
    });
  });

  app.get('/timebank/banks/:id/impact.csv', async (request, reply) => {
    const view = impactView(request.query as Form) ?? 'public';
    const impact = await impactFor(db, request.actor, param(request), view);
    return sendCsv(reply, `time-bank-impact-${impact.bank.id}${view === 'exact' ? '-exact-not-for-publication' : ''}.csv`, impactReleaseCsv(impact));
  });
}
