import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError, isAppError, type FieldError } from '../platform/errors.ts';
import { uploadedFilename, uploadLimitBytes } from '../platform/http.ts';
import { barChart } from '../platform/charts.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { SPEND_FIELD_LABELS, SPEND_FIELDS, type SpendField } from './spend.mapping.ts';
import { PUBLISHING_ROLES } from './spend.import.ts';
import { clientGoneSignal } from '../platform/abort.ts';
import { importLimitsFor, setImportLimits } from './spend.limits.ts';
import { createSpendDraft, discardSpendDraft, getSpendDraft, listSpendDrafts, publishSpendDraft, remapSpendDraft, withdrawSpendFile, type SpendDraftView } from './spend.drafts.ts';
import { OUTLIER_FACTOR } from './spend.check.ts';
import { findDraft } from '../platform/drafts.ts';
import { createSalaryDraft, discardSalaryDraft, getSalaryDraft, publishSalaryDraft } from './spend.salarydrafts.ts';
import { UPLOAD_LIMIT } from './spend.api.ts';
import * as service from './spend.service.ts';
import * as salaries from './spend.salaries.ts';
import { organisationsNamed } from '../organisations/organisations.service.ts';
import { confirmSupplierLink, supplierSuggestions, undoSupplierLink } from './spend.links.ts';

type Query = Record<string, string | undefined>;

const FILTER_KEYS = ['period', 'min', 'max', 'q', 'department', 'purpose', 'supplier'] as const;
const BY_LABELS: Record<service.GroupBy, { title: string; column: string }> = {
  month: { title: 'Spending by month', column: 'Month' },
  department: { title: 'Spending by department or service', column: 'Department or service' },
  purpose: { title: 'Spending by expense type', column: 'Expense type' },
  supplier: { title: 'Spending by supplier', column: 'Supplier' },
};

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const integer = new Intl.NumberFormat('en-GB');

/** Pence → "£150,000" when whole pounds (salary bands are), else "£1,234.56". */
function wholePounds(pence: number): string {
  return pence % 100 === 0 ? `${pence < 0 ? '-' : ''}£${integer.format(Math.abs(pence) / 100)}` : pounds(pence);
}

/** Pence → "£1,234.56" exactly (integer arithmetic). */
function pounds(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const abs = Math.abs(pence);
  return `${sign}£${integer.format(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}

function filterInput(q: Query): service.FilterInput {
  const out: service.FilterInput = {};
  for (const k of FILTER_KEYS) if (q[k] !== undefined && q[k] !== '') out[k] = q[k];
  // An empty department/purpose is a real filter ("none given") only when asked for with the marker.
  if (q.department === '(none)') out.department = '';
  if (q.purpose === '(none)') out.purpose = '';
  return out;
}

function statusLabel(status: 'current' | 'replaced' | 'withdrawn'): string {
  return status === 'current' ? 'Current' : status === 'replaced' ? 'Replaced' : 'Withdrawn';
}

function link(href: string, text: string): string {
  return `<a class="govuk-link" href="${esc(href)}">${esc(text)}</a>`;
}

const num = (text: string) => ({ text, format: 'numeric' });

function pagination(page: number, pages: number, href: (p: number) => string) {
  if (pages <= 1) return null;
  return {
    previous: page > 1 ? { href: href(page - 1) } : undefined,
    next: page < pages ? { href: href(page + 1) } : undefined,
    items: Array.from({ length: pages }, (_, i) => i + 1)
      .filter((n) => n === 1 || n === pages || Math.abs(n - page) <= 2)
      .map((n) => ({ number: n, href: href(n), current: n === page })),
  };
}

export function spendPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  async function canPublish(request: { user: { id: string; isAdmin: boolean } | null }, organisationId: string): Promise<boolean> {
    if (!request.user) return false;
    if (request.user.isAdmin) return true;
    const roles = (await rolesByOrganisation(db, request.user.id)).get(organisationId) ?? [];
    return roles.some((r) => (PUBLISHING_ROLES as readonly string[]).includes(r));
  }

  /** Renders a filtered page, or the same page with the filter form's errors. */
  async function filtered(reply: FastifyReply, template: string, base: Record<string, unknown>, work: () => Promise<Record<string, unknown>>) {
    try {
      return reply.page(template, { ...base, ...(await work()) });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return reply.page(template, { ...base, errors: error.fieldErrors as FieldError[] }, { status: 400 });
      }
      throw error;
    }
  }

  app.get('/spend', async (request, reply) => {
    const q = request.query as Query;
    const supplierQuery = typeof q.supplier === 'string' ? q.supplier : '';
    const [publishers, years] = await Promise.all([service.listPublishers(db), service.spendByYear(db)]);
    const rows = publishers.map((p) => [
      // The identifier and a "Not verified" tag tell apart two publishers with the same or a confusable name.
      { html: link(`/spend/${p.slug}`, p.name) + (p.identifiers.length ? ` <span class="govuk-body-s">${esc(p.identifiers.join(', '))}</span>` : '')
        + (p.verified ? '' : ' <strong class="govuk-tag govuk-tag--grey">Not verified</strong>') },
      { text: p.firstDate && p.lastDate ? `${p.firstDate} to ${p.lastDate}` : `${p.periodFrom} to ${p.periodTo}` },
      num(integer.format(p.files)),
      num(integer.format(p.lines)),
      num(pounds(p.netTotalPence)),
    ]);
    // Each year its own figure: a total across years would add a council's 2011 to another's 2025.
    const yearRows = years.map((y) => [{ text: y.year ?? 'Undated' }, num(integer.format(y.lines)), num(pounds(y.netTotalPence))]);
    const base = { rows, yearRows, count: publishers.length, values: { supplier: supplierQuery } };
    if (supplierQuery.trim() === '') return reply.page('spend/views/index.njk', base);
    try {
      const found = await service.findSuppliers(db, supplierQuery);
      return reply.page('spend/views/index.njk', { ...base, searched: true, found: found.map((f) => ({ ...f, href: `/spend/suppliers/${f.slug}` })) });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return reply.page('spend/views/index.njk', { ...base, errors: error.fieldErrors as FieldError[] }, { status: 400 });
      }
      throw error;
    }
  });

  /** A supplier's page: who paid them, by publisher and by month. */
  async function supplierPage(slug: string) {
    const supplier = await service.getSupplier(db, slug);
    const rows = supplier.publishers.map((p) => [
      { html: link(`/spend/${p.slug}/lines?supplier=${encodeURIComponent(supplier.slug)}`, p.name) }, num(integer.format(p.lines)), num(pounds(p.netTotalPence)),
    ]);
    const monthRows = supplier.publishers.flatMap((p) => p.byMonth.map((m) => [{ text: p.name }, { text: service.monthLabel(m.month) }, num(integer.format(m.lines)), num(pounds(m.netTotalPence))]));
    return { supplier, rows, monthRows, api: `/api/v1/spend/suppliers/${encodeURIComponent(supplier.slug)}` };
  }

  app.get('/spend/suppliers/:slug', async (request, reply) => {
    const page = await supplierPage((request.params as { slug: string }).slug);
    return reply.page('spend/views/supplier.njk', { ...page, isAdmin: !!request.user?.isAdmin });
  });

  // Links between suppliers and the registry: anyone sees them; site administrators confirm or undo them.
  app.get('/spend/supplier-links', async (request, reply) => {
    const suggestions = await supplierSuggestions(db);
    const rows = suggestions.map((s) => [
      { html: link(`/spend/suppliers/${s.slug}`, s.name) }, { html: link(`/organisations/${s.organisation.slug}`, s.organisation.name) }, { text: s.reason },
    ]);
    return reply.page('spend/views/supplier-links.njk', { rows, isAdmin: !!request.user?.isAdmin });
  });
  app.post('/spend/suppliers/:slug/link', { config: { access: 'admin' } }, async (request, reply) => {
    const slug = (request.params as { slug: string }).slug;
    const form = (request.body ?? {}) as { organisation?: unknown; choice?: unknown };
    const typed = typeof form.organisation === 'string' ? form.organisation.trim().slice(0, 200) : '';
    const choice = typeof form.choice === 'string' ? form.choice.trim() : '';
    const again = async (errors: FieldError[], choices?: { value: string; text: string }[]) =>
      reply.page('spend/views/supplier.njk', { ...(await supplierPage(slug)), isAdmin: true, errors, choices, values: { organisation: typed } }, { status: 400 });
    // The organisation is chosen by its registered name (an identifier or address also works); when several
    // match, the page offers them as a choice. With neither, the suggested match is confirmed.
    let ref: string | null = choice || null;
    if (!ref && typed) {
      const named = await organisationsNamed(db, typed);
      const found = named.exact ? [named.exact] : named.choices;
      if (found.length === 0) {
        return again([{ field: 'organisation', message: `No registered organisation is called “${typed}”: check the name, or register the organisation first` }]);
      }
      if (found.length > 1) {
        return again([{ field: 'choice', message: `${found.length} registered organisations match “${typed}”: choose one` }],
          found.map((o) => ({ value: o.id, text: `${o.name}${o.identifiers.length ? ` (${o.identifiers.join(', ')})` : ''}` })));
      }
      ref = found[0]!.id;
    }
    try {
      const view = await confirmSupplierLink(db, request.actor, slug, ref);
      return reply.redirect(`/spend/suppliers/${view.supplier.slug}`, 303);
    } catch (error) {
      if (isAppError(error) && (error.code === 'validation_failed' || (error.code === 'not_found' && ref))) {
        return again(error.fieldErrors.length ? error.fieldErrors as FieldError[] : [{ field: choice ? 'choice' : 'organisation', message: error.message }]);
      }
      throw error;
    }
  });
  app.post('/spend/suppliers/:slug/unlink', { config: { access: 'admin' } }, async (request, reply) => {
    const view = await undoSupplierLink(db, request.actor, (request.params as { slug: string }).slug);
    return reply.redirect(`/spend/suppliers/${view.supplier.slug}`, 303);
  });

  app.get('/spend/:publisher', async (request, reply) => {
    const ref = (request.params as { publisher: string }).publisher;
    const publisher = await service.resolvePublisher(db, ref);
    const q = request.query as Query;
    const input = filterInput(q);
    const base = { publisher, values: q, mayPublish: await canPublish(request, publisher.id) };
    return filtered(reply, 'spend/views/publisher.njk', base, async () => {
      const s = await service.publisherSummary(db, publisher.slug, input, 10);
      const qs = (extra: Record<string, string> = {}) => service.filterQuery(input, extra);
      const months = s.byMonth;
      const chart = months.length ? barChart({
        id: 'spend-by-month', title: `${publisher.name}: net spending by month`,
        description: 'The same figures are in the table “Spending by month” beside this chart.',
        categories: months.map((m) => service.monthLabel(m.key)), series: [{ name: 'Net spending', values: months.map((m) => m.netTotalPence) }],
        format: service.poundsShort, labelWidth: 110,
      }) : null;
      const monthRows = months.map((m) => [
        { html: m.key ? link(`/spend/${publisher.slug}/lines${qs({ period: m.key })}`, service.monthLabel(m.key)) : 'Undated' },
        num(integer.format(m.lines)), num(pounds(m.netTotalPence)),
      ]);
      const groupRows = (by: 'department' | 'purpose' | 'supplier', rows: service.GroupRow[]) => rows.map((r) => {
        const filter = by === 'supplier' ? { supplier: r.slug ?? '' } : { [by]: r.key ?? '(none)' };
        const lines = by === 'supplier' && !r.slug ? esc(r.label) : link(`/spend/${publisher.slug}/lines${qs(filter)}`, r.label);
        return [{ html: lines + (by === 'supplier' && r.slug ? ` <span class="govuk-body-s">(${link(`/spend/suppliers/${r.slug}`, 'all publishers')})</span>` : '') }, num(integer.format(r.lines)), num(pounds(r.netTotalPence))];
      });
      return {
        summary: s, chart, monthRows, permalink: `/spend/${publisher.slug}${qs()}`,
        departmentRows: groupRows('department', s.byDepartment), purposeRows: groupRows('purpose', s.byPurpose), supplierRows: groupRows('supplier', s.bySupplier),
        qs: qs(), api: `/api/v1/spend/publishers/${publisher.slug}`,
      };
    });
  });

  app.get('/spend/:publisher/by/:by', async (request, reply) => {
    const { publisher: ref, by } = request.params as { publisher: string; by: string };
    if (!Object.hasOwn(BY_LABELS, by)) return reply.callNotFound();
    const publisher = await service.resolvePublisher(db, ref);
    const q = request.query as Query;
    const input = filterInput(q);
    return filtered(reply, 'spend/views/groups.njk', { publisher, values: q, by, labels: BY_LABELS[by as service.GroupBy] }, async () => {
      const result = await service.publisherGroups(db, publisher.slug, by as service.GroupBy, input, 1000);
      const qs = (extra: Record<string, string> = {}) => service.filterQuery(input, extra);
      const rows = result.rows.map((r) => {
        const filter: Record<string, string> = by === 'supplier' ? { supplier: r.slug ?? '' } : by === 'month' ? { period: r.key ?? '' } : { [by]: r.key ?? '(none)' };
        const label = by === 'month' ? service.monthLabel(r.key) : r.label;
        return [{ html: (by === 'supplier' && !r.slug) || (by === 'month' && !r.key) ? esc(label) : link(`/spend/${publisher.slug}/lines${qs(filter)}`, label) }, num(integer.format(r.lines)), num(pounds(r.netTotalPence))];
      });
      return { rows, groups: result.groups, shown: result.rows.length, qs: qs(), api: `/api/v1/spend/publishers/${publisher.slug}/totals/${by}` };
    });
  });

  app.get('/spend/:publisher/lines', async (request, reply) => {
    const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
    const q = request.query as Query;
    const input = filterInput(q);
    const page = Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1);
    const sort = q.sort === 'amount' ? 'amount' : 'date';
    // The filter names the supplier as its register does, not by the slug in the address.
    const supplierName = q.supplier ? (await service.supplierNameOf(db, q.supplier)) ?? q.supplier : null;
    return filtered(reply, 'spend/views/lines.njk', { publisher, values: q, sort, supplierName }, async () => {
      const result = await service.publisherLines(db, publisher.slug, { ...input, sort, page, pageSize: 50 });
      const qs = (extra: Record<string, string | number> = {}) => service.filterQuery(input, { sort, ...extra });
      const rows = result.items.map((l) => [
        { text: l.date ?? 'Undated' },
        { html: l.supplierSlug ? link(`/spend/suppliers/${l.supplierSlug}`, l.supplierName ?? '') : esc(l.supplierName ?? 'Not named') },
        { text: l.department ?? '' },
        { text: l.purpose ?? '' },
        num(pounds(l.netPence)),
        { html: `${link(`/spend/${publisher.slug}/files/${l.fileId}`, `line ${l.line}`)}${l.duplicateOf ? ` <strong class="govuk-tag govuk-tag--yellow">Same as line ${l.duplicateOf}</strong>` : ''}` },
      ]);
      const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
      return {
        result, rows, pagination: pagination(page, pages, (p) => `/spend/${publisher.slug}/lines${qs({ page: p })}`),
        sortLinks: { date: `/spend/${publisher.slug}/lines${service.filterQuery(input, { sort: 'date' })}`, amount: `/spend/${publisher.slug}/lines${service.filterQuery(input, { sort: 'amount' })}` },
        qs: service.filterQuery(input), api: `/api/v1/spend/publishers/${publisher.slug}/lines`, permalink: `/spend/${publisher.slug}/lines${qs({ page })}`,
      };
    });
  });

  app.get('/spend/:publisher/files', async (request, reply) => {
    const { publisher, files } = await service.publisherFiles(db, (request.params as { publisher: string }).publisher);
    const rows = files.map((f) => [
      { html: link(`/spend/${publisher.slug}/files/${f.id}`, `${f.periodFrom} to ${f.periodTo}`) },
      { text: f.filename ?? '' }, num(String(f.version)), { text: statusLabel(f.status) },
      num(integer.format(f.rowsImported)), num(integer.format(f.rowsRejected)), num(pounds(f.netTotalPence)),
    ]);
    // What was withdrawn stays listed, with when and why, for everyone.
    const withdrawnRows = files.filter((f) => f.withdrawn).map((f) => [
      { html: link(`/spend/${publisher.slug}/files/${f.id}`, `${f.periodFrom} to ${f.periodTo}, version ${f.version}`) }, { text: f.withdrawn!.at.slice(0, 10) }, { text: f.withdrawn!.reason },
    ]);
    return reply.page('spend/views/files.njk', { publisher, rows, withdrawnRows, mayPublish: await canPublish(request, publisher.id) });
  });

  app.get('/spend/:publisher/files/:id', async (request, reply) => {
    const { publisher: ref, id } = request.params as { publisher: string; id: string };
    const { publisher, file, versions, lines } = await service.getFile(db, ref, id);
    const mappingRows = Object.entries(file.mapping).map(([field, m]) => [
      { text: SPEND_FIELD_LABELS[field as SpendField] ?? field }, { text: m.column }, { text: m.confidence }, { text: m.reason },
    ]);
    const details = file.details as { rejected?: { line: number; reason: string }[]; warnings?: string[]; encoding?: string; delimiter?: string; compression?: string; headerLine?: number | null; titleRows?: string[]; blankRowsSkipped?: number; duplicateLines?: number; unusedColumns?: string[] };
    const rejectedRows = (details.rejected ?? []).map((r) => [num(String(r.line)), { text: r.reason }]);
    const versionRows = versions.map((v) => {
      const label = v.periodFrom === file.periodFrom && v.periodTo === file.periodTo ? `Version ${v.version}` : `${v.periodFrom} to ${v.periodTo}, version ${v.version}`;
      return [
      { html: v.id === file.id ? `${label} (this one)` : link(`/spend/${publisher.slug}/files/${v.id}`, label) },
      { text: statusLabel(v.status) }, { text: v.importedAt.slice(0, 10) },
      num(integer.format(v.rowsImported)), num(pounds(v.netTotalPence)),
      { text: v.diff ? `${integer.format(v.diff.linesAdded)} lines added (${pounds(v.diff.penceAdded)}), ${integer.format(v.diff.linesRemoved)} removed (${pounds(v.diff.penceRemoved)})` : '' },
      ];
    });
    const grantRows = (lines ?? []).map((l) => [
      num(String(l.line)), { text: l.date ?? '' }, { html: l.supplierSlug ? link(`/spend/suppliers/${l.supplierSlug}`, l.supplierName ?? '') : esc(l.supplierName ?? '') },
      { text: l.serviceArea ?? '' }, { text: l.transactionNumber ?? '' }, num(pounds(l.netPence)),
    ]);
    return reply.page('spend/views/file.njk', {
      publisher, file, details, mappingRows, rejectedRows, versionRows, grantRows,
      delimiterName: ({ ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'vertical bar' } as Record<string, string>)[details.delimiter ?? ''] ?? details.delimiter,
      api: `/api/v1/spend/publishers/${publisher.slug}/files/${file.id}`, mayPublish: await canPublish(request, publisher.id),
      outcome: (request.query as Query).outcome,
    });
  });

  // Publisher staff upload through this form (multipart, up to the platform's form limit), or through the API
  // and the CLI for larger files; the page explains all three.
  const publisherOf = { roles: PUBLISHING_ROLES, organisation: async (r: { params: unknown }) => (await service.resolvePublisher(db, (r.params as { publisher: string }).publisher)).id };
  app.get('/spend/:publisher/upload', { config: { access: publisherOf } }, async (request, reply) => {
    const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
    const host = request.headers.host ?? 'localhost:3000';
    return reply.page('spend/views/upload.njk', await uploadPage(publisher, host, { discarded: (request.query as Query).discarded === '1' }, request.actor));
  });

  async function uploadPage(publisher: Awaited<ReturnType<typeof service.resolvePublisher>>, host: string, extra: Record<string, unknown>, actor: Actor) {
    const drafts = await listSpendDrafts(db, actor, publisher.id);
    const draftRows = drafts.map((d) => [
      { html: link(d.link, d.title) }, { text: d.filename ?? 'Not given' }, num(integer.format(d.check.rowsImported)), num(pounds(d.check.netTotalPence)),
      { text: d.check.warnings.length ? `${d.check.warnings.length} to check` : 'None' }, { text: d.expiresAt.slice(0, 10) },
    ]);
    return { publisher, host, limitMb: UPLOAD_LIMIT / 1024 / 1024, formLimitMb: uploadLimitBytes / 1024 / 1024, identifier: publisher.identifiers[0] ?? publisher.slug, draftRows, ...extra };
  }

  app.post('/spend/:publisher/upload', { config: { access: publisherOf } }, async (request, reply) => {
    const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
    const body = (request.body ?? {}) as { file?: unknown; period?: unknown };
    const period = typeof body.period === 'string' && body.period.trim() ? body.period.trim() : null;
    const host = request.headers.host ?? 'localhost:3000';
    try {
      if (!Buffer.isBuffer(body.file) || body.file.length === 0) {
        throw AppError.validation([{ field: 'file', message: 'Select the spending file to upload' }]);
      }
      const { draft } = await createSpendDraft(ctx, request.actor, { publisher: publisher.id, source: { bytes: body.file }, period, filename: uploadedFilename(request), signal: clientGoneSignal(request, reply) });
      return reply.redirect(draft.link, 303);
    } catch (error) {
      if (isAppError(error) && (error.fieldErrors.length || error.code === 'conflict')) {
        const errors = error.fieldErrors.length ? error.fieldErrors : [{ field: 'file', message: error.message }];
        return reply.page('spend/views/upload.njk', await uploadPage(publisher, host, { errors, values: { period } }, request.actor), { status: error.status });
      }
      throw error;
    }
  });

  // Checking a draft before publishing it ("check your answers"): only the publisher's staff see it.
  async function draftOf(request: { params: unknown; actor: Actor }): Promise<{ publisher: Awaited<ReturnType<typeof service.resolvePublisher>>; draft: SpendDraftView }> {
    const { publisher: ref, id } = request.params as { publisher: string; id: string };
    const publisher = await service.resolvePublisher(db, ref);
    // A draft is found only under its own publisher's address; then only that publisher's staff may open it.
    const found = await findDraft(db, id);
    if (!found || found.organisationId !== publisher.id) throw new AppError('not_found', 'No such draft for this publisher');
    const draft = await getSpendDraft(db, request.actor, id);
    return { publisher, draft };
  }

  function checkPage(publisher: Awaited<ReturnType<typeof service.resolvePublisher>>, draft: SpendDraftView, extra: Record<string, unknown> = {}) {
    const c = draft.check;
    const mappingRows = SPEND_FIELDS.filter((f) => c.mapping[f]).map((f) => {
      const m = c.mapping[f]!;
      return [{ text: SPEND_FIELD_LABELS[f] }, { text: m.column }, { html: m.confidence === 'high' ? 'High' : `<strong class="govuk-tag govuk-tag--${m.confidence === 'medium' ? 'yellow' : 'red'}">${m.confidence === 'medium' ? 'Medium' : 'Low'}</strong>` }, { text: m.reason }];
    });
    const warnings = c.warnings.map((w) => ({
      ...w,
      rows: (w.lines ?? []).map((l) => [num(String(l.line)), l.netPence !== undefined ? num(pounds(l.netPence)) : { text: l.date ?? '' }]),
      lineHead: w.code === 'outside-period' ? 'Date' : 'Net amount',
    }));
    const rejectedRows = c.rejected.map((r) => [num(String(r.line)), { text: r.reason }]);
    const replacedRows = (c.replaces?.files ?? []).map((f) => [
      { html: link(`/spend/${publisher.slug}/files/${f.id}`, `${f.periodFrom} to ${f.periodTo}, version ${f.version}`) }, { text: f.filename ?? 'Not given' },
      num(integer.format(f.rowsImported)), num(pounds(f.netTotalPence)),
    ]);
    return {
      publisher, draft, c, mappingRows, warnings, rejectedRows, replacedRows, outlierFactor: OUTLIER_FACTOR,
      acknowledgeItems: c.warnings.map((w) => ({ value: w.code, text: `I have checked: ${w.title}`, checked: ((extra.acknowledged as string[] | undefined) ?? []).includes(w.code) })),
      base: `/spend/${publisher.slug}/drafts/${draft.id}`, api: `/api/v1/spend/drafts/${draft.id}`, ...extra,
    };
  }

  app.get('/spend/:publisher/drafts/:id', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, draft } = await draftOf(request);
    if (draft.state === 'published' && draft.fileId) return reply.redirect(`/spend/${publisher.slug}/files/${draft.fileId}`, 303);
    return reply.page('spend/views/draft.njk', checkPage(publisher, draft), { form: true });
  });

  app.get('/spend/:publisher/drafts/:id/mapping', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, draft } = await draftOf(request);
    const values = Object.fromEntries(SPEND_FIELDS.map((f) => [f, draft.check.mapping[f]?.column ?? '']));
    return reply.page('spend/views/draft-mapping.njk', mappingPage(publisher, draft, values));
  });

  function mappingPage(publisher: Awaited<ReturnType<typeof service.resolvePublisher>>, draft: SpendDraftView, values: Record<string, string>, errors?: FieldError[]) {
    const fields = SPEND_FIELDS.map((f) => ({
      field: f, label: SPEND_FIELD_LABELS[f],
      items: [{ value: '', text: 'None: the file has no such column' }, ...draft.check.columns.map((c) => ({ value: c, text: c }))].map((i) => ({ ...i, selected: (values[f] ?? '') === i.value })),
    }));
    return { publisher, draft, fields, values, errors, base: `/spend/${publisher.slug}/drafts/${draft.id}` };
  }

  app.post('/spend/:publisher/drafts/:id/mapping', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, draft } = await draftOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values: Record<string, string> = {};
    for (const f of SPEND_FIELDS) values[f] = typeof body[f] === 'string' ? (body[f] as string) : '';
    try {
      const mapping = Object.fromEntries(SPEND_FIELDS.map((f) => [f, values[f] ? values[f] : null]));
      await remapSpendDraft(ctx, request.actor, draft.id, mapping);
      return reply.redirect(`/spend/${publisher.slug}/drafts/${draft.id}`, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page('spend/views/draft-mapping.njk', mappingPage(publisher, draft, values, error.fieldErrors), { status: error.status });
      }
      throw error;
    }
  });

  app.post('/spend/:publisher/drafts/:id/publish', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, draft } = await draftOf(request);
    const raw = ((request.body ?? {}) as { acknowledge?: unknown }).acknowledge;
    const acknowledged = ([] as unknown[]).concat(raw ?? []).filter((x): x is string => typeof x === 'string');
    try {
      const result = await publishSpendDraft(ctx, request.actor, draft.id, acknowledged);
      return reply.redirect(`/spend/${publisher.slug}/files/${result.fileId}?outcome=${result.outcome}`, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        // A refusal other than an unticked warning (a file published meanwhile that this one would cover only in
        // part) is shown at the top of the page, read again.
        const errors = error.fieldErrors.map((e) => (e.field === 'acknowledge' ? e : { field: 'publish', message: e.message }));
        const fresh = await getSpendDraft(db, request.actor, draft.id);
        return reply.page('spend/views/draft.njk', checkPage(publisher, fresh, { errors, acknowledged }), { status: error.status });
      }
      throw error;
    }
  });

  app.post('/spend/:publisher/drafts/:id/discard', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, draft } = await draftOf(request);
    await discardSpendDraft(ctx, request.actor, draft.id);
    return reply.redirect(`/spend/${publisher.slug}/upload?discarded=1`, 303);
  });

  // Withdrawing a published file: its publisher's staff, with a reason everyone will see.
  app.get('/spend/:publisher/files/:id/withdraw', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher: ref, id } = request.params as { publisher: string; id: string };
    const { publisher, file } = await service.getFile(db, ref, id);
    return reply.page('spend/views/withdraw.njk', { publisher, file, values: {} });
  });
  app.post('/spend/:publisher/files/:id/withdraw', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher: ref, id } = request.params as { publisher: string; id: string };
    const { publisher, file } = await service.getFile(db, ref, id);
    const reason = ((request.body ?? {}) as { reason?: unknown }).reason;
    try {
      await withdrawSpendFile(ctx, request.actor, publisher.id, file.id, reason);
      return reply.redirect(`/spend/${publisher.slug}/files/${file.id}?outcome=withdrawn`, 303);
    } catch (error) {
      if (isAppError(error) && (error.fieldErrors.length || error.code === 'conflict')) {
        const errors = error.fieldErrors.length ? error.fieldErrors : [{ field: 'reason', message: error.message }];
        return reply.page('spend/views/withdraw.njk', { publisher, file, values: { reason: typeof reason === 'string' ? reason : '' }, errors }, { status: error.status });
      }
      throw error;
    }
  });

  // Senior salaries: anyone reads them; publisher staff, finance officers and administrators publish them.
  app.get('/spend/:publisher/salaries', async (request, reply) => {
    const ref = (request.params as { publisher: string }).publisher;
    const q = request.query as Query;
    const s = await salaries.publisherSalaries(db, ref, q.asAt || undefined);
    const mayPublish = await canPublish(request, s.publisher.id);
    const money = (p: number | null) => num(p === null ? '' : wholePounds(p));
    const rows = s.posts.map((p) => [
      { html: `<strong>${esc(p.jobTitle)}</strong>${p.name ? `<br>${esc(p.name)}` : ''}${p.department ? `<br><span class="govuk-body-s">${esc(p.department)}</span>` : ''}${p.responsibilities ? `<br><span class="govuk-body-s">${esc(p.responsibilities)}</span>` : ''}` },
      num(`${wholePounds(p.salaryFromPence)} to ${wholePounds(p.salaryToPence)}`), money(p.budgetHeldPence),
      num(p.staffManaged === null ? '' : integer.format(p.staffManaged)), money(p.bonusesPence), money(p.benefitsInKindPence),
      ...(mayPublish ? [{ html: `<form method="post" action="/spend/${esc(s.publisher.slug)}/salaries/${esc(p.id)}/remove"><input type="hidden" name="_csrf" value="${esc(request.csrfToken ?? '')}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Remove<span class="govuk-visually-hidden"> ${esc(p.jobTitle)}</span></button></form>` }] : []),
    ]);
    const example = s.posts.length > 0 && s.posts.every((p) => /\(example\)$/i.test(p.jobTitle));
    const head = [{ text: 'Job title' }, { text: 'Salary band', format: 'numeric' }, { text: 'Budget held', format: 'numeric' }, { text: 'Staff managed', format: 'numeric' },
      { text: 'Bonuses', format: 'numeric' }, { text: 'Benefits in kind', format: 'numeric' }, ...(mayPublish ? [{ text: 'Change' }] : [])];
    const notice = q.added === '1' && mayPublish ? 'The senior post is published.' : undefined;
    return reply.page('spend/views/salaries.njk', { ...s, head, rows, mayPublish, example, notice, api: `/api/v1/spend/publishers/${s.publisher.slug}/salaries` });
  });

  const salaryForm = (template: string, path: string, work: (publisher: string, body: Record<string, string>, request: { actor: Actor }) => Promise<unknown>) => {
    app.get(`/spend/:publisher/salaries/${path}`, { config: { access: publisherOf } }, async (request, reply) => {
      const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
      return reply.page(template, { publisher, values: {} });
    });
    app.post(`/spend/:publisher/salaries/${path}`, { config: { access: publisherOf } }, async (request, reply) => {
      const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
      const raw = (request.body ?? {}) as Record<string, unknown>;
      const body: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') body[k] = v;
      try {
        await work(publisher.id, body, request);
      } catch (error) {
        if (isAppError(error) && error.fieldErrors.length) {
          return reply.page(template, { publisher, values: body, errors: error.fieldErrors }, { status: error.status });
        }
        throw error;
      }
      const asAt = (() => { try { return salaries.readAsAt(body.asAt); } catch { return ''; } })();
      return reply.redirect(`/spend/${publisher.slug}/salaries${asAt ? `?asAt=${asAt}` : ''}`, 303);
    });
  };
  // One senior post: the form, then a check page (GOV.UK "check your answers") showing exactly what will be
  // public, then publish. Nothing is written until the publisher presses "Publish post"; the values travel in
  // the check page's hidden fields and are read and checked again when published.
  const postFields = ['asAt', 'jobTitle', 'department', 'salaryFrom', 'salaryTo', 'name', 'responsibilities', 'budgetHeld', 'staffManaged', 'bonuses', 'benefitsInKind'] as const;
  const postValues = (raw: unknown) => {
    const body: Record<string, string> = {};
    for (const k of postFields) { const v = (raw as Record<string, unknown> | undefined)?.[k]; if (typeof v === 'string') body[k] = v; }
    return body;
  };
  app.get('/spend/:publisher/salaries/new', { config: { access: publisherOf } }, async (request, reply) => {
    const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
    return reply.page('spend/views/salary-new.njk', { publisher, values: {} });
  });
  app.post('/spend/:publisher/salaries/new', { config: { access: publisherOf } }, async (request, reply) => {
    const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
    const body = postValues(request.body);
    if ((request.body as Record<string, unknown> | undefined)?.change === 'yes') return reply.page('spend/views/salary-new.njk', { publisher, values: body });
    try {
      const checked = await salaries.checkSalaryPost(db, request.actor, publisher.id, body);
      const p = checked.post;
      const money = (pence: number | null) => ({ text: pence === null ? 'Not given' : pounds(pence) });
      const rows = [
        { key: { text: 'Correct at' }, value: { text: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${checked.asAt}T12:00:00Z`)) } },
        { key: { text: 'Job title' }, value: { text: p.jobTitle } },
        { key: { text: 'Department or directorate' }, value: { text: p.department ?? 'Not given' } },
        { key: { text: 'Salary band' }, value: { text: `${wholePounds(p.salaryFromPence)} to ${wholePounds(p.salaryToPence)}` } },
        { key: { text: 'Post-holder’s name' }, value: { text: p.name ?? 'Not named' } },
        { key: { text: 'Responsibilities' }, value: { text: p.responsibilities ?? 'Not given' } },
        { key: { text: 'Budget held' }, value: money(p.budgetHeldPence) },
        { key: { text: 'Staff managed' }, value: { text: p.staffManaged === null ? 'Not given' : integer.format(p.staffManaged) } },
        { key: { text: 'Bonuses' }, value: money(p.bonusesPence) },
        { key: { text: 'Benefits in kind' }, value: money(p.benefitsInKindPence) },
      ];
      return reply.page('spend/views/salary-check.njk', { publisher, checked, rows, hidden: Object.entries(body).map(([name, value]) => ({ name, value })) });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page('spend/views/salary-new.njk', { publisher, values: body, errors: error.fieldErrors }, { status: error.status });
      }
      throw error;
    }
  });
  app.post('/spend/:publisher/salaries/new/publish', { config: { access: publisherOf } }, async (request, reply) => {
    const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
    const body = postValues(request.body);
    try {
      const post = await salaries.addSalaryPost(db, request.actor, publisher.id, body);
      return reply.redirect(`/spend/${publisher.slug}/salaries?asAt=${post.asAt}&added=1`, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page('spend/views/salary-new.njk', { publisher, values: body, errors: error.fieldErrors }, { status: error.status });
      }
      throw error;
    }
  });
  salaryForm('spend/views/pay-multiple.njk', 'pay-multiple', (id, body, request) => salaries.setPayMultiple(db, request.actor, id, body));

  app.get('/spend/:publisher/salaries/upload', { config: { access: publisherOf } }, async (request, reply) => {
    const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
    return reply.page('spend/views/salary-upload.njk', { publisher, values: {} });
  });
  app.post('/spend/:publisher/salaries/upload', { config: { access: publisherOf } }, async (request, reply) => {
    const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
    const body = (request.body ?? {}) as { file?: unknown; asAt?: unknown };
    const asAt = typeof body.asAt === 'string' ? body.asAt : '';
    try {
      if (!Buffer.isBuffer(body.file) || body.file.length === 0) {
        const errors: FieldError[] = [];
        try { salaries.readAsAt(asAt); } catch (error) { if (isAppError(error)) errors.push(...error.fieldErrors); }
        throw AppError.validation([...errors, { field: 'file', message: 'Select the senior salaries CSV file to upload' }]);
      }
      const draft = await createSalaryDraft(ctx, request.actor, publisher.id, { bytes: body.file, asAt, filename: uploadedFilename(request) });
      return reply.redirect(draft.link, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page('spend/views/salary-upload.njk', { publisher, values: { asAt }, errors: error.fieldErrors }, { status: error.status });
      }
      throw error;
    }
  });
  // A senior salaries CSV is checked as a draft before it replaces the list for its date.
  async function salaryDraftOf(request: { params: unknown; actor: Actor }) {
    const { publisher: ref, id } = request.params as { publisher: string; id: string };
    const publisher = await service.resolvePublisher(db, ref);
    const found = await findDraft(db, id);
    if (!found || found.organisationId !== publisher.id) throw new AppError('not_found', 'No such draft for this publisher');
    return { publisher, draft: await getSalaryDraft(db, request.actor, id) };
  }
  app.get('/spend/:publisher/salaries/drafts/:id', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, draft } = await salaryDraftOf(request);
    if (draft.state === 'published') return reply.redirect(`/spend/${publisher.slug}/salaries?asAt=${draft.check.asAt}`, 303);
    const money = (p: number | null) => num(p === null ? '' : wholePounds(p));
    const rows = draft.check.rows.map((p) => [
      { text: p.jobTitle + (p.name ? ` (${p.name})` : '') }, { text: p.department ?? '' }, num(`${wholePounds(p.salaryFromPence)} to ${wholePounds(p.salaryToPence)}`),
      money(p.budgetHeldPence), num(p.staffManaged === null ? '' : integer.format(p.staffManaged)), money(p.bonusesPence), money(p.benefitsInKindPence),
    ]);
    const columns = Object.entries(draft.check.columns).map(([field, column]) => [{ text: field }, { text: column }]);
    return reply.page('spend/views/salary-draft.njk', { publisher, draft, rows, columns, base: `/spend/${publisher.slug}/salaries/drafts/${draft.id}` });
  });
  app.post('/spend/:publisher/salaries/drafts/:id/publish', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, draft } = await salaryDraftOf(request);
    const result = await publishSalaryDraft(db, request.actor, draft.id);
    return reply.redirect(`/spend/${publisher.slug}/salaries?asAt=${result.asAt}`, 303);
  });
  app.post('/spend/:publisher/salaries/drafts/:id/discard', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, draft } = await salaryDraftOf(request);
    await discardSalaryDraft(db, request.actor, draft.id);
    return reply.redirect(`/spend/${publisher.slug}/salaries/upload`, 303);
  });
  app.post('/spend/:publisher/salaries/:id/remove', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher: ref, id } = request.params as { publisher: string; id: string };
    const publisher = await service.resolvePublisher(db, ref);
    const removed = await salaries.removeSalaryPost(db, request.actor, publisher.id, id);
    return reply.redirect(`/spend/${publisher.slug}/salaries?asAt=${removed.asAt}`, 303);
  });

  // Site administrators set how large one of a publisher's files may be, decompressed (spend.limits.ts).
  async function limitsPage(request: FastifyRequest, reply: FastifyReply, extra: { errors?: unknown; values?: Record<string, unknown>; status?: number; saved?: boolean } = {}) {
    const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
    const limits = await importLimitsFor(db, ctx.config, publisher.id);
    const values = extra.values ?? { maxMegabytes: limits.own.maxBytes === null ? '' : String(Math.floor(limits.own.maxBytes / 1024 ** 2)), maxLines: limits.own.maxLines === null ? '' : String(limits.own.maxLines) };
    return reply.page('spend/views/limits.njk', { publisher, limits, globalMb: Math.floor(limits.global.maxBytes / 1024 ** 2), effectiveMb: Math.floor(limits.maxBytes / 1024 ** 2), values, errors: extra.errors, notice: extra.saved ? 'The import limits are saved.' : undefined }, { status: extra.status ?? 200 });
  }
  app.get('/spend/:publisher/limits', { config: { access: 'admin' } }, async (request, reply) => limitsPage(request, reply, { saved: (request.query as Query).saved === '1' }));
  app.post('/spend/:publisher/limits', { config: { access: 'admin' } }, async (request, reply) => {
    const form = (request.body ?? {}) as { maxMegabytes?: string; maxLines?: string };
    try {
      const publisher = await service.resolvePublisher(db, (request.params as { publisher: string }).publisher);
      await setImportLimits(db, ctx.config, request.actor, publisher.id, { maxMegabytes: form.maxMegabytes, maxLines: form.maxLines });
      return reply.redirect(`/spend/${publisher.slug}/limits?saved=1`, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) return limitsPage(request, reply, { errors: error.fieldErrors, values: form, status: 400 });
      throw error;
    }
  });
}

