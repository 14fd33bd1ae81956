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
  verified: Type.Boolean({ description: 'Checked against its register by a site administrator' }),
}, { $id: 'Organisation' });

const OrganisationInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  legalForm: Type.Union(legalFormKeys.map((k) => Type.Literal(k))),
  identifiers: Type.Optional(Type.Array(Type.String({ maxLength: 60 }), { maxItems: 10 })),
  distributesProfit: Type.Optional(Type.Boolean()),
  website: Type.Optional(Type.String({ maxLength: 300 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  locality: Type.Optional(Type.String({ maxLength: 100 })),
}, { additionalProperties: false });

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
    schema: { tags: ['organisations'], summary: 'Register an organisation (you become its administrator)', security, body: OrganisationInput, response: { 201: Organisation, ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.createOrganisation(db, request.actor, request.body)));

  app.patch('/api/v1/organisations/:ref', {
    config: { access: { roles: ['admin'], organisation: async (r) => (await service.getOrganisation(db, (r.params as { ref: string }).ref)).id } },
    schema: { tags: ['organisations'], summary: 'Change an organisation (its administrators)', security, params: Ref, body: Type.Partial(OrganisationInput), response: { 200: Organisation, ...errors } },
  }, async (request) => {
    const org = await service.getOrganisation(db, request.params.ref);
    return service.updateOrganisation(db, request.actor, org.id, request.body);
  });

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
