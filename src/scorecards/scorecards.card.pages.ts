// The scorecard pages (issue 18): the list with a search by name, a service's and a provider's scorecard for a
// financial year (a plain select; the latest year with stories by default), each as HTML, CSV and JSON.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import { csvTable } from '../platform/csv.ts';
import { percent } from '../platform/charts.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { listServicesPage } from '../voice/voice.service.ts';
import { decisionTypeLabels } from '../voice/voice.service.ts';
import { assertPeriodOffered, buildScorecard, defaultPeriod, organisationSubject, scorecardRows, serviceSubject, type Scorecard, type Subject } from './scorecards.service.ts';
import { parsePeriod, recentPeriods, type Period } from './scorecards.periods.ts';
import * as repo from './scorecards.repository.ts';

type Query = Record<string, string | undefined>;

/** Services a page of the list of scorecards shows. */
export const PAGE_SIZE = 50;

const LEAD_TEXT: Record<string, string> = {
  involvement: 'Decisions about this service are made with the people who use it, so their ratings and voice come first.',
  technical: 'This is a technical service, so its KPIs, outcomes and money come first.',
  'joined-up': 'This service is joined up with others, so its partners come first.',
  framework: 'Decisions about this service are framework decisions made democratically, so who it reaches (fairness) comes first.',
};

/** The period asked for (a validation error if it is not offered), or the subject's default. */
export async function periodFor(ctx: AppContext, subject: Subject, query: Query): Promise<{ period: Period; periods: Period[] }> {
  const periods = recentPeriods();
  if (query.period) {
    const period = parsePeriod(query.period);
    assertPeriodOffered(period, periods);
    return { period, periods };
  }
  return { period: await defaultPeriod(ctx.db, subject, periods), periods };
}

export function scorecardJson(card: Scorecard) {
  const s = card.subject;
  return {
    subject: s.kind === 'service'
      ? { kind: 'service' as const, id: s.service.id, name: s.service.name, decisionType: s.service.decisionType, organisation: { id: s.organisation.id, name: s.organisation.name, slug: s.organisation.slug } }
      : { kind: 'organisation' as const, id: s.organisation.id, name: s.organisation.name, decisionType: null, organisation: { id: s.organisation.id, name: s.organisation.name, slug: s.organisation.slug } },
    period: { name: card.period.name, from: card.period.fromDay, to: card.period.lastDay },
    periods: card.periods.map((p) => p.name),
    sections: card.sections.map((x) => ({ key: x.key, heading: x.heading, figures: x.figures, data: x.data ?? {} })),
  };
}

export function scorecardPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  // The list: a page of 50 services at a time (GOV.UK pagination), each with its recomputed figures, so the
  // page reads 50 services and 50 cached rows whatever the size of the directory.
  app.get('/scorecards', async (request, reply) => {
    const query = request.query as Query;
    const q = (query.q ?? '').trim().slice(0, 200);
    const asked = Number(query.page ?? 1);
    const period = recentPeriods()[0]!;
    let list = await listServicesPage(db, { q, page: Number.isInteger(asked) && asked > 0 ? asked : 1, pageSize: PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
    // Past the last page (a stale link): the last page, not an empty one.
    if (list.page > pages) list = await listServicesPage(db, { q, page: pages, pageSize: PAGE_SIZE });
    const shown = list.services;
    // The latest year's recomputed figures; a service not recomputed yet shows dashes.
    const cached = new Map((await repo.cachedFigures(db, period.name, shown.map((s) => s.id))).map((r) => [r.service_id, r]));
    const rows = shown.map((s) => {
      const c = cached.get(s.id);
      return [
        { html: `<a class="govuk-link" href="/scorecards/services/${s.id}">${escapeHtml(s.name)}</a>` },
        { text: s.organisationName },
        { text: c ? c.stories.toLocaleString('en-GB') : '–', format: 'numeric' },
        { text: c && c.rated >= 5 ? percent(c.positive / c.rated, 0) : c && c.rated > 0 ? 'Fewer than 5' : '–', format: 'numeric' },
        { text: c && c.stories ? percent(c.answered / c.stories, 0) : '–', format: 'numeric' },
      ];
    });
    const link = (p: number) => `/scorecards?${new URLSearchParams({ ...(q ? { q } : {}), page: String(p) })}`;
    const page = list.page;
    // GOV.UK pagination: the first, last, current and its neighbours, with ellipses between.
    const numbers = [...new Set([1, page - 1, page, page + 1, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
    const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = [];
    numbers.forEach((n, i) => {
      if (i > 0 && n - numbers[i - 1]! > 1) items.push({ ellipsis: true });
      items.push({ number: n, href: link(n), current: n === page });
    });
    return reply.page('scorecards/views/list.njk', {
      q, rows, total: list.total, period, computedAt: await repo.lastComputed(db, period.name),
      from: list.total ? (page - 1) * PAGE_SIZE + 1 : 0, to: (page - 1) * PAGE_SIZE + shown.length,
      pagination: pages > 1 ? { previous: page > 1 ? { href: link(page - 1) } : undefined, next: page < pages ? { href: link(page + 1) } : undefined, items } : null,
    });
  });

  async function show(request: FastifyRequest, reply: FastifyReply, subject: Subject, format: 'html' | 'csv') {
    const query = request.query as Query;
    const { period, periods } = await periodFor(ctx, subject, query);
    const card = await buildScorecard(db, subject, period, periods);
    const base = subject.kind === 'service' ? `/scorecards/services/${subject.service.id}` : `/scorecards/organisations/${subject.organisation.slug}`;
    if (format === 'csv') {
      const name = subject.kind === 'service' ? subject.service.name : subject.organisation.name;
      const filename = `scorecard-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${period.name}.csv`;
      return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`)
        .send(csvTable(['period', 'section', 'figure', 'value', 'source'], scorecardRows(card, ctx.config.baseUrl)));
    }
    const myRoles = request.user ? (await rolesByOrganisation(db, request.user.id)).get(subject.organisation.id) ?? [] : [];
    const canEditGovernance = !!request.user && (request.user.isAdmin || myRoles.includes('admin'));
    const q = `?period=${period.name}`;
    return reply.page('scorecards/views/scorecard.njk', {
      name: subject.kind === 'service' ? subject.service.name : subject.organisation.name,
      caption: subject.kind === 'service' ? `${subject.organisation.name} · ${decisionTypeLabels[subject.service.decisionType]}` : `Provider organisation · ${subject.services.length} ${subject.services.length === 1 ? 'service' : 'services'} in the directory`,
      lead: subject.kind === 'service' ? LEAD_TEXT[subject.service.decisionType] : `Every figure is for ${subject.organisation.name} as a provider, across its services.`,
      backText: subject.kind === 'service' ? subject.service.name : subject.organisation.name,
      backHref: subject.kind === 'service' ? `/voice/services/${subject.service.id}` : `/organisations/${subject.organisation.slug}`,
      selfHref: base, csvHref: `${base}/scorecard.csv${q}`, apiHref: `/api/v1${base.replace('/scorecards/organisations/', '/scorecards/organisations/')}${q}`,
      period, periods, sections: card.sections, organisation: subject.organisation, canEditGovernance,
      notice: query.notice === 'governance' ? 'The governance is published.' : undefined,
    });
  }

  app.get('/scorecards/services/:id', async (request, reply) => show(request, reply, await serviceSubject(db, (request.params as { id: string }).id), 'html'));
  app.get('/scorecards/services/:id/scorecard.csv', async (request, reply) => show(request, reply, await serviceSubject(db, (request.params as { id: string }).id), 'csv'));
  app.get('/scorecards/organisations/:slug', async (request, reply) => show(request, reply, await organisationSubject(db, (request.params as { slug: string }).slug), 'html'));
  app.get('/scorecards/organisations/:slug/scorecard.csv', async (request, reply) => show(request, reply, await organisationSubject(db, (request.params as { slug: string }).slug), 'csv'));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
