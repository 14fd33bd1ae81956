import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import { legalFormKeys } from './organisations.forms.ts';
import { roles } from '../platform/auth/policy.ts';
import * as service from './organisations.service.ts';

const Organisation = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  slug: Type.String(),
  legalForm: Type.String(),
  legalFormLabel: Type.String(),
  sector: Type.Union([Type.Literal('public'), Type.Literal('vcse'), Type.Literal('private')]),
  distributesProfit: Type.Boolean(),
  identifiers: Type.Array(Type.String(), { description: 'org-id identifiers, e.g. GB-CHC-1128267' }),
  website: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  locality: Type.Union([Type.String(), Type.Null()]),
  verified: Type.Boolean({ description: 'Its claim to its identifiers was checked against their registers by a site administrator. Two organisations may share a name: only a verified one is the body its identifiers name.' }),
  publicBody: Type.Boolean({ description: 'Its legal form is a public body’s; only a verified public body publishes spending, salaries, contracts and OCDS, or receives petitions' }),
}, { $id: 'Organisation' });

const OrganisationInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  legalForm: Type.Union(legalFormKeys.map((k) => Type.Literal(k))),
  identifiers: Type.Optional(Type.Array(Type.String({ maxLength: 60 }), { maxItems: 10 })),
  distributesProfit: Type.Optional(Type.Boolean()),
  website: Type.Optional(Type.String({ maxLength: 300 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  locality: Type.Optional(Type.String({ maxLength: 100 })),
  evidence: Type.Optional(Type.String({ maxLength: 2000, description: 'How a site administrator can check that you act for the body whose identifiers you claim' })),
}, { additionalProperties: false });

const VerificationRequest = Type.Object({
  id: Type.String({ format: 'uuid' }),
  organisationId: Type.String({ format: 'uuid' }),
  identifiers: Type.Array(Type.String()),
  evidence: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({ description: 'pending, verified, rejected or superseded' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  decidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const Problem = problemSchema;
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const Ref = Type.Object({ ref: Type.String({ description: 'Organisation id, org-id identifier (GB-CHC-…) or slug' }) });
const security = [{ bearer: [] }];

export function organisationsApi(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/api/v1/organisations', {
    schema: {
      tags: ['organisations'], summary: 'Search the organisations registry',
      querystring: Type.Object({
        q: Type.Optional(Type.String({ maxLength: 200, description: 'Name or identifier contains' })),
        sector: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('vcse'), Type.Literal('private')])),
        legalForm: Type.Optional(Type.String()),
        page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
        pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
      }),
      response: { 200: Type.Object({ total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer(), items: Type.Array(Organisation) }), 400: Problem },
    },
  }, async (request) => service.searchOrganisations(db, request.query));

  app.get('/api/v1/organisations/:ref', {
    schema: { tags: ['organisations'], summary: 'One organisation', params: Ref, response: { 200: Organisation, 404: Problem } },
  }, async (request) => service.getOrganisation(db, request.params.ref));

  app.post('/api/v1/organisations', {
    config: { access: 'signed-in' },
    schema: { tags: ['organisations'], summary: 'Register an organisation (you become its administrator; it is unverified until a site administrator checks the identifiers it claims)', security, body: OrganisationInput, response: { 201: Organisation, ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.createOrganisation(db, request.actor, request.body, { baseUrl: ctx.config.baseUrl })));

  app.get('/api/v1/organisations/verification-requests', {
    config: { access: 'admin' },
    schema: {
      tags: ['organisations'], summary: 'Claims waiting for a site administrator to check (site administrators)', security,
      response: { 200: Type.Array(Type.Object({ ...VerificationRequest.properties, organisation: Organisation, rivals: Type.Array(Type.Object({ identifier: Type.String(), name: Type.String(), slug: Type.String(), verified: Type.Boolean() })) })), ...errors },
    },
  }, async (request) => (await service.verificationQueue(db, request.actor)).claims);

  app.post('/api/v1/organisations/verification-requests/:id/decision', {
    config: { access: 'admin' },
    schema: {
      tags: ['organisations'], summary: 'Verify or reject a claim, with a reason (site administrators; a rejection needs one)', security,
      params: Type.Object({ id: Type.String() }),
      body: Type.Object({ decision: Type.Union([Type.Literal('verify'), Type.Literal('reject')]), reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
      response: { 200: Organisation, ...errors },
    },
  }, async (request) => service.decideVerification(db, request.actor, request.params.id, request.body, { baseUrl: ctx.config.baseUrl }));

  app.patch('/api/v1/organisations/:ref', {
    config: { access: { roles: ['admin'], organisation: async (r) => (await service.getOrganisation(db, (r.params as { ref: string }).ref)).id } },
    schema: { tags: ['organisations'], summary: 'Change an organisation (its administrators)', security, params: Ref, body: Type.Partial(OrganisationInput), response: { 200: Organisation, ...errors } },
  }, async (request) => {
    const org = await service.getOrganisation(db, request.params.ref);
    return service.updateOrganisation(db, request.actor, org.id, request.body, { baseUrl: ctx.config.baseUrl });
  });

  app.post('/api/v1/organisations/:ref/verification-requests', {
    config: { access: { roles: ['admin'], organisation: async (r) => (await service.getOrganisation(db, (r.params as { ref: string }).ref)).id } },
    schema: {
      tags: ['organisations'], summary: 'Ask a site administrator to verify the organisation’s identifiers (its administrators)', security, params: Ref,
      body: Type.Object({ evidence: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
      response: { 201: VerificationRequest, ...errors },
    },
  }, async (request, reply) => {
    const org = await service.getOrganisation(db, request.params.ref);
    return reply.status(201).send(await service.requestVerification(db, request.actor, org.id, request.body, { baseUrl: ctx.config.baseUrl }));
  });

  app.post('/api/v1/organisations/:ref/invitations', {
    config: { access: { roles: ['admin'], organisation: async (r) => (await service.getOrganisation(db, (r.params as { ref: string }).ref)).id } },
    schema: {
      tags: ['organisations'], summary: 'Invite a person by email to join with a role (its administrators); they need not have an account yet', security, params: Ref,
      body: Type.Object({ email: Type.String({ maxLength: 254 }), role: Type.Union(roles.map((r) => Type.Literal(r))) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String(), email: Type.String(), role: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }), ...errors },
    },
  }, async (request, reply) => {
    const org = await service.getOrganisation(db, request.params.ref);
    return reply.status(201).send(await service.inviteMember(db, request.actor, org.id, request.body, { baseUrl: ctx.config.baseUrl }));
  });

  app.post('/api/v1/organisations/invitations/accept', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['organisations'], summary: 'Accept an invitation with the token from its email (signed in with the address it was sent to)', security,
      body: Type.Object({ token: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ organisation: Organisation, role: Type.String(), added: Type.Boolean() }), ...errors },
    },
  }, async (request) => service.acceptInvitation(db, request.actor, request.body.token));

  const Member = Type.Object({ userId: Type.String(), name: Type.String(), email: Type.String(), role: Type.String() });

  app.get('/api/v1/organisations/:ref/members', {
    config: { access: { roles: ['admin'], organisation: async (r) => (await service.getOrganisation(db, (r.params as { ref: string }).ref)).id } },
    schema: { tags: ['organisations'], summary: 'Members and their roles (administrators)', security, params: Ref, response: { 200: Type.Array(Member), ...errors } },
  }, async (request) => {
    const org = await service.getOrganisation(db, request.params.ref);
    return service.listMembers(db, request.actor, org.id);
  });

  app.post('/api/v1/organisations/:ref/members', {
    config: { access: { roles: ['admin'], organisation: async (r) => (await service.getOrganisation(db, (r.params as { ref: string }).ref)).id } },
    schema: {
      tags: ['organisations'], summary: 'Give a registered person a role', security, params: Ref,
      body: Type.Object({ email: Type.String({ maxLength: 254 }), role: Type.Union(roles.map((r) => Type.Literal(r))) }, { additionalProperties: false }),
      response: { 201: Type.Object({ userId: Type.String(), email: Type.String(), name: Type.String(), role: Type.String(), added: Type.Boolean() }), ...errors },
    },
  }, async (request, reply) => {
    const org = await service.getOrganisation(db, request.params.ref);
    return reply.status(201).send(await service.addMember(db, request.actor, org.id, request.body, { baseUrl: ctx.config.baseUrl }));
  });
}
