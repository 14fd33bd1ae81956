import Type from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import { acceptFileUploads, fileContentTypes, isUploadedFile } from '../platform/uploads.ts';
import { draftOrganisation } from '../platform/drafts.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import * as service from './grants.service.ts';

/** The content type of an Excel workbook (.xlsx). */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Largest upload accepted (bytes as sent; a gzip file inflates to at most the grants limit). */
export const GRANTS_UPLOAD_LIMIT = 200 * 1024 * 1024;

const Problem = problemSchema;
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem, 415: Problem };
const security = [{ bearer: [] }];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const GrantProblem = Type.Object({
  id: Nullable(Type.String()), index: Nullable(Type.Integer()), field: Type.String(),
  severity: Type.Union([Type.Literal('repaired'), Type.Literal('warning'), Type.Literal('error')]), code: Type.String(), message: Type.String(),
});
const Summary = {
  grantsImported: Type.Integer(), grantsRejected: Type.Integer(), gbpTotalPence: Type.Integer({ description: 'Integer pence, GBP grants only' }),
  otherCurrencies: Type.Record(Type.String(), Type.Integer(), { description: 'Currency → total in its minor units, never added to pounds' }),
  funders: Type.Integer(), recipients: Type.Integer(), firstAwardDate: Nullable(Type.String()), lastAwardDate: Nullable(Type.String()),
  problems: Type.Array(GrantProblem), sha256: Type.String(),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), id: Nullable(Type.String()), reason: Type.String() })),
  format: Type.String(), problemCounts: Type.Record(Type.String(), Type.Integer()),
};
const Changes = Type.Object({ new: Type.Integer(), changed: Type.Integer(), unchanged: Type.Integer() });
const Publisher = Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() });
const DraftView = Type.Object({
  id: Type.String(), state: Type.String(), publisher: Publisher, title: Type.String(), filename: Nullable(Type.String()), createdAt: Type.String(),
  expiresAt: Type.String(), link: Type.String(), fileId: Nullable(Type.String()), check: Type.Object({ ...Summary, changes: Changes, difference: Type.Optional(Type.Any({ description: 'What publishing would change, grant by grant: added, changed (with the fields), unchanged, and current grants the file does not hold (kept)' })) }),
});
const Published = Type.Object({ ...Summary, outcome: Type.String(), fileId: Type.String(), publisher: Publisher, changes: Changes, draftId: Type.String() });
const DraftRef = Type.Object({ id: Type.String({ maxLength: 64 }) });

export function grantsApi(app: App, ctx: AppContext): void {
  const { db } = ctx;
  app.register(async (plugin) => {
    const scoped = plugin.withTypeProvider<TypeBoxTypeProvider>();
    // A 360Giving package is JSON: here its bytes are the file, received to disk like any upload, not parsed.
    scoped.removeContentTypeParser('application/json');
    acceptFileUploads(scoped, [...fileContentTypes, 'application/json', XLSX_TYPE]);
    scoped.post('/api/v1/grants/files', {
      bodyLimit: GRANTS_UPLOAD_LIMIT,
      config: { access: { roles: service.GRANTS_PUBLISHING_ROLES, organisation: async (r) => (await getOrganisation(db, (r.query as { publisher: string }).publisher)).id } },
      schema: {
        tags: ['grants'], summary: 'Upload a 360Giving file (JSON package, gzip allowed, CSV or XLSX) for a publisher: held as a draft to check, then publish', security,
        description: 'The file is read whole and checked: 201 with the draft (summary, problems, rejected grants, what it would change). Publish it with POST /api/v1/grants/drafts/{id}/publish. The same bytes as an open draft give that draft (200); as a published file, 409. Only a verified organisation’s staff, finance officers and administrators may.',
        querystring: Type.Object({ publisher: Type.String({ minLength: 1, maxLength: 200 }), filename: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: DraftView, 201: DraftView, ...errors },
      },
    }, async (request, reply) => {
      const body = request.body;
      if (!isUploadedFile(body) || body.bytes === 0) {
        return reply.status(400).type('application/problem+json').send({ type: 'urn:commonweal:problem:validation_failed', title: 'There is a problem with what you sent', status: 400, code: 'validation_failed', detail: 'Send the file’s bytes as the request body', instance: request.url, errors: [{ field: 'file', message: 'The request has no file in its body' }] });
      }
      const { draft, reused } = await service.createGrantsDraft(ctx, request.actor, { publisher: request.query.publisher, source: { path: body.path }, filename: request.query.filename ?? null });
      return reply.status(reused ? 200 : 201).send(draft);
    });
  });

  const draftAccess = { roles: service.GRANTS_PUBLISHING_ROLES, organisation: (r: { params: unknown }) => draftOrganisation(db, (r.params as { id: string }).id) };
  app.get('/api/v1/grants/drafts/:id', {
    config: { access: draftAccess },
    schema: { tags: ['grants'], summary: 'A grants draft and its check (its publisher’s staff only)', security, params: DraftRef, response: { 200: DraftView, ...errors } },
  }, async (request) => service.getGrantsDraft(db, request.actor, request.params.id));
  app.post('/api/v1/grants/drafts/:id/publish', {
    config: { access: draftAccess },
    schema: { tags: ['grants'], summary: 'Publish a grants draft: its grants replace the publisher’s current ones with the same ids (old versions kept)', security, params: DraftRef, response: { 201: Published, ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.publishGrantsDraft(ctx, request.actor, request.params.id)));
  app.delete('/api/v1/grants/drafts/:id', {
    config: { access: draftAccess },
    schema: { tags: ['grants'], summary: 'Discard a grants draft', security, params: DraftRef, response: { 200: DraftView, ...errors } },
  }, async (request) => service.discardGrantsDraft(ctx, request.actor, request.params.id));

  app.post('/api/v1/grants/publishers/:publisher/files/:id/withdraw', {
    config: { access: { roles: service.GRANTS_PUBLISHING_ROLES, organisation: async (r) => (await getOrganisation(db, (r.params as { publisher: string }).publisher)).id } },
    schema: {
      tags: ['grants'], summary: 'Withdraw a published grants file, with a reason everyone will see', security,
      description: 'Its grants leave the totals at once (a version a grant had replaced, from a file still published, is counted again); the file stays in the record marked withdrawn, with when and why. Publisher staff, finance officers and administrators may.',
      params: Type.Object({ publisher: Type.String({ maxLength: 200 }), id: Type.String({ maxLength: 64 }) }),
      body: Type.Object({ reason: Type.String({ maxLength: 2000 }) }),
      response: { 200: Type.Object({ fileId: Type.String(), publisher: Publisher, withdrawnAt: Type.String(), reason: Type.String(), grantsWithdrawn: Type.Integer(), grantsRestored: Type.Integer() }), ...errors },
    },
  }, async (request) => service.withdrawGrantsFile(ctx, request.actor, request.params.publisher, request.params.id, request.body.reason));

  const Totals = Type.Object({
    grants: Type.Integer(), gbpPence: Type.Integer(), otherCurrencies: Type.Record(Type.String(), Type.Object({ grants: Type.Integer(), total: Type.Integer() })),
    firstAwardDate: Nullable(Type.String()), lastAwardDate: Nullable(Type.String()),
  });
  app.get('/api/v1/grants/publishers', {
    schema: { tags: ['grants'], summary: 'Publishers of grants, with totals (GBP in pence; other currencies apart, in their minor units)', response: { 200: Type.Object({ publishers: Type.Array(Type.Object({ ...Publisher.properties, ...Totals.properties })) }) } },
  }, async () => ({ publishers: await service.listGrantPublishers(db) }));
  app.get('/api/v1/grants/publishers/:publisher', {
    schema: {
      tags: ['grants'], summary: 'A publisher’s current grants (a page at a time), totals and files', params: Type.Object({ publisher: Type.String({ maxLength: 200 }) }),
      querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })) }),
      response: { 200: Type.Object({ publisher: Publisher, totals: Totals, page: Type.Integer(), pageSize: Type.Integer(), grants: Type.Array(Type.Any()), files: Type.Array(Type.Any()) }), 404: Problem },
    },
  }, async (request) => service.publisherGrants(db, request.params.publisher, request.query.page ?? 1));
}
