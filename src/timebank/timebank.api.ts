import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import * as service from './timebank.service.ts';
import * as exchanges from './timebank.exchanges.ts';
import * as partners from './timebank.partners.ts';
import { impactFor } from './timebank.impact.ts';

const Uuid = Type.String({ format: 'uuid' });
const Minutes = Type.Integer({ minimum: 1, maximum: service.maxTransferMinutes, description: 'Whole minutes' });

const Transfer = Type.Object({
  id: Uuid, bankId: Uuid, from: Uuid, to: Uuid, minutes: Type.Integer(), reason: Type.String(),
  reverses: Type.Union([Uuid, Type.Null()], { description: 'The transfer this one reverses' }),
  groupId: Type.Union([Uuid, Type.Null()], { description: 'The group exchange this transfer is a leg of' }),
  onBehalf: Type.Boolean({ description: 'Recorded by a coordinator rather than the sender' }),
  recordedBy: Type.Union([Uuid, Type.Null()]),
  recordedAt: Type.String({ format: 'date-time' }),
  kind: Type.Union([Type.Literal('transfer'), Type.Literal('exchange'), Type.Literal('volunteering'), Type.Literal('redemption')], { description: 'A plain transfer, an exchange between members, credits for volunteering, or credits spent at a partner venue' }),
  category: Type.Union([Type.String(), Type.Null()], { description: 'The category of help, for impact' }),
}, { $id: 'TimebankTransfer' });

const Account = Type.Object({
  id: Uuid, bankId: Uuid, organisationId: Uuid, kind: Type.Union([Type.Literal('member'), Type.Literal('organisation')]),
  name: Type.String(), userId: Type.Union([Uuid, Type.Null()]), holderOrganisationId: Type.Union([Uuid, Type.Null()]),
  balance: Type.Integer({ description: 'Minutes; the sum of the account’s postings' }),
  minBalance: Type.Union([Type.Integer(), Type.Null()], { description: 'The lowest the balance may go; null: no limit' }),
  available: Type.Union([Type.Integer(), Type.Null()], { description: 'Minutes that can still be spent; null: no limit' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('suspended'), Type.Literal('refused')], { description: 'pending: waiting for a coordinator’s approval; refused: a coordinator refused the request to join' }),
  memberCode: Type.Union([Type.String(), Type.Null()], { description: 'What a member shows at a partner venue' }),
  areaCode: Type.Union([Type.String(), Type.Null()], { description: 'The member’s small area (LSOA or data zone code), if given' }),
  partnerRole: Type.Union([Type.Literal('earn'), Type.Literal('spend'), Type.Null()]),
}, { $id: 'TimebankAccount' });

const Posting = Type.Object({
  transferId: Uuid, minutes: Type.Integer({ description: 'Signed: negative leaves the account' }), balanceAfter: Type.Integer(),
  reason: Type.String(), counterparty: Type.Object({ id: Uuid, name: Type.String() }), onBehalf: Type.Boolean(),
  reverses: Type.Union([Uuid, Type.Null()]), reversedBy: Type.Union([Uuid, Type.Null()]), at: Type.String({ format: 'date-time' }),
});

const Bank = Type.Object({ id: Uuid, organisationId: Uuid, name: Type.String(), issuerAccountId: Type.Union([Uuid, Type.Null()]), requiresApproval: Type.Boolean({ description: 'New members wait for a coordinator’s approval' }), memberMinBalance: Type.Integer({ description: 'The limit (minutes, 0 or less) a new member’s account opens with' }) });

const Category = Type.Union(exchanges.categories.map((c) => Type.Literal(c.value)), { description: exchanges.categories.map((c) => `${c.value}: ${c.text}`).join('; ') });

const Listing = Type.Object({
  id: Uuid, bankId: Uuid, accountId: Uuid, accountName: Type.String(), kind: Type.Union([Type.Literal('offer'), Type.Literal('request')]),
  category: Type.String(), categoryLabel: Type.String(), title: Type.String(), description: Type.String(), area: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]), createdAt: Type.String({ format: 'date-time' }),
}, { $id: 'TimebankListing' });

const Party = Type.Object({ id: Uuid, name: Type.String() });
const Exchange = Type.Object({
  id: Uuid, bankId: Uuid, listingId: Type.Union([Uuid, Type.Null()]), provider: Party, receiver: Party, minutes: Type.Integer(),
  category: Type.String(), categoryLabel: Type.String(), description: Type.String(),
  proposedBy: Type.Union([Uuid, Type.Null()], { description: 'The account that recorded it (the other side confirms); null when a coordinator recorded it' }),
  onBehalf: Type.Boolean(), status: Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('declined')]),
  transferId: Type.Union([Uuid, Type.Null()]), createdAt: Type.String({ format: 'date-time' }),
}, { $id: 'TimebankExchange' });

const Activity = Type.Object({ id: Uuid, bankId: Uuid, partner: Party, title: Type.String(), description: Type.String(), minutes: Type.Integer() }, { $id: 'TimebankActivity' });

// Impact as released: in the public release a figure that would reveal a count of fewer than 5 people is
// null and its row's `suppressed` names it (with why); the exact release is for the bank's coordinators only.
const Figure = Type.Union([Type.Integer(), Type.Null()], { description: 'null when hidden in the public release (see `suppressed`)' });
const Suppressed = Type.Record(Type.String(), Type.Union([Type.Literal('fewer-than-5'), Type.Literal('secondary')]), {
  description: 'The fields of this row that the public release hides, and why: fewer-than-5 (a count of 1–4 people) or secondary (it would reveal such a count, e.g. by subtraction from a total, or it is the time of people whose count is hidden)',
});
const Impact = Type.Object({
  bank: Type.Object({ id: Uuid, name: Type.String() }),
  disclosure: Type.Union([Type.Literal('public'), Type.Literal('exact')], { description: 'public: hidden figures are null; exact: every figure, not for publication (coordinators, ?view=exact)' }),
  threshold: Type.Integer({ description: 'Counts of people from 1 to threshold − 1 are not published' }),
  totals: Type.Object({ minutes: Figure, transfers: Figure, people: Figure, suppressed: Suppressed }),
  byCategory: Type.Array(Type.Object({ category: Type.Union([Type.String(), Type.Null()]), label: Type.String(), minutes: Figure, transfers: Figure, suppressed: Suppressed })),
  byMonth: Type.Array(Type.Object({
    month: Type.String({ description: 'YYYY-MM (UTC)' }), minutes: Figure, transfers: Figure, people: Figure, firstTime: Figure, returning: Figure,
    retainedFromPrevious: Type.Union([Type.Integer(), Type.Null()], { description: 'null in the first month, or when hidden' }), previous: Type.Union([Type.Integer(), Type.Null()], { description: 'null in the first month, or when hidden' }),
    suppressed: Suppressed,
  })),
  returningPeople: Figure,
  suppressed: Suppressed,
  byDecile: Type.Array(Type.Object({ decile: Type.Union([Type.Integer(), Type.Null()]), label: Type.String(), minutes: Figure, members: Figure, suppressed: Suppressed })),
}, { $id: 'TimebankImpact' });

const TransferInput = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Chosen by you: sending the same transfer again is answered 200 with the stored one' }),
  from: Uuid, to: Uuid, minutes: Minutes, reason: Type.String({ minLength: 1, maxLength: 500 }),
}, { additionalProperties: false });

const Problem = problemSchema;
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
const Id = Type.Object({ id: Type.String() });
const security = [{ bearer: [] }];
const tags = ['timebank'];

export function timebankApi(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.post('/api/v1/timebank/transfers', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Move minutes from one account to another (idempotent on the id you choose)',
      description: 'A member may move time from their own account; a coordinator of the bank between any two of its accounts. 201 when recorded, 200 when the same transfer was already recorded, 409 when the id was used for a different transfer, 422 when it would take the sender below their limit (nothing is written).',
      body: TransferInput, response: { 200: Transfer, 201: Transfer, ...errors },
    },
  }, async (request, reply) => {
    const { transfer, replayed } = await service.recordTransfer(db, request.actor, request.body);
    return reply.status(replayed ? 200 : 201).send(transfer);
  });

  app.post('/api/v1/timebank/transfers/:id/reversal', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Reverse a transfer, with a reason (coordinators; once per transfer)', params: Id,
      body: Type.Object({ id: Type.String({ format: 'uuid', description: 'The reversal’s own id, chosen by you' }), reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
      response: { 200: Transfer, 201: Transfer, ...errors },
    },
  }, async (request, reply) => {
    const { transfer, replayed } = await service.reverseTransfer(db, request.actor, request.params.id, request.body);
    return reply.status(replayed ? 200 : 201).send(transfer);
  });

  app.post('/api/v1/timebank/group-exchanges', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'A group exchange (one to many, many to one): every transfer is recorded or none is',
      body: Type.Object({
        id: Type.String({ format: 'uuid' }), reason: Type.String({ minLength: 1, maxLength: 500 }),
        transfers: Type.Array(Type.Object({ id: Uuid, from: Uuid, to: Uuid, minutes: Minutes }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ id: Uuid, transfers: Type.Array(Transfer) }), 201: Type.Object({ id: Uuid, transfers: Type.Array(Transfer) }), ...errors },
    },
  }, async (request, reply) => {
    const result = await service.recordGroupExchange(db, request.actor, request.body);
    return reply.status(result.replayed ? 200 : 201).send({ id: result.id, transfers: result.transfers });
  });

  app.get('/api/v1/timebank/transfers/:id', {
    schema: { tags, security, summary: 'One transfer (its two account holders and the bank’s coordinators)', params: Id, response: { 200: Transfer, ...errors } },
  }, async (request) => service.getTransfer(db, request.actor, request.params.id));

  app.get('/api/v1/timebank/accounts/:id', {
    schema: { tags, security, summary: 'An account and its balance in minutes (members and coordinators of its bank)', params: Id, response: { 200: Account, ...errors } },
  }, async (request) => service.getAccount(db, request.actor, request.params.id));

  app.get('/api/v1/timebank/accounts/:id/statement', {
    schema: {
      tags, security, summary: 'An account’s postings, newest first, with the balance after each (holder and coordinators)', params: Id,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
      response: { 200: Type.Object({ account: Account, postings: Type.Array(Posting) }), ...errors },
    },
  }, async (request) => service.accountStatement(db, request.actor, request.params.id, { limit: request.query.limit }));

  app.get('/api/v1/timebank/banks', {
    schema: { tags, summary: 'Time banks', response: { 200: Type.Array(Type.Object({ id: Uuid, organisationId: Uuid, name: Type.String(), accounts: Type.Integer() })) } },
  }, async () => service.listBanks(db));

  app.post('/api/v1/timebank/banks', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Open a time bank for an organisation you administer or coordinate',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), organisation: Type.String({ description: 'Organisation id, org-id identifier or slug' }), requiresApproval: Type.Optional(Type.Boolean()), memberLimitHours: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'Hours a new member may go below zero (so they can be helped before they give); 0 when not given (the page offers 5)' })) }, { additionalProperties: false }),
      response: { 201: Bank, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.createBank(db, request.actor, request.body)));

  app.get('/api/v1/timebank/banks/:id', {
    schema: { tags, summary: 'One time bank', params: Id, response: { 200: Bank, ...errors } },
  }, async (request) => service.getBank(db, request.params.id));

  app.get('/api/v1/timebank/banks/:id/accounts', {
    schema: { tags, security, summary: 'The accounts of a bank (its coordinators)', params: Id, response: { 200: Type.Array(Account), ...errors } },
  }, async (request) => service.listAccounts(db, request.actor, request.params.id));

  app.post('/api/v1/timebank/banks/:id/partners', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Open an account for a partner organisation (coordinators); its administrators and staff move time from it', params: Id,
      body: Type.Object({ organisation: Type.String({ maxLength: 200 }), role: Type.Optional(Type.Union([Type.Literal('earn'), Type.Literal('spend')], { description: 'earn: issues credits for volunteering; spend: accepts credits for its activities' })), minBalance: Type.Optional(Type.Union([Type.Integer({ maximum: 0 }), Type.Null()], { description: 'Lowest balance; null: no limit' })) }, { additionalProperties: false }),
      response: { 201: Type.Object({ accountId: Uuid, organisationId: Uuid, bankId: Uuid, added: Type.Boolean() }), ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.addPartner(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/timebank/banks/:id/join', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Join a time bank yourself (waits for a coordinator’s approval where the bank requires it)', params: Id,
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), areaCode: Type.Optional(Type.String({ maxLength: 20, description: 'Your small area (LSOA or data zone code), used only for impact by deprivation decile' })) }, { additionalProperties: false }),
      response: { 200: Account, 201: Account, ...errors },
    },
  }, async (request, reply) => {
    const r = await service.joinBank(db, request.actor, request.params.id, request.body, { baseUrl: ctx.config.baseUrl });
    return reply.status(r.joined ? 201 : 200).send(r.account);
  });

  for (const change of ['approve', 'suspend', 'reinstate', 'refuse'] as const) {
    app.post(`/api/v1/timebank/accounts/:id/${change}`, {
      config: { access: 'signed-in' },
      schema: {
        tags, security, params: Id,
        summary: { approve: 'Approve a member waiting to join (coordinators)', suspend: 'Suspend an account, with a reason: it can neither give nor receive time (coordinators)', reinstate: 'Reinstate a suspended account (coordinators)', refuse: 'Refuse a request to join, with a reason the person is emailed (coordinators)' }[change],
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })),
        response: { 200: Account, ...errors },
      },
    }, async (request) => service.changeAccountStatus(db, request.actor, request.params.id, change, request.body ?? {}, { baseUrl: ctx.config.baseUrl }));
  }

  app.get('/api/v1/timebank/banks/:id/listings', {
    schema: {
      tags, security, summary: 'Open offers and requests of a bank, newest first: to its members and coordinators with who listed each and its description (insider), to anyone else without them', params: Id,
      querystring: Type.Object({
        q: Type.Optional(Type.String({ maxLength: 100 })), kind: Type.Optional(Type.Union([Type.Literal('offer'), Type.Literal('request')])),
        category: Type.Optional(Category), area: Type.Optional(Type.String({ maxLength: 100 })), page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      }),
      response: { 200: Type.Object({ items: Type.Array(Listing), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer(), areas: Type.Array(Type.String()), insider: Type.Boolean() }), ...errors },
    },
  }, async (request) => exchanges.searchListings(db, request.actor, request.params.id, request.query));

  app.post('/api/v1/timebank/banks/:id/listings', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'List an offer of help or a request for it (members; coordinators for a member)', params: Id,
      body: Type.Object({
        kind: Type.Union([Type.Literal('offer'), Type.Literal('request')]), category: Category, title: Type.String({ minLength: 1, maxLength: 120 }),
        description: Type.Optional(Type.String({ maxLength: 2000 })), area: Type.Optional(Type.String({ maxLength: 100 })), accountId: Type.Optional(Uuid),
      }, { additionalProperties: false }),
      response: { 201: Listing, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await exchanges.createListing(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/timebank/listings/:id/close', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Close an offer or request (its member or a coordinator)', params: Id, response: { 200: Listing, ...errors } },
  }, async (request) => exchanges.closeListing(db, request.actor, request.params.id));

  app.post('/api/v1/timebank/exchanges', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Record an exchange: by one side (the other confirms), or by a coordinator for two members (confirmed at once, marked as on their behalf)',
      description: 'From a listing: give listingId (and `with` when you are the listing’s member). Without one: bankId, role (gave or received), with and category. A coordinator: bankId, provider, receiver and category. The id is yours: the same exchange again answers 200.',
      body: Type.Object({
        id: Uuid, minutes: Minutes, description: Type.String({ minLength: 1, maxLength: 500 }), listingId: Type.Optional(Uuid), bankId: Type.Optional(Uuid),
        role: Type.Optional(Type.Union([Type.Literal('gave'), Type.Literal('received')])), with: Type.Optional(Uuid), provider: Type.Optional(Uuid), receiver: Type.Optional(Uuid),
        category: Type.Optional(Category),
      }, { additionalProperties: false }),
      response: { 200: Exchange, 201: Exchange, ...errors },
    },
  }, async (request, reply) => {
    const r = await exchanges.recordExchange(db, request.actor, request.body, { baseUrl: ctx.config.baseUrl });
    return reply.status(r.replayed ? 200 : 201).send(r.exchange);
  });

  for (const decision of ['confirm', 'decline'] as const) {
    app.post(`/api/v1/timebank/exchanges/:id/${decision}`, {
      config: { access: 'signed-in' },
      schema: {
        tags, security, params: Id,
        summary: decision === 'confirm' ? 'Confirm an exchange the other side recorded: the minutes move (422 and nothing changes if that would pass a limit)' : 'Decline an exchange the other side recorded',
        response: { 200: Exchange, ...errors },
      },
    }, async (request) => (await exchanges.decideExchange(db, request.actor, request.params.id, decision, { baseUrl: ctx.config.baseUrl })).exchange);
  }

  app.post('/api/v1/timebank/partners/:id/credits', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'An earn partner gives a member credits for hours volunteered, found by their member code (partner staff, coordinators)', params: Id,
      body: Type.Object({ id: Uuid, memberCode: Type.String({ maxLength: 20 }), minutes: Minutes, reason: Type.String({ minLength: 1, maxLength: 500 }), category: Type.Optional(Category) }, { additionalProperties: false }),
      response: { 200: Transfer, 201: Transfer, ...errors },
    },
  }, async (request, reply) => {
    const t = await partners.issueCredits(db, request.actor, request.params.id, request.body);
    return reply.status(t.replayed ? 200 : 201).send(t);
  });

  app.get('/api/v1/timebank/banks/:id/activities', {
    schema: { tags, summary: 'Activities the bank’s spend partners accept credits for', params: Id, response: { 200: Type.Array(Activity), ...errors } },
  }, async (request) => partners.listActivities(db, request.params.id));

  app.post('/api/v1/timebank/partners/:id/activities', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'A spend partner lists an activity and its price in minutes (partner staff, coordinators)', params: Id,
      body: Type.Object({ title: Type.String({ minLength: 1, maxLength: 120 }), description: Type.Optional(Type.String({ maxLength: 1000 })), minutes: Minutes }, { additionalProperties: false }),
      response: { 201: Activity, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await partners.addActivity(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/timebank/activities/:id/redeem', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Redeem a member’s credits for an activity when they present their member code (partner staff, coordinators)', params: Id,
      body: Type.Object({ id: Uuid, memberCode: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }),
      response: { 200: Transfer, 201: Transfer, ...errors },
    },
  }, async (request, reply) => {
    const t = await partners.redeem(db, request.actor, request.params.id, request.body);
    return reply.status(t.replayed ? 200 : 201).send(t);
  });

  app.get('/api/v1/timebank/banks/:id/impact', {
    schema: {
      tags, summary: 'Impact computed from the ledger: hours by category, month and deprivation decile; people, first-time and returning, retention',
      description: 'The public release by default: a count of 1–4 people, and any figure that would reveal one, is null and named in its row’s `suppressed`. `view=exact` gives every figure to the bank’s coordinators (403 for anyone else); those are not for publication.',
      params: Id, querystring: Type.Object({ view: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('exact')])) }), response: { 200: Impact, ...errors },
    },
  }, async (request) => impactFor(db, request.actor, request.params.id, request.query.view ?? 'public'));

  app.post('/api/v1/timebank/banks/:id/members', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Open a member’s account (coordinators); registers the person without a password if needed', params: Id,
      body: Type.Object({ email: Type.String({ maxLength: 254 }), name: Type.String({ minLength: 1, maxLength: 200 }), minBalance: Type.Optional(Type.Integer({ maximum: 0 })), areaCode: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false }),
      response: { 201: Type.Object({ accountId: Uuid, userId: Uuid, bankId: Uuid, added: Type.Boolean() }), ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.addMember(db, request.actor, request.params.id, request.body)));
}
