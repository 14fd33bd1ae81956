import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import Type from 'typebox';
import type { FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import { acceptFileUploads, isUploadedFile } from '../platform/uploads.ts';
import { PUBLISHING_ROLES } from './spend.import.ts';
import { clientGoneSignal } from '../platform/abort.ts';
import { draftOrganisation } from '../platform/drafts.ts';
import { createSalaryDraft, discardSalaryDraft, getSalaryDraft, publishSalaryDraft } from './spend.salarydrafts.ts';
import { createSpendDraft, discardSpendDraft, getSpendDraft, publishSpendDraft, remapSpendDraft, withdrawSpendFile } from './spend.drafts.ts';
import * as service from './spend.service.ts';
import * as salaries from './spend.salaries.ts';
import { confirmSupplierLink, supplierSuggestions, undoSupplierLink } from './spend.links.ts';

/** Largest upload accepted (bytes as sent; a gzip file may inflate to at most 2 GiB). */
export const UPLOAD_LIMIT = 200 * 1024 * 1024;

const Problem = problemSchema;
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem, 415: Problem };
const security = [{ bearer: [] }];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Pence = Type.Integer({ description: 'Integer pence' });

const SalaryPost = Type.Object({
  id: Type.String(), asAt: Type.String({ description: 'The date the list is correct at' }), jobTitle: Type.String(), department: Nullable(Type.String()),
  name: Nullable(Type.String({ description: 'Only where the salary band starts at £150,000 or more' })),
  salaryFromPence: Pence, salaryToPence: Pence, responsibilities: Nullable(Type.String()), budgetHeldPence: Nullable(Pence),
  staffManaged: Nullable(Type.Integer()), bonusesPence: Nullable(Pence), benefitsInKindPence: Nullable(Pence),
});
const PayMultiple = Type.Object({
  asAt: Type.String(), highestPence: Pence, medianPence: Pence,
  multiple: Type.String({ description: 'Highest paid’s taxable earnings ÷ the workforce’s median, to one decimal place' }),
});
const SalaryImport = Type.Object({
  publisher: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }), asAt: Type.String(), posts: Type.Integer(),
  replaced: Type.Integer({ description: 'Posts the list for this date had before' }), columns: Type.Record(Type.String(), Type.String()), warnings: Type.Array(Type.String()),
});

const SalaryDraft = Type.Object({
  id: Type.String(), state: Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('discarded'), Type.Literal('expired')]),
  publisher: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }), title: Type.String(), filename: Nullable(Type.String()),
  createdAt: Type.String(), expiresAt: Type.String(), link: Type.String({ description: 'The check page' }),
  check: Type.Object({
    asAt: Type.String(), posts: Type.Integer(), replaces: Type.Integer({ description: 'Posts the published list for this date has now' }),
    columns: Type.Record(Type.String(), Type.String()), warnings: Type.Array(Type.String()),
    rows: Type.Array(Type.Object({
      jobTitle: Type.String(), department: Nullable(Type.String()), name: Nullable(Type.String()), salaryFromPence: Pence, salaryToPence: Pence,
      responsibilities: Nullable(Type.String()), budgetHeldPence: Nullable(Pence), staffManaged: Nullable(Type.Integer()), bonusesPence: Nullable(Pence), benefitsInKindPence: Nullable(Pence),
    })),
  }),
});

const Mapping = Type.Record(Type.String(), Type.Object({ column: Type.String(), confidence: Type.String(), reason: Type.String() }),
  { description: 'Field of the Transparency Code → the column it was read from, and why' });
const Diff = Nullable(Type.Object({ linesAdded: Type.Integer(), penceAdded: Type.Integer(), linesRemoved: Type.Integer(), penceRemoved: Type.Integer() }));

const ImportSummary = Type.Object({
  outcome: Type.Union([Type.Literal('imported'), Type.Literal('replaced'), Type.Literal('unchanged')]),
  fileId: Type.String(), version: Type.Integer(), periodFrom: Type.String(), periodTo: Type.String(),
  publisher: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }),
  rowsImported: Type.Integer(), rowsRejected: Type.Integer(), netTotalPence: Pence, suppliers: Type.Integer(),
  firstDate: Nullable(Type.String()), lastDate: Nullable(Type.String()),
  rejected: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })),
  mapping: Mapping, sha256: Type.String(), replacedFileId: Nullable(Type.String()),
  replacedFileIds: Type.Array(Type.String(), { description: 'Every file this one replaced: several when it covers the whole periods of several' }), diff: Diff, warnings: Type.Array(Type.String()),
  undecodedLines: Type.Array(Type.Integer(), { description: 'Lines of a UTF-8 file holding bytes that are not UTF-8, each read as Windows-1252 (the first 1000); the warnings say so too' }),
});

const Warning = Type.Object({
  code: Type.Union([Type.Literal('no-supplier'), Type.Literal('missing-fields'), Type.Literal('outliers'), Type.Literal('outside-period'), Type.Literal('vat-kind')], { description: 'Send it in `acknowledge` to publish' }),
  title: Type.String(), detail: Type.String(),
  lines: Type.Optional(Type.Array(Type.Object({ line: Type.Integer(), netPence: Type.Optional(Pence), date: Type.Optional(Type.String()) }))),
});
const Check = Type.Object({
  filename: Nullable(Type.String()), periodFrom: Type.String(), periodTo: Type.String(), periodGiven: Type.Boolean(),
  rowsImported: Type.Integer(), rowsRejected: Type.Integer(), rejected: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })),
  netTotalPence: Pence, suppliers: Type.Integer(), firstDate: Nullable(Type.String()), lastDate: Nullable(Type.String()),
  mapping: Mapping, columns: Type.Array(Type.String(), { description: 'Every column of the file, by name: what a mapping may choose from' }),
  unusedColumns: Type.Array(Type.String()), notes: Type.Array(Type.String()),
  warnings: Type.Array(Warning, { description: 'Each must be acknowledged to publish' }),
  outlierRule: Nullable(Type.Object({ factor: Type.Integer(), referencePence: Pence, thresholdPence: Pence }, { description: 'Lines above thresholdPence (factor × the amount all but the largest 0.1 % of lines stay within, ignoring sign) are flagged' })),
  replaces: Nullable(Type.Object({
    files: Type.Array(Type.Object({ id: Type.String(), periodFrom: Type.String(), periodTo: Type.String(), version: Type.Integer(), rowsImported: Type.Integer(), netTotalPence: Pence, filename: Nullable(Type.String()) })),
    diff: Diff,
  })),
  blocked: Nullable(Type.String({ description: 'Why it cannot be published as things stand' })),
  version: Type.Integer({ description: 'The version of its period it would be' }),
});
const DraftView = Type.Object({
  id: Type.String(), kind: Type.String(), state: Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('discarded'), Type.Literal('expired')]),
  publisher: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }), title: Type.String(), filename: Nullable(Type.String()),
  createdAt: Type.String(), expiresAt: Type.String(), link: Type.String({ description: 'The check page' }), fileId: Nullable(Type.String({ description: 'The file it became, once published' })),
  mappingChosen: Type.Boolean({ description: 'The publisher chose the mapping (remembered for its next files when published)' }),
  check: Check,
});
const DraftRef = Type.Object({ id: Type.String({ maxLength: 64 }) });
const draftAccess = (db: AppContext['db']) => ({ roles: PUBLISHING_ROLES, organisation: (r: { params: unknown }) => draftOrganisation(db, (r.params as { id: string }).id) });

const FilterQuery = {
  period: Type.Optional(Type.String({ maxLength: 40, description: '2017-01, 2017, or 2017-01..2017-03' })),
  min: Type.Optional(Type.String({ maxLength: 30, description: 'Smallest net amount, pounds' })),
  max: Type.Optional(Type.String({ maxLength: 30, description: 'Largest net amount, pounds' })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Supplier, purpose or department contains' })),
  department: Type.Optional(Type.String({ maxLength: 500 })),
  purpose: Type.Optional(Type.String({ maxLength: 500 })),
  supplier: Type.Optional(Type.String({ maxLength: 500, description: 'Supplier slug' })),
};
const Format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }));

const Group = Type.Object({ key: Nullable(Type.String()), label: Type.String(), lines: Type.Integer(), netTotalPence: Pence, slug: Type.Optional(Nullable(Type.String())) });
const Publisher = Type.Object({
  id: Type.String(), name: Type.String(), slug: Type.String(),
  verified: Type.Boolean({ description: 'Verified against its register by a site administrator. Two publishers may share a name; only a verified one is the body it names.' }),
});
const PublisherRef = Type.Object({ publisher: Type.String({ description: 'Organisation id, org-id identifier (GB-LAE-NET) or slug' }) });

const Line = Type.Object({
  fileId: Type.String(), line: Type.Integer(), date: Nullable(Type.String()), netPence: Pence, irrecoverableVatPence: Nullable(Pence),
  department: Nullable(Type.String()), serviceArea: Nullable(Type.String()), supplierName: Nullable(Type.String()), supplierSlug: Nullable(Type.String()),
  supplierId: Nullable(Type.String()), companyNumber: Nullable(Type.String()), charityNumber: Nullable(Type.String()), vatNumber: Nullable(Type.String()),
  purpose: Nullable(Type.String()), expenseCategory: Nullable(Type.String()), expenseCode: Nullable(Type.String()), merchantCategory: Nullable(Type.String()),
  transactionNumber: Nullable(Type.String()), invoiceNumber: Nullable(Type.String()), capitalRevenue: Nullable(Type.String()),
  body: Nullable(Type.String()), bodyName: Nullable(Type.String()), duplicateOf: Nullable(Type.Integer({ description: 'Line of an identical earlier row in the same file' })),
});

const File = Type.Object({
  id: Type.String(), publisherId: Type.String(), periodFrom: Type.String(), periodTo: Type.String(), periodGiven: Type.Boolean(),
  filename: Nullable(Type.String()), bytes: Type.Integer(), sha256: Type.String(), status: Type.Union([Type.Literal('current'), Type.Literal('replaced'), Type.Literal('withdrawn')]),
  kind: Type.Union([Type.Literal('upload'), Type.Literal('grant-payments')], { description: '`grant-payments`: a month’s grant instalments the publisher recorded as paid in Commonweal, one line each (not uploaded; sha256 then names the file, not bytes)' }),
  withdrawn: Nullable(Type.Object({ at: Type.String(), reason: Type.String() }, { description: 'When the publisher withdrew the file, and why' })),
  version: Type.Integer(), replacedBy: Nullable(Type.String()), rowsImported: Type.Integer(), rowsRejected: Type.Integer(), netTotalPence: Pence,
  suppliers: Type.Integer(), firstDate: Nullable(Type.String()), lastDate: Nullable(Type.String()), importedAt: Type.String(),
  mapping: Mapping, details: Type.Record(Type.String(), Type.Unknown()), diff: Diff,
});

/** Sends rows as a CSV download. */
export function sendCsv(reply: FastifyReply, filename: string, body: string | AsyncIterable<string>) {
  reply.header('content-disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`);
  reply.type('text/csv; charset=utf-8');
  return reply.send(typeof body === 'string' ? body : Readable.from(body));
}

export function groupsCsv(rows: service.GroupRow[], by: string): string {
  return service.csvRow([by, 'Lines', 'Net amount (£)']) + rows.map((r) => service.csvRow([r.label, r.lines, service.penceText(r.netTotalPence)])).join('');
}

/** A publisher's lines under the filters, in the Code's column layout, streamed. */
export async function* codeCsv(ctx: AppContext, publisher: { id: string; name: string }, filters: service.Filters): AsyncGenerator<string> {
  yield service.csvRow(service.CODE_COLUMNS.map(([name]) => name));
  for await (const batch of service.streamLines(ctx.db, publisher.id, filters)) {
    yield batch.map((l) => service.csvRow(service.CODE_COLUMNS.map(([, get]) => get(l, publisher.name)))).join('');
  }
}

export function spendApi(app: App, ctx: AppContext): void {
  const { db } = ctx;

  // The upload takes the file's bytes as the raw body, received to a temporary file (platform/uploads.ts), so
  // its content-type parsers are scoped to these routes.
  app.register(async (plugin) => {
    const scoped = plugin.withTypeProvider<TypeBoxTypeProvider>();
    acceptFileUploads(scoped);
    scoped.post('/api/v1/spend/files', {
      bodyLimit: UPLOAD_LIMIT,
      config: { access: { roles: PUBLISHING_ROLES, organisation: async (r) => (await service.resolvePublisher(db, (r.query as { publisher: string }).publisher)).id } },
      schema: {
        tags: ['spend'], summary: 'Upload a spending file (the raw bytes of the CSV, gzip allowed) for a publisher: it is held as a draft to check, then publish', security,
        description: 'The file is read and checked, and held as a draft that no one else sees: 201 with the check (mapping, figures, warnings, what it would replace) and its link. Publish it with POST /api/v1/spend/drafts/{id}/publish. The same bytes as an open draft give that draft (200); the same bytes as a published file are a conflict (409). Publisher staff, finance officers and administrators may.',
        querystring: Type.Object({
          publisher: Type.String({ minLength: 1, maxLength: 200 }),
          period: Type.Optional(Type.String({ maxLength: 40, description: 'Needed only when the file has no dates: 2010-10..2010-12' })),
          filename: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 200: DraftView, 201: DraftView, ...errors },
      },
    }, async (request, reply) => {
      const body = request.body;
      if (!isUploadedFile(body) || body.bytes === 0) {
        return reply.status(400).type('application/problem+json').send({ type: 'urn:commonweal:problem:validation_failed', title: 'There is a problem with what you sent', status: 400, code: 'validation_failed', detail: 'Send the file’s bytes as the request body, with Content-Type text/csv or application/octet-stream', instance: request.url, errors: [{ field: 'file', message: 'The request has no file in its body' }] });
      }
      const { draft, reused } = await createSpendDraft(ctx, request.actor, { publisher: request.query.publisher, source: { path: body.path }, period: request.query.period ?? null, filename: request.query.filename ?? null, signal: clientGoneSignal(request, reply) });
      return reply.status(reused ? 200 : 201).send(draft);
    });

    scoped.post('/api/v1/spend/publishers/:publisher/salaries', {
      bodyLimit: salaries.SALARY_CSV_LIMIT,
      config: { access: { roles: PUBLISHING_ROLES, organisation: async (r) => (await service.resolvePublisher(db, (r.params as { publisher: string }).publisher)).id } },
      schema: {
        tags: ['spend'], summary: 'Upload a senior salaries list for a date from a CSV file (raw bytes): held as a draft to check, then publish', security,
        description: 'Every faulty row is named with its line and column, and nothing is kept. Names are kept only where the salary is £150,000 or more. 201 with the draft; POST /api/v1/spend/salary-drafts/{id}/publish replaces that date’s list. Publisher staff, finance officers and administrators may.',
        params: PublisherRef,
        querystring: Type.Object({ asAt: Type.String({ maxLength: 20, description: 'The date the list is correct at: 2017-03-31' }) }),
        response: { 201: SalaryDraft, ...errors },
      },
    }, async (request, reply) => {
      const body = isUploadedFile(request.body) ? await readFile(request.body.path) : Buffer.alloc(0);
      return reply.status(201).send(await createSalaryDraft(ctx, request.actor, request.params.publisher, { bytes: body, asAt: request.query.asAt }));
    });
  });

  app.get('/api/v1/spend/drafts/:id', {
    config: { access: draftAccess(db) },
    schema: { tags: ['spend'], summary: 'A spending draft and its check (its publisher’s staff only)', security, params: DraftRef, response: { 200: DraftView, ...errors } },
  }, async (request) => getSpendDraft(db, request.actor, request.params.id));

  app.patch('/api/v1/spend/drafts/:id', {
    config: { access: draftAccess(db) },
    schema: {
      tags: ['spend'], summary: 'Change how a draft’s columns are read, and see its check worked out again', security, params: DraftRef,
      description: 'The mapping names every field that has a column (field → column name as in `check.columns`); a field left out or null has none. A column gives one field at most, and the amount needs one. The mapping is remembered for the publisher’s next files once the draft is published.',
      body: Type.Object({ mapping: Type.Record(Type.String({ maxLength: 40 }), Nullable(Type.String({ maxLength: 500 }))) }),
      response: { 200: DraftView, ...errors },
    },
  }, async (request) => remapSpendDraft(ctx, request.actor, request.params.id, request.body.mapping));

  app.post('/api/v1/spend/drafts/:id/publish', {
    config: { access: draftAccess(db) },
    schema: {
      tags: ['spend'], summary: 'Publish a spending draft (every warning acknowledged)', security, params: DraftRef,
      description: 'Publishes the file as checked, replacing the current version(s) of its period. `acknowledge` lists the code of every warning in the check; without one, nothing is published (400). A draft already published, discarded or expired: 409.',
      body: Type.Object({ acknowledge: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20 })) }),
      response: { 201: Type.Object({ ...ImportSummary.properties, draftId: Type.String() }), ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await publishSpendDraft(ctx, request.actor, request.params.id, request.body?.acknowledge ?? [])));

  app.delete('/api/v1/spend/drafts/:id', {
    config: { access: draftAccess(db) },
    schema: { tags: ['spend'], summary: 'Discard a spending draft', security, params: DraftRef, response: { 200: DraftView, ...errors } },
  }, async (request) => discardSpendDraft(ctx, request.actor, request.params.id));

  const salaryDraftAccess = { roles: PUBLISHING_ROLES, organisation: (r: { params: unknown }) => draftOrganisation(db, (r.params as { id: string }).id) };
  app.get('/api/v1/spend/salary-drafts/:id', {
    config: { access: salaryDraftAccess },
    schema: { tags: ['spend'], summary: 'A senior salaries draft and its check (its publisher’s staff only)', security, params: DraftRef, response: { 200: SalaryDraft, ...errors } },
  }, async (request) => getSalaryDraft(db, request.actor, request.params.id));
  app.post('/api/v1/spend/salary-drafts/:id/publish', {
    config: { access: salaryDraftAccess },
    schema: { tags: ['spend'], summary: 'Publish a senior salaries draft, replacing the list for its date (409 if already published)', security, params: DraftRef, response: { 201: Type.Object({ ...SalaryImport.properties, draftId: Type.String() }), ...errors } },
  }, async (request, reply) => reply.status(201).send(await publishSalaryDraft(db, request.actor, request.params.id)));
  app.delete('/api/v1/spend/salary-drafts/:id', {
    config: { access: salaryDraftAccess },
    schema: { tags: ['spend'], summary: 'Discard a senior salaries draft', security, params: DraftRef, response: { 200: SalaryDraft, ...errors } },
  }, async (request) => discardSalaryDraft(db, request.actor, request.params.id));

  app.post('/api/v1/spend/publishers/:publisher/files/:id/withdraw', {
    config: { access: { roles: PUBLISHING_ROLES, organisation: async (r) => (await service.resolvePublisher(db, (r.params as { publisher: string }).publisher)).id } },
    schema: {
      tags: ['spend'], summary: 'Withdraw a published spending file, with a reason everyone will see', security,
      description: 'The file leaves the totals at once and stays in the record, marked withdrawn with when and why. Publisher staff, finance officers and administrators may.',
      params: Type.Object({ ...PublisherRef.properties, id: Type.String({ maxLength: 64 }) }),
      body: Type.Object({ reason: Type.String({ maxLength: 2000 }) }),
      response: { 200: Type.Object({ fileId: Type.String(), publisher: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }), withdrawnAt: Type.String(), reason: Type.String() }), ...errors },
    },
  }, async (request) => withdrawSpendFile(ctx, request.actor, request.params.publisher, request.params.id, request.body.reason));

  app.get('/api/v1/spend/publishers', {
    schema: {
      tags: ['spend'], summary: 'Publishers of spending data, with their totals',
      response: { 200: Type.Array(Type.Object({ ...Publisher.properties, identifiers: Type.Array(Type.String(), { description: 'org-id identifiers' }), files: Type.Integer(), lines: Type.Integer(), netTotalPence: Pence, firstDate: Nullable(Type.String()), lastDate: Nullable(Type.String()), periodFrom: Type.String(), periodTo: Type.String() })) },
    },
  }, async () => service.listPublishers(db));

  app.get('/api/v1/spend/publishers/:publisher', {
    schema: {
      tags: ['spend'], summary: 'A publisher’s spending: totals by month, and the top departments, expense types and suppliers', params: PublisherRef,
      querystring: Type.Object({ ...FilterQuery, top: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })) }),
      response: {
        200: Type.Object({
          publisher: Publisher, filters: Type.Record(Type.String(), Type.Unknown()), lines: Type.Integer(), netTotalPence: Pence,
          firstDate: Nullable(Type.String()), lastDate: Nullable(Type.String()),
          byMonth: Type.Array(Group), byDepartment: Type.Array(Group), byPurpose: Type.Array(Group), bySupplier: Type.Array(Group),
          counts: Type.Object({ departments: Type.Integer(), purposes: Type.Integer(), suppliers: Type.Integer() }),
        }), 400: Problem, 404: Problem,
      },
    },
  }, async (request) => service.publisherSummary(db, request.params.publisher, request.query, request.query.top));

  app.get('/api/v1/spend/publishers/:publisher/totals/:by', {
    schema: {
      tags: ['spend'], summary: 'A publisher’s totals by one dimension, in full (JSON or CSV)',
      params: Type.Object({ ...PublisherRef.properties, by: Type.Union([Type.Literal('month'), Type.Literal('department'), Type.Literal('purpose'), Type.Literal('supplier')]) }),
      querystring: Type.Object({ ...FilterQuery, format: Format }),
      response: { 200: Type.Object({ publisher: Publisher, by: Type.String(), groups: Type.Integer(), rows: Type.Array(Group) }), 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const result = await service.publisherGroups(db, request.params.publisher, request.params.by, request.query);
    if (request.query.format === 'csv') return sendCsv(reply, `${result.publisher.slug}-spend-by-${result.by}.csv`, groupsCsv(result.rows, result.by));
    return result;
  });

  app.get('/api/v1/spend/publishers/:publisher/lines', {
    schema: {
      tags: ['spend'], summary: 'A publisher’s spend lines, paged (JSON), or all of them in the Transparency Code’s column layout (format=csv)',
      params: PublisherRef,
      querystring: Type.Object({
        ...FilterQuery, format: Format, sort: Type.Optional(Type.Union([Type.Literal('date'), Type.Literal('amount')])),
        page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })), pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
      }),
      response: {
        200: Type.Object({ publisher: Publisher, filters: Type.Record(Type.String(), Type.Unknown()), sort: Type.String(), page: Type.Integer(), pageSize: Type.Integer(), total: Type.Integer(), netTotalPence: Pence, items: Type.Array(Line) }),
        400: Problem, 404: Problem,
      },
    },
  }, async (request, reply) => {
    if (request.query.format === 'csv') {
      const publisher = await service.resolvePublisher(db, request.params.publisher);
      const filters = service.readFilters(request.query);
      return sendCsv(reply, `${publisher.slug}-spend.csv`, codeCsv(ctx, publisher, filters));
    }
    return service.publisherLines(db, request.params.publisher, request.query);
  });

  app.get('/api/v1/spend/publishers/:publisher/files', {
    schema: { tags: ['spend'], summary: 'A publisher’s imported files, every version', params: PublisherRef, response: { 200: Type.Object({ publisher: Publisher, files: Type.Array(File) }), 404: Problem } },
  }, async (request) => service.publisherFiles(db, request.params.publisher));

  app.get('/api/v1/spend/publishers/:publisher/files/:id', {
    schema: {
      tags: ['spend'], summary: 'One imported file: the mapping used, rejected rows, the versions of its period',
      params: Type.Object({ ...PublisherRef.properties, id: Type.String() }),
      response: { 200: Type.Object({ publisher: Publisher, file: File, versions: Type.Array(File) }), 404: Problem },
    },
  }, async (request) => service.getFile(db, request.params.publisher, request.params.id));

  app.get('/api/v1/spend/suppliers/:slug', {
    schema: {
      tags: ['spend'], summary: 'What every publisher paid one supplier, by month', params: Type.Object({ slug: Type.String({ maxLength: 500 }) }),
      response: {
        200: Type.Object({
          slug: Type.String(), name: Type.String(), companyNumber: Nullable(Type.String()), charityNumber: Nullable(Type.String()),
          organisation: Nullable(Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String(), method: Nullable(Type.String()) })),
          suggestion: Nullable(Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String(), reason: Type.String() }, { description: 'A name match waiting for a site administrator to confirm' })),
          linkable: Type.Boolean({ description: 'False for a redacted or individual payee, which is never linked' }),
          netTotalPence: Pence, lines: Type.Integer(),
          publishers: Type.Array(Type.Object({ ...Publisher.properties, lines: Type.Integer(), netTotalPence: Pence, byMonth: Type.Array(Type.Object({ month: Nullable(Type.String()), lines: Type.Integer(), netTotalPence: Pence })) })),
        }), 404: Problem,
      },
    },
  }, async (request) => service.getSupplier(db, request.params.slug));

  app.get('/api/v1/spend/publishers/:publisher/salaries', {
    schema: {
      tags: ['spend'], summary: 'A publisher’s senior salaries and pay multiple on a date (the newest unless asAt is given), as JSON or CSV',
      params: PublisherRef,
      querystring: Type.Object({ asAt: Type.Optional(Type.String({ maxLength: 20 })), format: Format }),
      response: {
        200: Type.Object({ publisher: Publisher, asAt: Nullable(Type.String()), dates: Type.Array(Type.String()), posts: Type.Array(SalaryPost), payMultiple: Nullable(PayMultiple) }),
        400: Problem, 404: Problem,
      },
    },
  }, async (request, reply) => {
    const result = await salaries.publisherSalaries(db, request.params.publisher, request.query.asAt);
    if (request.query.format === 'csv') return sendCsv(reply, `${result.publisher.slug}-senior-salaries-${result.asAt ?? 'none'}.csv`, salaries.salariesCsv(result));
    return result;
  });

  app.put('/api/v1/spend/publishers/:publisher/pay-multiple', {
    config: { access: { roles: PUBLISHING_ROLES, organisation: async (r) => (await service.resolvePublisher(db, (r.params as { publisher: string }).publisher)).id } },
    schema: {
      tags: ['spend'], summary: 'Set the pay multiple for a date', security, params: PublisherRef,
      body: Type.Object({
        asAt: Type.String({ maxLength: 20 }),
        highest: Type.String({ maxLength: 30, description: 'Highest paid’s taxable earnings, pounds' }),
        median: Type.String({ maxLength: 30, description: 'Median earnings of the whole workforce, pounds' }),
      }),
      response: { 200: PayMultiple, ...errors },
    },
  }, async (request) => salaries.setPayMultiple(db, request.actor, request.params.publisher, request.body));

  const LinkView = Type.Object({
    supplier: Type.Object({ slug: Type.String(), name: Type.String() }),
    organisation: Nullable(Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() })),
    method: Nullable(Type.String()),
  });
  app.put('/api/v1/spend/suppliers/:slug/link', {
    config: { access: 'admin' },
    schema: {
      tags: ['spend'], summary: 'Link a supplier to an organisation: the suggested one, or the one named (site administrators)', security,
      params: Type.Object({ slug: Type.String({ maxLength: 500 }) }),
      body: Type.Object({ organisation: Type.Optional(Type.String({ maxLength: 200, description: 'Organisation id, org-id identifier or slug; the suggestion when left out' })) }),
      response: { 200: LinkView, ...errors },
    },
  }, async (request) => confirmSupplierLink(db, request.actor, request.params.slug, request.body?.organisation ?? null));

  app.delete('/api/v1/spend/suppliers/:slug/link', {
    config: { access: 'admin' },
    schema: {
      tags: ['spend'], summary: 'Undo a supplier’s link or turn down its suggestion (site administrators)', security,
      params: Type.Object({ slug: Type.String({ maxLength: 500 }) }), response: { 200: LinkView, ...errors },
    },
  }, async (request) => undoSupplierLink(db, request.actor, request.params.slug));

  app.get('/api/v1/spend/supplier-suggestions', {
    schema: {
      tags: ['spend'], summary: 'Suppliers whose name matches one registered organisation, waiting for confirmation',
      response: { 200: Type.Array(Type.Object({ slug: Type.String(), name: Type.String(), reason: Type.String(), organisation: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }) })) },
    },
  }, async () => supplierSuggestions(db));
}
