import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import * as service from './timebank.service.ts';

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
  status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('suspended')], { description: 'pending: waiting for a coordinator’s approval' }),
  memberCode: Type.Union([Type.String(), Type.Null()], { description: 'What a member shows at a partner venue' }),
  areaCode: Type.Union([Type.String(), Type.Null()], { description: 'The member’s small area (LSOA or data zone code), if given' }),
  partnerRole: Type.Union([Type.Literal('earn'), Type.Literal('spend'), Type.Null()]),
}, { $id: 'TimebankAccount' });

const Posting = Type.Object({
  transferId: Uuid, minutes: Type.Integer({ description: 'Signed: negative leaves the account' }), balanceAfter: Type.Integer(),
  reason: Type.String(), counterparty: Type.Object({ id: Uuid, name: Type.String() }), onBehalf: Type.Boolean(),
  reverses: Type.Union([Uuid, Type.Null()]), reversedBy: Type.Union([Uuid, Type.Null()]), at: Type.String({ format: 'date-time' }),
});

const Bank = Type.Object({ id: Uuid, organisationId: Uuid, name: Type.String(), issuerAccountId: Type.Union([Uuid, Type.Null()]) });

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
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), organisation: Type.String({ description: 'Organisation id, org-id identifier or slug' }) }, { additionalProperties: false }),
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
      body: Type.Object({ organisation: Type.String({ maxLength: 200 }), minBalance: Type.Optional(Type.Union([Type.Integer({ maximum: 0 }), Type.Null()], { description: 'Lowest balance; null: no limit' })) }, { additionalProperties: false }),
      response: { 201: Type.Object({ accountId: Uuid, organisationId: Uuid, bankId: Uuid, added: Type.Boolean() }), ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.addPartner(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/timebank/banks/:id/members', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Open a member’s account (coordinators); registers the person without a password if needed', params: Id,
      body: Type.Object({ email: Type.String({ maxLength: 254 }), name: Type.String({ minLength: 1, maxLength: 200 }), minBalance: Type.Optional(Type.Integer({ maximum: 0 })) }, { additionalProperties: false }),
      response: { 201: Type.Object({ accountId: Uuid, userId: Uuid, bankId: Uuid, added: Type.Boolean() }), ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.addMember(db, request.actor, request.params.id, request.body)));
}
