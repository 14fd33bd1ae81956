import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import * as service from './voice.service.ts';
import * as petitions from './voice.petitions.ts';
import { decisionTypes } from './voice.table.ts';

const Uuid = Type.String({ format: 'uuid' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

const Service = Type.Object({
  id: Uuid, organisationId: Uuid, organisationName: Type.String(), organisationSlug: Type.String(), organisationVerified: Type.Boolean({ description: 'False for an organisation a site administrator has not verified (shown “Not verified”); of two with the same name the verified one is listed first' }), name: Type.String(), description: Type.String(),
  decisionType: Type.Union([Type.Literal('involvement'), Type.Literal('joined-up'), Type.Literal('technical'), Type.Literal('framework')], { description: 'How decisions about the service should be made' }),
  decisionTypeLabel: Type.String(),
  areas: Type.Array(Type.Object({ code: Type.String({ description: 'GSS code' }), kind: Type.String(), name: Type.String() })),
}, { $id: 'VoiceService' });

const Response = Type.Object({
  id: Uuid, storyId: Uuid, organisationId: Uuid, organisationName: Type.String(), organisationVerified: Type.Boolean({ description: 'False for an organisation a site administrator has not verified (shown “Not verified”); of two with the same name the verified one is listed first' }), responderName: Type.String(), body: Type.String({ description: 'Plain text' }),
  claimsChange: Type.Boolean({ description: 'The response says a change was made' }),
  changeConfirmed: Type.Boolean({ description: 'The story’s author confirmed the change' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('published'), Type.Literal('rejected')]),
  rejectReason: Nullable(Type.String()), publishedAt: Nullable(DateTime), createdAt: DateTime,
}, { $id: 'VoiceResponse' });

const Story = Type.Object({
  id: Uuid, title: Type.String(), body: Type.String({ description: 'Plain text, as published (moderated)' }), pseudonym: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('published'), Type.Literal('rejected')]),
  rejectReason: Nullable(Type.String({ description: 'Published reason code when not published' })), rejectReasonLabel: Nullable(Type.String()),
  assisted: Type.Boolean({ description: 'Submitted by staff on the author’s behalf' }), meToo: Type.Integer(),
  submittedAt: DateTime, publishedAt: Nullable(DateTime),
  services: Type.Array(Type.Object({ id: Uuid, name: Type.String(), organisationId: Uuid, organisationName: Type.String(), organisationVerified: Type.Boolean({ description: 'False for an organisation a site administrator has not verified (shown “Not verified”); of two with the same name the verified one is listed first' }) })),
  tags: Type.Array(Type.String()), responses: Type.Array(Response),
  criticality: Nullable(Type.Integer({ minimum: 0, maximum: 5, description: 'Staff only: 0 not critical … 5 severely critical; null for others' })),
}, { $id: 'VoiceStory' });

const Petition = Type.Object({
  id: Uuid, organisationId: Uuid, organisationName: Type.String(), organisationSlug: Type.String(), organisationVerified: Type.Boolean({ description: 'False for an organisation a site administrator has not verified (shown “Not verified”); of two with the same name the verified one is listed first' }), title: Type.String(), background: Type.String(), creatorName: Type.String(),
  state: Type.Union([Type.Literal('collecting'), Type.Literal('pending'), Type.Literal('open'), Type.Literal('closed'), Type.Literal('rejected')]), stateLabel: Type.String(),
  rejectReason: Nullable(Type.String()), rejectReasonLabel: Nullable(Type.String()),
  requiredSupporters: Type.Integer(), responseThreshold: Type.Integer(), debateThreshold: Type.Integer(), openDays: Type.Integer(),
  openedAt: Nullable(DateTime), closesAt: Nullable(DateTime), createdAt: DateTime,
  signatures: Type.Integer({ description: 'Confirmed signatures (email link followed), not invalidated' }),
  responseThresholdReachedAt: Nullable(DateTime), debateThresholdReachedAt: Nullable(DateTime),
  response: Nullable(Type.Object({ text: Type.String(), at: DateTime })),
});

const Metrics = Type.Object({
  organisation: Type.Object({ id: Uuid, name: Type.String(), slug: Type.String(), verified: Type.Boolean({ description: 'False until a site administrator verifies the organisation' }) }),
  stories: Type.Integer({ description: 'Published stories about its services' }),
  exampleStories: Type.Integer({ description: 'How many of those stories are examples invented for the demonstration (not a real record)' }),
  answered: Type.Integer(),
  shareAnswered: Nullable(Type.Number({ description: 'answered / stories' })),
  medianMinutesToFirstResponse: Nullable(Type.Integer({ description: 'From publication to the first published response' })),
  changesMade: Type.Integer(), changesConfirmed: Type.Integer(),
});

const Problem = problemSchema;
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem, 422: Problem, 429: Problem };
const Id = Type.Object({ id: Type.String({ maxLength: 100 }) });
const security = [{ bearer: [] }];
const tags = ['voice'];
/** Per IP: story and petition-signature submissions are limited (responses too are per signed-in user). */
export const submissionRateLimit = { max: 10, timeWindow: '10 minutes' };

export function voiceApi(app: App, ctx: AppContext): void {
  const { db, config } = ctx;
  const baseUrl = config.baseUrl;

  app.get('/api/v1/voice/services', {
    schema: { tags, summary: 'The services directory', querystring: Type.Object({ organisation: Type.Optional(Type.String({ maxLength: 200 })), area: Type.Optional(Type.String({ maxLength: 12 })) }), response: { 200: Type.Array(Service) } },
  }, async (request) => service.listServices(db, request.query));

  app.get('/api/v1/voice/services/:id', { schema: { tags, summary: 'One service', params: Id, response: { 200: Service, ...errors } } },
    async (request) => service.getService(db, request.params.id));

  app.post('/api/v1/voice/services', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Add a service to the directory (administrators and staff of the organisation)',
      body: Type.Object({
        organisation: Type.String({ maxLength: 200, description: 'Organisation id, org-id identifier or slug' }), name: Type.String({ maxLength: 200 }),
        description: Type.Optional(Type.String({ maxLength: 2000 })), decisionType: Type.String({ enum: [...decisionTypes] }),
        areas: Type.Array(Type.String({ maxLength: 12 }), { minItems: 1, maxItems: 50, description: 'GSS codes of local authorities or small areas' }),
      }, { additionalProperties: false }),
      response: { 201: Service, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.createService(db, request.actor, request.body)));

  app.get('/api/v1/voice/stories', {
    schema: {
      tags, summary: 'Published stories, newest first: full-text search and filters',
      querystring: Type.Object({
        q: Type.Optional(Type.String({ maxLength: 200 })), service: Type.Optional(Type.String({ maxLength: 100 })), organisation: Type.Optional(Type.String({ maxLength: 200 })),
        area: Type.Optional(Type.String({ maxLength: 12 })), tag: Type.Optional(Type.String({ maxLength: 40 })),
        page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })), pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      }),
      response: { 200: Type.Object({ total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer(), items: Type.Array(Story) }) },
    },
  }, async (request) => service.searchStories(db, request.actor, request.query));

  app.get('/api/v1/voice/stories/:id', {
    schema: { tags, summary: 'One story (published; a rejected one shows only its reason code)', params: Id, response: { 200: Story, ...errors } },
  }, async (request) => service.getStory(db, request.actor, request.params.id));

  app.post('/api/v1/voice/stories', {
    config: { access: 'public', rateLimit: submissionRateLimit },
    schema: {
      tags, summary: 'Tell a story about one or more services (held for moderation; email and postcode stay private)',
      body: Type.Object({
        title: Type.String({ maxLength: 150 }), body: Type.String({ maxLength: service.maxStoryChars, description: `Plain text, at most ${service.maxStoryWords} words` }),
        pseudonym: Type.String({ maxLength: 60 }), email: Type.Optional(Type.String({ maxLength: 254 })), postcode: Type.Optional(Type.String({ maxLength: 10 })),
        services: Type.Array(Uuid, { minItems: 1, maxItems: 10 }), assisted: Type.Optional(Type.Boolean({ description: 'Staff submitting on someone’s behalf' })),
        rating: Type.Optional(Type.String({ maxLength: 20, description: 'Friends and Family Test, "Overall, how was your experience of our service?": very-good, good, neither, poor, very-poor or dont-know (optional)' })),
      }, { additionalProperties: false }),
      response: { 202: Type.Object({ id: Uuid, status: Type.Literal('pending') }), ...errors },
    },
  }, async (request, reply) => reply.status(202).send(await service.submitStory(db, request.actor, request.body, { baseUrl })));

  app.post('/api/v1/voice/stories/:id/responses', {
    config: { access: 'signed-in', rateLimit: { max: 60, timeWindow: '10 minutes' } },
    schema: {
      tags, security, summary: 'Respond in public for your organisation (staff of an organisation whose service the story is about)', params: Id,
      body: Type.Object({
        organisation: Type.Optional(Uuid), body: Type.String({ maxLength: service.maxStoryChars }),
        claimsChange: Type.Optional(Type.Boolean({ description: 'The response says a change was made: always moderated, and the author is asked to confirm' })),
      }, { additionalProperties: false }),
      response: { 201: Response, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.respondToStory(db, request.actor, request.params.id, request.body, { baseUrl })));

  app.post('/api/v1/voice/stories/:id/moderation', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Moderate a story: publish (possibly edited), reject with a published reason code, or save edits, tags and criticality (moderators)', params: Id,
      body: Type.Object({
        decision: Type.Union([Type.Literal('publish'), Type.Literal('reject'), Type.Literal('save')]),
        title: Type.Optional(Type.String({ maxLength: 150 })), body: Type.Optional(Type.String({ maxLength: service.maxStoryChars })),
        tags: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 })), criticality: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 5 }))),
        reason: Type.Optional(Type.String({ enum: Object.keys(service.storyRejectReasons) })),
      }, { additionalProperties: false }),
      response: { 200: Story, ...errors },
    },
  }, async (request) => service.moderateStory(db, request.actor, request.params.id, request.body, { baseUrl }));

  app.post('/api/v1/voice/responses/:id/moderation', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Publish (possibly edited) or reject a response (moderators)', params: Id,
      body: Type.Object({
        decision: Type.Union([Type.Literal('publish'), Type.Literal('reject')]), body: Type.Optional(Type.String({ maxLength: service.maxStoryChars })),
        reason: Type.Optional(Type.String({ enum: Object.keys(service.responseRejectReasons) })),
      }, { additionalProperties: false }),
      response: { 200: Response, ...errors },
    },
  }, async (request) => service.moderateResponse(db, request.actor, request.params.id, request.body, { baseUrl }));

  app.get('/api/v1/voice/organisations/:id/metrics', {
    schema: { tags, summary: 'An organisation’s answering record: share answered, median time to first response, changes made and confirmed', params: Id, response: { 200: Metrics, ...errors } },
  }, async (request) => service.organisationMetrics(db, request.params.id));

  app.get('/api/v1/voice/petitions', {
    schema: { tags, summary: 'Open and closed petitions', querystring: Type.Object({ organisation: Type.Optional(Type.String({ maxLength: 200 })), state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('all')])) }), response: { 200: Type.Array(Petition), ...errors } },
  }, async (request) => petitions.listPetitions(db, request.query));

  app.get('/api/v1/voice/petitions/:id.json', {
    schema: {
      tags, summary: 'A petition with its counts (confirmed signatures, in total, by local authority, by nation and by country outside the UK)', params: Id,
      response: { 200: Type.Object({
        ...Petition.properties,
        byLocalAuthority: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), signatures: Type.Integer() })),
        byNation: Type.Array(Type.Object({ code: Type.String({ description: 'E, W, S, N, or unknown (a postcode not found where postcodes are not loaded)' }), name: Type.String(), signatures: Type.Integer() })),
        byCountry: Type.Array(Type.Object({ code: Type.String({ description: 'ISO 3166 alpha-2 code of a country outside the UK' }), name: Type.String(), signatures: Type.Integer() })),
      }), ...errors },
    },
  }, async (request) => petitions.petitionWithCounts(db, request.params.id));

  app.post('/api/v1/voice/petitions', {
    config: { access: 'signed-in', rateLimit: submissionRateLimit },
    schema: {
      tags, security, summary: 'Start a petition to an organisation (it gathers its supporters, then goes to moderation)',
      body: Type.Object({
        organisation: Type.String({ maxLength: 200 }), title: Type.String({ maxLength: 150 }), background: Type.String({ maxLength: 3000 }),
        creatorName: Type.Optional(Type.String({ maxLength: 100, description: 'The name shown as the petition’s creator (default: the account’s name)' })),
      }, { additionalProperties: false }),
      response: { 201: Petition, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await petitions.createPetition(db, request.actor, request.body)));

  app.post('/api/v1/voice/petitions/:id/moderation', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Open a petition, or reject it with a published reason code (moderators)', params: Id,
      body: Type.Object({ decision: Type.Union([Type.Literal('open'), Type.Literal('reject')]), reason: Type.Optional(Type.String({ enum: Object.keys(petitions.petitionRejectReasons) })) }, { additionalProperties: false }),
      response: { 200: Petition, ...errors },
    },
  }, async (request) => petitions.moderatePetition(db, request.actor, request.params.id, request.body));

  app.post('/api/v1/voice/petitions/:id/invalidations', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Invalidate signatures in bulk, with a recorded reason (moderators)', params: Id,
      body: Type.Object({
        reason: Type.String({ maxLength: 500 }), emailDomain: Type.Optional(Type.String({ maxLength: 253 })),
        signedFrom: Type.Optional(Type.String({ format: 'date-time' })), signedTo: Type.Optional(Type.String({ format: 'date-time' })), localAuthority: Type.Optional(Type.String({ maxLength: 12 })),
        ipPrefix: Type.Optional(Type.String({ maxLength: 64, description: 'A network as the surge report shows it (IPv4 /24, IPv6 /48)' })),
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ invalidationId: Uuid, signatures: Type.Integer(), reason: Type.String() }), ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await petitions.invalidateSignatures(db, request.actor, request.params.id, request.body)));

  app.put('/api/v1/voice/petitions/:id/response', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Publish the organisation’s response; every counted signer is emailed (its administrators and staff)', params: Id,
      body: Type.Object({ text: Type.String({ maxLength: 10000 }) }, { additionalProperties: false }),
      response: { 200: Petition, ...errors },
    },
  }, async (request) => petitions.respondToPetition(db, request.actor, request.params.id, request.body, { baseUrl }));

  app.post('/api/v1/voice/petitions/:id/signatures', {
    config: { access: 'public', rateLimit: submissionRateLimit },
    schema: {
      tags, summary: 'Sign a petition: a link is emailed, and the signature counts once it is followed', params: Id,
      body: Type.Object({
        name: Type.String({ maxLength: 100 }), email: Type.String({ maxLength: 254 }),
        postcode: Type.Optional(Type.String({ maxLength: 10, description: 'A UK postcode (not with outsideUk)' })),
        localAuthority: Type.Optional(Type.String({ maxLength: 12, description: 'GSS code of the signer’s local authority: used when the postcode is not in the postcodes loaded' })),
        outsideUk: Type.Optional(Type.Boolean({ description: 'The signer lives outside the UK; then give country' })),
        country: Type.Optional(Type.String({ maxLength: 60, description: 'ISO 3166 alpha-2 code or English name of the country, with outsideUk' })),
        consent: Type.Boolean({ description: 'British citizen or UK resident; own name and email' }),
      }, { additionalProperties: false }),
      response: { 202: Type.Object({ petitionId: Uuid, emailSentTo: Type.String(), placeNote: Type.Union([Type.String(), Type.Null()], { description: 'Said when the postcode was accepted by its shape, not found' }) }), ...errors },
    },
  }, async (request, reply) => reply.status(202).send(await petitions.signPetition(db, request.actor, request.params.id, request.body, { baseUrl, ip: request.ip })));

  app.get('/api/v1/voice/petitions/:id/surge', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'The surge report: signatures over a time window by network, email domain and area (moderators)', params: Id,
      querystring: Type.Object({ window: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week'), Type.Literal('all')])) }),
      response: { 200: Type.Object({
        window: Type.String(), since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]), signatures: Type.Integer(),
        ...Object.fromEntries(['byNetwork', 'byEmailDomain', 'byArea'].map((k) => [k, Type.Array(Type.Object({
          key: Type.Union([Type.String(), Type.Null()]), label: Type.String(), signatures: Type.Integer(), counted: Type.Integer(), share: Type.Number(),
          first: Type.String({ format: 'date-time' }), last: Type.String({ format: 'date-time' }),
        }))])),
      }), ...errors },
    },
  }, async (request) => petitions.surgeReport(db, request.actor, request.params.id, request.query));

  app.post('/api/v1/voice/petitions/:id/invalidations/preview', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'How many signatures an invalidation would remove, before it runs (moderators; changes nothing)', params: Id,
      body: Type.Object({
        emailDomain: Type.Optional(Type.String({ maxLength: 253 })), signedFrom: Type.Optional(Type.String({ format: 'date-time' })), signedTo: Type.Optional(Type.String({ format: 'date-time' })),
        localAuthority: Type.Optional(Type.String({ maxLength: 12 })), ipPrefix: Type.Optional(Type.String({ maxLength: 64 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ signatures: Type.Integer(), counted: Type.Integer() }), ...errors },
    },
  }, async (request) => petitions.previewInvalidation(db, request.actor, request.params.id, request.body));
}
