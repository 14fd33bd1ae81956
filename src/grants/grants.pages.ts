import type { App, AppContext } from '../platform/module.ts';
import { AppError, isAppError } from '../platform/errors.ts';
import { uploadedFilename, uploadLimitBytes } from '../platform/http.ts';
import { findDraft } from '../platform/drafts.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import * as service from './grants.service.ts';
import { changedRows, grantsFilePages } from './grants.files.pages.ts';
import { chosenPots, potChoicesFor, potHref } from './grants.chains.pages.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const integer = new Intl.NumberFormat('en-GB');

/** An amount in minor units of its currency, as people read it (£1,234.56; US$10.00). Exact: no float sums. */
export function money(minor: number, currency: string): string {
  const digits = new Intl.NumberFormat('en-GB', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const negative = minor < 0;
  const abs = Math.abs(minor);
  const whole = Math.floor(abs / 10 ** digits);
  const frac = digits ? `.${String(abs % 10 ** digits).padStart(digits, '0')}` : '';
  const symbol = currency === 'GBP' ? '£' : `${currency} `;
  return `${negative ? '−' : ''}${symbol}${integer.format(whole)}${frac}`;
}

const num = (text: string) => ({ text, format: 'numeric' });
const others = (o: Record<string, { grants: number; total: number }>) => Object.entries(o).map(([c, v]) => `${money(v.total, c)} (${integer.format(v.grants)} grants)`).join('; ');

/** The tables of a file's check: problems by kind, rejected grants, every problem (the first 500). */
function reportOf(c: service.GrantsSummary) {
  return {
    problemRows: c.problems.slice(0, 500).map((p) => [{ text: p.id ?? '' }, { text: p.field }, { text: p.severity }, { text: p.message }]),
    rejectedRows: c.rejected.slice(0, 500).map((r) => [num(String(r.index)), { text: r.id ?? 'No id' }, { text: r.reason }]),
    countRows: Object.entries(c.problemCounts).map(([k, n]) => [{ text: k.split(':')[0]! }, { text: k.split(':')[1]! }, num(integer.format(n))]),
    gbp: money(c.gbpTotalPence, 'GBP'),
    otherText: Object.entries(c.otherCurrencies).map(([cur, v]) => money(v, cur)).join('; ') || 'None',
  };
}

export function grantsPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/grants', async (_request, reply) => {
    const publishers = await service.listGrantPublishers(db);
    const rows = publishers.map((p) => [
      { html: `<a class="govuk-link" href="/grants/${esc(p.slug)}">${esc(p.name)}</a>` },
      { text: p.firstAwardDate ? `${p.firstAwardDate} to ${p.lastAwardDate}` : '' },
      num(integer.format(p.grants)), num(money(p.gbpPence, 'GBP')), { text: others(p.otherCurrencies) || 'None' },
    ]);
    return reply.page('grants/views/index.njk', { rows, count: publishers.length });
  });

  // Anyone may check a file against the 360Giving rules: it is read and reported on, never stored.
  app.get('/grants/check', async (_request, reply) => reply.page('grants/views/check.njk', { formLimitMb: uploadLimitBytes / 1024 / 1024 }, { form: true }));
  app.post('/grants/check', { config: { access: 'public' } }, async (request, reply) => {
    const body = (request.body ?? {}) as { file?: unknown };
    try {
      if (!Buffer.isBuffer(body.file) || body.file.length === 0) throw AppError.validation([{ field: 'file', message: 'Select the 360Giving file to check' }]);
      const c = await service.validateGrantsBytes(body.file, service.limitsOf(ctx));
      return reply.page('grants/views/check.njk', { formLimitMb: uploadLimitBytes / 1024 / 1024, filename: uploadedFilename(request), c, ...reportOf(c) }, { form: true });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page('grants/views/check.njk', { formLimitMb: uploadLimitBytes / 1024 / 1024, errors: error.fieldErrors.map((e) => ({ field: 'file', message: e.message })) }, { status: error.status, form: true });
      }
      throw error;
    }
  });

  const publisherOf = { roles: service.GRANTS_PUBLISHING_ROLES, organisation: async (r: { params: unknown }) => (await getOrganisation(db, (r.params as { publisher: string }).publisher)).id };

  async function uploadPage(publisherRef: string, actor: Parameters<typeof service.listGrantsDrafts>[1], extra: Record<string, unknown> = {}) {
    const org = await getOrganisation(db, publisherRef);
    const drafts = await service.listGrantsDrafts(db, actor, org.id);
    const draftRows = drafts.map((d) => [
      { html: `<a class="govuk-link" href="${esc(d.link)}">${esc(d.title)}</a>` }, { text: d.filename ?? 'Not given' },
      num(integer.format(d.check.grantsImported)), num(integer.format(d.check.grantsRejected)), { text: d.expiresAt.slice(0, 10) },
    ]);
    return { publisher: { id: org.id, name: org.name, slug: org.slug }, identifier: org.identifiers[0] ?? org.slug, formLimitMb: uploadLimitBytes / 1024 / 1024, draftRows, ...extra };
  }

  app.get('/grants/:publisher/upload', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher } = request.params as { publisher: string };
    return reply.page('grants/views/upload.njk', await uploadPage(publisher, request.actor, { discarded: (request.query as { discarded?: string }).discarded === '1' }));
  });

  app.post('/grants/:publisher/upload', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher } = request.params as { publisher: string };
    const body = (request.body ?? {}) as { file?: unknown };
    try {
      if (!Buffer.isBuffer(body.file) || body.file.length === 0) throw AppError.validation([{ field: 'file', message: 'Select the 360Giving file to upload' }]);
      const { draft } = await service.createGrantsDraft(ctx, request.actor, { publisher, source: { bytes: body.file }, filename: uploadedFilename(request) });
      return reply.redirect(draft.link, 303);
    } catch (error) {
      if (isAppError(error) && (error.fieldErrors.length || error.code === 'conflict')) {
        const errors = (error.fieldErrors.length ? error.fieldErrors : [{ field: 'file', message: error.message }]).map((e) => ({ field: 'file', message: e.message }));
        return reply.page('grants/views/upload.njk', await uploadPage(publisher, request.actor, { errors }), { status: error.status });
      }
      throw error;
    }
  });

  async function draftOf(request: { params: unknown; actor: Parameters<typeof service.getGrantsDraft>[1] }) {
    const { publisher: ref, id } = request.params as { publisher: string; id: string };
    const org = await getOrganisation(db, ref);
    const found = await findDraft(db, id);
    if (!found || found.organisationId !== org.id) throw new AppError('not_found', 'No such draft for this publisher');
    return { org, draft: await service.getGrantsDraft(db, request.actor, id) };
  }

  app.get('/grants/:publisher/drafts/:id', { config: { access: publisherOf } }, async (request, reply) => {
    const { org, draft } = await draftOf(request);
    if (draft.state === 'published') return reply.redirect(`/grants/${org.slug}?published=${draft.fileId}`, 303);
    const c = draft.check;
    return reply.page('grants/views/draft.njk', { publisher: { name: org.name, slug: org.slug }, draft, c, ...reportOf(c), difference: c.difference, changedRows: changedRows(c.difference), potItems: await potChoicesFor(ctx, org.id) });
  });

  app.post('/grants/:publisher/drafts/:id/publish', { config: { access: publisherOf } }, async (request, reply) => {
    const { org, draft } = await draftOf(request);
    const result = await service.publishGrantsDraft(ctx, request.actor, draft.id, { pots: chosenPots(request.body) });
    return reply.redirect(`/grants/${org.slug}?published=${result.fileId}`, 303);
  });

  app.post('/grants/:publisher/drafts/:id/discard', { config: { access: publisherOf } }, async (request, reply) => {
    const { org, draft } = await draftOf(request);
    await service.discardGrantsDraft(ctx, request.actor, draft.id);
    return reply.redirect(`/grants/${org.slug}/upload?discarded=1`, 303);
  });

  grantsFilePages(app, ctx);

  app.get('/grants/:publisher', async (request, reply) => {
    const { publisher } = request.params as { publisher: string };
    const q = request.query as { page?: string; published?: string };
    const data = await service.publisherGrants(db, publisher, Number(q.page ?? 1));
    const rows = data.grants.map((g) => [
      { text: g.awardDate }, { text: g.title }, { text: g.recipient ?? 'Not given' }, { text: g.programme ?? '' },
      num(money(g.amountMinor, g.currency)), g.regrantType ? { html: `<a class="govuk-link" href="${esc(potHref(data.publisher.slug, g.id))}">Regrant (${esc(g.regrantType)})<span class="govuk-visually-hidden">: the pot’s onward grants</span></a>` } : { text: '' },
    ]);
    const fileRows = data.files.map((f) => [
      { text: f.importedAt.slice(0, 10) }, { html: `<a class="govuk-link" href="/grants/${esc(data.publisher.slug)}/files/${esc(f.id)}">${esc(f.filename ?? 'Not given')}</a>${f.withdrawn ? ` <strong class="govuk-tag govuk-tag--grey">Withdrawn</strong> ${esc(f.withdrawn.reason)}` : ''}` },
      num(integer.format(f.grantsRead)), num(integer.format(f.grantsRejected)),
      { text: `${integer.format(f.changes.new)} new, ${integer.format(f.changes.changed)} changed, ${integer.format(f.changes.unchanged)} unchanged` },
    ]);
    const pages = Math.max(1, Math.ceil(data.totals.grants / data.pageSize));
    return reply.page('grants/views/publisher.njk', {
      ...data, rows, fileRows, gbp: money(data.totals.gbpPence, 'GBP'), otherText: others(data.totals.otherCurrencies), pages,
      previous: data.page > 1 ? `/grants/${data.publisher.slug}?page=${data.page - 1}` : null, next: data.page < pages ? `/grants/${data.publisher.slug}?page=${data.page + 1}` : null,
      published: typeof q.published === 'string',
    });
  });
}
