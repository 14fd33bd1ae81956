// The explorer's pages: search (a GET form that works without JavaScript), funder, recipient and programme
// pages with totals by UK financial year (an SVG chart with the table beside it), and every view's downloads.
import type { App, AppContext } from '../platform/module.ts';
import { AppError } from '../platform/errors.ts';
import { barChart } from '../platform/charts.ts';
import * as explore from './grants.explore.ts';
import { CONTENT_TYPES, exportGrants, type ExportFormat } from './grants.export.ts';
import { money } from './grants.pages.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const integer = new Intl.NumberFormat('en-GB');
const num = (text: string) => ({ text, format: 'numeric' });

/** A query string of the explorer's keys (only those given), with overrides. */
export function queryString(query: explore.ExploreQuery, overrides: Partial<Record<keyof explore.ExploreQuery, string | undefined>> = {}): string {
  const merged: Record<string, string | undefined> = { ...query, ...overrides };
  const p = new URLSearchParams();
  for (const k of [...explore.QUERY_KEYS, 'page'] as const) {
    const v = merged[k];
    if (v !== undefined && v !== '') p.set(k, v);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const funderHref = (id: string) => `/grants/funders/${encodeURIComponent(id)}`;
export const recipientHref = (id: string) => `/grants/recipients/${encodeURIComponent(id)}`;
export const programmeHref = (funderId: string, programme: string) => `${funderHref(funderId)}/programmes/${encodeURIComponent(programme)}`;

function othersText(o: Record<string, { grants: number; total: number }>): string {
  return Object.entries(o).map(([c, v]) => `${money(v.total, c)} (${integer.format(v.grants)} ${v.grants === 1 ? 'grant' : 'grants'})`).join('; ');
}

function grantRows(grants: explore.ExploreGrant[], show: { funder?: boolean; recipient?: boolean } = { funder: true, recipient: true }) {
  return grants.map((g) => {
    const cells: { text?: string; html?: string; format?: string }[] = [{ text: g.awardDate }, { text: g.title }];
    if (show.funder) cells.push(g.funder.id ? { html: `<a class="govuk-link" href="${esc(funderHref(g.funder.id))}">${esc(g.funder.name ?? g.funder.id)}</a>` } : { text: g.funder.name ?? 'Not given' });
    if (show.recipient) cells.push(g.recipient.id && g.recipient.kind !== 'individual' ? { html: `<a class="govuk-link" href="${esc(recipientHref(g.recipient.id))}">${esc(g.recipient.name)}</a>` } : { text: g.recipient.name });
    cells.push(num(money(g.amountMinor, g.currency)));
    return cells;
  });
}

function downloads(base: string, query: explore.ExploreQuery) {
  const qs = queryString({ ...query, page: undefined });
  const sep = qs ? '&' : '?';
  return [
    { text: 'CSV (360Giving column titles)', href: `${base}${qs}${sep}format=csv` },
    { text: 'JSON', href: `${base}${qs}${sep}format=json` },
    { text: '360Giving package (JSON, 1.4.3)', href: `${base}${qs}${sep}format=360giving` },
  ];
}

/** The chart and table of totals by financial year (pounds; other currencies in the table only). */
function yearsView(id: string, what: string, years: explore.YearRow[]) {
  const chart = years.length ? barChart({
    id, title: `Grants in pounds ${what}, by UK financial year (April to March)`, description: 'The same figures, with the number of grants and any other currencies, are in the table beside the chart.',
    categories: years.map((y) => y.label), series: [{ name: 'In pounds', values: years.map((y) => y.gbpPence) }], format: (v) => money(v, 'GBP').replace(/\.\d\d$/, ''),
  }) : null;
  const rows = years.map((y) => [{ text: y.label }, num(integer.format(y.grants)), num(money(y.gbpPence, 'GBP')), { text: othersText(y.otherCurrencies) || 'None' }]);
  return { chart, yearRows: rows };
}

export function grantsExplorePages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/grants/search', async (request, reply) => {
    const read = await explore.readFilters(db, request.query as Record<string, unknown>);
    const [types, years] = await Promise.all([explore.regrantTypes(db), explore.totalsByYear(db, {})]);
    const fyItems = [{ value: '', text: 'Any year' }, ...years.slice().reverse().map((y) => ({ value: String(y.year), text: y.label, selected: read.query.financialYear === String(y.year) }))];
    const base = { query: read.query, errors: read.errors, placeLabel: read.placeLabel, fyItems,
      regrantItems: [{ value: '', text: 'Any grant' }, { value: 'any', text: 'Any regrant', selected: read.query.regrantType === 'any' }, ...types.map((t) => ({ value: t, text: t, selected: read.query.regrantType === t }))],
      kindItems: [{ value: '', text: 'Any recipient' }, ...explore.RECIPIENT_KINDS.map((k) => ({ ...k, selected: read.query.recipientType === k.value }))],
      placeChoices: read.placeChoices.map((c) => ({ text: c.text, href: `/grants/search${queryString(read.query, { place: undefined, la: c.key === 'la' ? c.value : undefined, area: c.key === 'area' ? c.value : undefined })}` })),
      clearPlace: read.placeLabel ? `/grants/search${queryString(read.query, { place: undefined, la: undefined, area: undefined })}` : null,
    };
    if (read.errors.length) return reply.page('grants/views/explore-search.njk', base, { status: 400 });
    const result = await explore.searchGrants(db, read.filters, Number(read.query.page ?? 1));
    const link = (page: number) => `/grants/search${queryString(read.query, { page: String(page) })}`;
    return reply.page('grants/views/explore-search.njk', {
      ...base, result, rows: grantRows(result.grants), gbp: money(result.totals.gbpPence, 'GBP'), otherText: othersText(result.totals.otherCurrencies),
      previous: result.page > 1 ? link(result.page - 1) : null, next: result.page < result.pages ? link(result.page + 1) : null,
      downloads: downloads('/grants/search/download', read.query),
    });
  });

  app.get('/grants/search/download', async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const format = q.format as ExportFormat;
    if (!['csv', 'json', '360giving'].includes(format)) throw AppError.validation([{ field: 'format', message: 'Choose csv, json or 360giving' }]);
    const read = await explore.requireFilters(db, q);
    const stream = await exportGrants(db, read.filters, format, { title: 'Grants found with Commonweal’s grants explorer', description: `Published grants matching: ${describe(read)}`, downloadURL: `${ctx.config.baseUrl}${request.url}` });
    const ext = format === 'csv' ? 'csv' : 'json';
    return reply.type(CONTENT_TYPES[format]).header('content-disposition', `attachment; filename="grants${format === '360giving' ? '-360giving' : ''}.${ext}"`).send(stream);
  });

  async function entityPage(kind: 'funder' | 'recipient' | 'programme', filters: explore.GrantFilters, query: explore.ExploreQuery, page: number, self: string) {
    const data = await explore.entityOf(db, kind, filters, page);
    const { chart, yearRows } = yearsView(`${kind}-years`, kind === 'funder' ? 'from this funder' : kind === 'recipient' ? 'to this recipient' : 'in this programme', data.years);
    const link = (p: number) => `${self}?page=${p}`;
    return {
      kind, ofText: kind === 'funder' ? 'from' : kind === 'recipient' ? 'to' : 'in', data, chart, yearRows, gbp: money(data.totals.gbpPence, 'GBP'), otherText: othersText(data.totals.otherCurrencies),
      rows: grantRows(data.grants, { funder: kind !== 'funder', recipient: kind !== 'recipient' }),
      showFunder: kind !== 'funder', showRecipient: kind !== 'recipient',
      previous: data.page > 1 ? link(data.page - 1) : null, next: data.page < data.pages ? link(data.page + 1) : null,
      downloads: downloads('/grants/search/download', query), searchHref: `/grants/search${queryString(query)}`,
    };
  }

  app.get('/grants/funders/:funder', async (request, reply) => {
    const { funder } = request.params as { funder: string };
    const page = Number((request.query as { page?: string }).page ?? 1);
    const view = await entityPage('funder', { funderId: funder }, { funder }, page, funderHref(funder));
    const programmeRows = view.data.programmes.map((p) => [
      { html: `<a class="govuk-link" href="${esc(programmeHref(funder, p.programme))}">${esc(p.programme)}</a>` }, num(integer.format(p.grants)), num(money(p.gbpPence, 'GBP')),
      { text: Object.entries(p.other).map(([c, v]) => money(v, c)).join('; ') || 'None' },
    ]);
    return reply.page('grants/views/explore-entity.njk', { ...view, id: funder, title: view.data.name ?? funder, caption: 'Funder', programmeRows });
  });

  app.get('/grants/recipients/:recipient', async (request, reply) => {
    const { recipient } = request.params as { recipient: string };
    const page = Number((request.query as { page?: string }).page ?? 1);
    const view = await entityPage('recipient', { recipientId: recipient, recipientKind: undefined }, { recipient }, page, recipientHref(recipient));
    if (view.data.grants.every((g) => g.recipient.kind === 'individual')) throw new AppError('not_found', 'No published grants to this recipient');
    return reply.page('grants/views/explore-entity.njk', { ...view, id: recipient, title: view.data.name ?? recipient, caption: 'Recipient', programmeRows: [] });
  });

  app.get('/grants/funders/:funder/programmes/:programme', async (request, reply) => {
    const { funder, programme } = request.params as { funder: string; programme: string };
    const page = Number((request.query as { page?: string }).page ?? 1);
    const view = await entityPage('programme', { funderId: funder, programme }, { funder, programme }, page, programmeHref(funder, programme));
    const funderName = (await explore.nameOf(db, 'funder', { funderId: funder })) ?? funder;
    return reply.page('grants/views/explore-entity.njk', { ...view, id: funder, title: view.data.name ?? programme, caption: `Programme of ${funderName}`, funderLink: { href: funderHref(funder), text: funderName }, programmeRows: [] });
  });
}

/** The filters in words, for a package's description. */
export function describe(read: explore.ReadFilters): string {
  const q = read.query;
  const parts: string[] = [];
  if (q.q) parts.push(`words “${q.q}”`);
  if (q.funder) parts.push(`funder ${q.funder}`);
  if (q.recipient) parts.push(`recipient ${q.recipient}`);
  if (q.programme) parts.push(`programme ${q.programme}`);
  if (q.minAmount) parts.push(`at least £${q.minAmount}`);
  if (q.maxAmount) parts.push(`at most £${q.maxAmount}`);
  if (read.filters.from) parts.push(`awarded from ${read.filters.from}`);
  if (read.filters.to) parts.push(`awarded to ${read.filters.to}`);
  if (read.placeLabel) parts.push(`in ${read.placeLabel}`);
  if (q.regrantType) parts.push(q.regrantType === 'any' ? 'regrants' : `regrant type ${q.regrantType}`);
  if (q.recipientType) parts.push(explore.RECIPIENT_KINDS.find((k) => k.value === q.recipientType)?.text.toLowerCase() ?? q.recipientType);
  if (q.publisher) parts.push(`published by ${q.publisher}`);
  return parts.length ? parts.join(', ') : 'all';
}
