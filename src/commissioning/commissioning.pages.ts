// GOV.UK pages for commissioning. Thin: read the form, call one service function, redirect or re-show the
// form with its errors. Every page works without JavaScript.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError, isAppError, type FieldError } from '../platform/errors.ts';
import { escapeXml, barChart } from '../platform/charts.ts';
import { organisationsNamed } from '../organisations/organisations.service.ts';
import { sendAtom } from '../platform/atom.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import * as service from './commissioning.service.ts';
import { financialYearOf, readFinancialYear, KPI_RATING_LABELS, KPI_RATINGS, kpiForRating, kpiRatingsFor, rateKpi } from './commissioning.kpi-ratings.ts';
import { parseDateText } from '../platform/dates.ts';
import { findPlace } from '../places/places.finder.ts';

type Form = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const formErrorCodes = ['validation_failed', 'unprocessable', 'conflict', 'forbidden'];

function errorsOf(error: unknown, field: string): { errors: FieldError[]; status: number } {
  if (!isAppError(error) || !formErrorCodes.includes(error.code)) throw error;
  return { errors: error.fieldErrors.length ? error.fieldErrors : [{ field, message: error.message }], status: error.status };
}

/** Pounds as people write them, from integer pence: £12,500 or £12,500.50. */
export function poundsText(pence: number): string {
  const whole = Math.trunc(pence / 100);
  const rest = Math.abs(pence % 100);
  return `£${whole.toLocaleString('en-GB')}${rest ? `.${String(rest).padStart(2, '0')}` : ''}`;
}

/** The organisations the person commissions for, and those they act for (administrator or staff), as select items. */
async function myOrganisations(ctx: AppContext, actor: Actor) {
  if (!actor.userId) return { commissioning: [], acting: [] };
  const roles = await rolesByOrganisation(ctx.db, actor.userId);
  const names = await organisationNames(ctx.db, [...roles.keys()]);
  const list = (want: string[]) => [...roles.entries()].filter(([, r]) => r.some((x) => want.includes(x))).map(([id]) => ({ value: id, text: names.get(id)?.name ?? id }));
  return { commissioning: list(['commissioner']), acting: list(['admin', 'staff']) };
}

function deadlineFromForm(form: Form): string | undefined {
  const typed = one(form.deadlineDate)?.trim();
  const date = typed ? parseDateText(typed) ?? typed : typed;
  const time = one(form.deadlineTime)?.trim() || '12:00';
  if (!date) return undefined;
  return /^\d{2}:\d{2}$/.test(time) ? `${date}T${time}:00Z` : `${date}T${time}`;
}

export function commissioningPages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const feedLinks = [{ href: '/commissioning/feed.atom', title: 'Commissioning opportunities (Atom)' }];

  app.get('/commissioning', async (request, reply) => {
    const [all, calls, mine] = await Promise.all([service.listOpportunities(db, request.actor), service.listOpenCalls(db), myOrganisations(ctx, request.actor)]);
    const present = (o: service.OpportunitySummary) => ({ ...o, valueText: poundsText(o.valuePence) });
    return reply.page('commissioning/views/index.njk', {
      open: all.filter((o) => o.status === 'open').map(present), evaluating: all.filter((o) => o.status === 'evaluation').map(present),
      awarded: all.filter((o) => o.status === 'awarded').map(present), drafts: all.filter((o) => o.status === 'draft').map(present),
      calls, commissioner: mine.commissioning.length > 0, signedIn: !!request.actor.userId, feedLinks,
    });
  });

  app.get('/commissioning/feed.atom', async (request, reply) => {
    const base = ctx.config.baseUrl;
    const releases = await service.latestReleases(db, 50);
    // A buyer not (or no longer) verified is marked, so it cannot pass for the body whose name it shares.
    const buyers = await organisationNames(db, [...new Set(releases.map((r) => r.organisationId))]);
    const buyerName = (r: (typeof releases)[number]) => r.release.buyer?.name
      ? `${r.release.buyer.name}${buyers.get(r.organisationId)?.verified ? '' : ' (not verified)'}` : undefined;
    const labels: Record<string, string> = { planning: 'Planned', tender: 'Opportunity published', tenderAmendment: 'Opportunity amended', tenderUpdate: 'Question answered', award: 'Awarded', contract: 'Contract signed', implementation: 'Progress' };
    void request;
    return sendAtom(reply, {
      id: `${base}/commissioning/feed.atom`, title: 'Commissioning opportunities and awards', subtitle: 'Every release published: opportunities, amendments, answers, awards and contracts.',
      link: `${base}/commissioning`, selfLink: `${base}/commissioning/feed.atom`, fallbackUpdated: '2026-01-01',
      entries: releases.map((r) => ({
        id: `${base}/api/v1/commissioning/ocds/releases/${r.ocid}.json#${r.releaseId}`,
        title: `${r.tags.map((t) => labels[t] ?? t).join(', ')}: ${r.release.tender?.title ?? r.ocid}`,
        link: `${base}/commissioning/opportunities/${r.processId}`, updated: r.publishedAt, published: r.publishedAt,
        author: buyerName(r) ? { name: buyerName(r)! } : undefined,
        summary: (r.release.tender?.description ?? '').slice(0, 1000), categories: r.tags.map((t) => ({ term: t })),
      })),
    });
  });

  // Needs

  /**
   * The small areas a need affects, from the places a person typed (one a line: a postcode, a postcode sector,
   * a ward or neighbourhood name), through the place finder. A name several wards share is a choice
   * (`areaPlace{i}Choice`, the chosen wards' areas); what matches nothing, or only a whole local authority, is
   * an error naming the line. `areaCodes` sent by a program (the API's field) are taken as they are.
   */
  async function areaCodesFromPlaces(form: Form): Promise<string | undefined> {
    if (form.areaPlaces === undefined) return one(form.areaCodes);
    const lines = (one(form.areaPlaces) ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, 50);
    const codes: string[] = [];
    const problems: FieldError[] = [];
    const choices: Record<number, { value: string; text: string; checked: boolean }[]> = {};
    for (const [i, line] of lines.entries()) {
      const chosen = ([] as string[]).concat(form[`areaPlace${i}Choice`] ?? []);
      const found = await findPlace(db, line, { limit: 100 });
      if (found.kind === 'postcode' || found.kind === 'area') codes.push(found.area.code);
      else if (found.kind === 'sector' || found.kind === 'outward') codes.push(...found.areas.map((a) => a.code));
      else if (found.kind === 'names' && (found.wards.length > 0 || found.areas.length > 0)) {
        const exactAreas = found.areas.filter((a) => a.name.toLowerCase() === line.toLowerCase() || a.code === line.toUpperCase());
        if (exactAreas.length) codes.push(...exactAreas.map((a) => a.code));
        else if (found.wards.length === 1) codes.push(...found.wards[0]!.areas.map((a) => a.code));
        else if (found.wards.length > 1) {
          const options = found.wards.map((w) => ({ value: w.code, text: `${w.name}${w.localAuthority ? `, ${w.localAuthority.name}` : ''} (${w.areas.length} small areas)`, checked: chosen.includes(w.code) }));
          const picked = found.wards.filter((w) => chosen.includes(w.code));
          if (picked.length) codes.push(...picked.flatMap((w) => w.areas.map((a) => a.code)));
          else { choices[i] = options; problems.push({ field: `areaPlace${i}Choice`, message: `Several places are called “${line}”: choose which you mean` }); }
        } else problems.push({ field: 'areaPlaces', message: `“${line}” matches ${found.areas.length} small areas by name: give a postcode or a ward` });
      } else if (found.kind === 'local-authority' || (found.kind === 'names' && found.localAuthorities.length)) {
        problems.push({ field: 'areaPlaces', message: `“${line}” is a whole local authority: give the postcodes, wards or neighbourhoods affected in it` });
      } else {
        problems.push({ field: 'areaPlaces', message: found.kind === 'invalid' ? `Line ${i + 1}: ${found.message}` : `Line ${i + 1}: ${found.summary}` });
      }
    }
    if (problems.length) throw Object.assign(AppError.validation(problems), { placeChoices: choices, placeLines: lines });
    return [...new Set(codes)].join(' ');
  }

  function placeChoicesOf(error: unknown) {
    const e = error as { placeChoices?: Record<number, unknown[]>; placeLines?: string[] };
    return e?.placeChoices ? Object.entries(e.placeChoices).map(([i, items]) => ({ index: Number(i), line: e.placeLines?.[Number(i)] ?? '', items })) : [];
  }

  app.get('/commissioning/needs/new', async (request, reply) => {
    const mine = await myOrganisations(ctx, request.actor);
    if (!request.actor.userId) throw new AppError('unauthenticated');
    return reply.page('commissioning/views/need-new.njk', { organisations: mine.commissioning, values: { decisionType: 'involvement' }, decisionTypes: service.decisionTypes }, { form: true });
  });

  app.post('/commissioning/needs', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      // The local authority is given by its name (or a postcode in it), through the place finder.
      const laText = (one(form.laCode) ?? '').trim();
      let laCode = laText;
      if (laText && !/^[ESWN]\d{8}$/i.test(laText)) {
        const found = await findPlace(db, laText);
        const las = found.kind === 'local-authority' ? [found.localAuthority] : found.kind === 'postcode' ? [found.localAuthority]
          : found.kind === 'names' ? found.localAuthorities.filter((l) => l.name.toLowerCase() === laText.toLowerCase()).concat(found.localAuthorities.length === 1 ? found.localAuthorities : []) : [];
        const codes = [...new Set(las.map((l) => l.code))];
        if (codes.length !== 1) throw AppError.validation([{ field: 'laCode', message: codes.length ? `Several local authorities match “${laText}”: give its full name` : `No local authority is called “${laText}”: give its name, like Newcastle upon Tyne` }]);
        laCode = codes[0]!;
      }
      const areaCodes = await areaCodesFromPlaces(form);
      // The lead is typed by its registered name; when several match, the page asks which (`leadOrganisationChoice`).
      const leadOrganisation = one(form.leadOrganisationChoice) || one(form.leadOrganisation);
      const need = await service.createNeed(db, request.actor, { ...form, laCode, leadOrganisation, areaCodes, outcomes: one(form.outcomes), sharedOutcomes: one(form.sharedOutcomes), measures: one(form.measures), priorities: one(form.priorities), partnerOrganisations: one(form.partnerOrganisations) });
      return reply.redirect(need.href, 303);
    } catch (error) {
      const { errors, status } = errorsOf(error, 'title');
      const mine = await myOrganisations(ctx, request.actor);
      const ambiguous = (errors ?? []).some((e) => e.field === 'leadOrganisation' && /choose one$/.test(e.message));
      const leadChoices = ambiguous ? (await organisationsNamed(db, one(form.leadOrganisation) ?? '')).choices.map((o) => ({ id: o.id, name: o.name, identifier: o.identifiers[0] ?? null, verified: o.verified })) : [];
      return reply.page('commissioning/views/need-new.njk', { organisations: mine.commissioning, values: form, errors, decisionTypes: service.decisionTypes, leadChoices, placeChoices: placeChoicesOf(error) }, { status });
    }
  });

  app.get('/commissioning/needs/:id', async (request, reply) => {
    const data = await service.getNeed(db, (request.params as { id: string }).id);
    const fairness = data.need.decision.fairness as service.DecileEvidence[] | undefined;
    const byDecile = fairness ?? data.byDecile;
    const chart = data.areas.length ? barChart({
      id: 'need-deciles', title: 'People in the areas of this need, by national deprivation decile (1 is the most deprived 10%)',
      description: 'The same figures are in the table below the chart.', categories: byDecile.map((d) => `Decile ${d.decile}`),
      series: [{ name: 'Population', values: byDecile.map((d) => d.population) }], format: (v) => v.toLocaleString('en-GB'),
    }) : null;
    return reply.page('commissioning/views/need.njk', { ...data, byDecile, chart });
  });

  // Opportunities

  // Consortium invitations: the administrators of a named member accept or decline its place in a bid.
  async function invitationsPage(actor: Actor, extra: { notice?: string; errors?: FieldError[] } = {}) {
    const list = await service.listInvitations(db, actor);
    const notices: Record<string, string> = {
      accepted: 'You accepted. Your organisation is a member of the bid; when every member has accepted, it is submitted.',
      declined: 'You declined. The lead has been told; your organisation is not part of the bid.',
    };
    return { invitations: list, notice: extra.notice ? notices[extra.notice] : undefined, errors: extra.errors };
  }

  // A bidder reads back its own bids: the content at any time, the scores and feedback once the lot is awarded.
  app.get('/commissioning/bids', { config: { access: 'signed-in' } }, async (request, reply) => {
    const bids = await service.myBids(db, request.actor);
    return reply.page('commissioning/views/bids.njk', { bids });
  });

  app.get('/commissioning/bids/:id', { config: { access: 'signed-in' } }, async (request, reply) => {
    const bid = await service.readMyBid(db, request.actor, (request.params as { id: string }).id);
    return reply.page('commissioning/views/bid.njk', {
      bid, priceText: bid.content ? poundsText(bid.content.pricePence) : '', totalText: bid.feedback ? (bid.feedback.totalHundredths / 100).toFixed(2) : '',
    });
  });

  app.get('/commissioning/invitations', async (request, reply) => {
    if (!request.actor.userId && !request.actor.isAdmin) throw new AppError('unauthenticated');
    return reply.page('commissioning/views/invitations.njk', await invitationsPage(request.actor, { notice: one((request.query as Form).notice) }), { form: true });
  });

  app.post('/commissioning/bids/:id/consent', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const r = await service.answerInvitation(db, request.actor, (request.params as { id: string }).id, { organisation: one(form.organisation), decision: one(form.decision) });
      return reply.redirect(`/commissioning/invitations?notice=${r.consent}`, 303);
    } catch (error) {
      const bidId = (request.params as { id: string }).id;
      const found = errorsOf(error, 'decision');
      // Every problem is shown on the invitation it concerns: the page lists several.
      const errors = found.errors.map((e) => ({ field: `decision-${bidId}`, message: e.message }));
      const status = found.status;
      return reply.page('commissioning/views/invitations.njk', await invitationsPage(request.actor, { errors }), { status, form: true });
    }
  });

  app.get('/commissioning/opportunities/new', async (request, reply) => {
    if (!request.actor.userId) throw new AppError('unauthenticated');
    const mine = await myOrganisations(ctx, request.actor);
    const needs = (await Promise.all(mine.commissioning.map((o) => service.listNeeds(db, o.value)))).flat();
    return reply.page('commissioning/views/opportunity-new.njk', { organisations: mine.commissioning, needs, values: { needId: (request.query as Form).need ?? '' }, criterionKinds: service.criterionKinds }, { form: true });
  });

  /** The opportunity form (new or a draft's edit) as the service takes it. */
  function processFromForm(form: Form): service.ProcessInput {
    const lots = [0, 1, 2].map((i) => ({
      title: one(form[`lot${i}Title`]), description: one(form[`lot${i}Description`]), value: one(form[`lot${i}Value`]),
      suitableForSme: one(form[`lot${i}Sme`]), suitableForVcse: one(form[`lot${i}Vcse`]), unsuitableReason: one(form[`lot${i}Reason`]),
    })).filter((l, i) => i === 0 || (l.title ?? '').trim() !== '');
    const criteria = [0, 1, 2, 3].map((i) => ({ kind: one(form[`criterion${i}Kind`]), title: one(form[`criterion${i}Title`]), weight: one(form[`criterion${i}Weight`]) })).filter((c) => (c.title ?? '').trim() !== '');
    const documents = (one(form.documentUrl) ?? '').trim() ? [{ title: one(form.documentTitle), url: one(form.documentUrl) }] : [];
    return {
      organisation: one(form.organisation), needId: one(form.needId), title: one(form.title), description: one(form.description), value: one(form.value),
      bidDeadline: deadlineFromForm(form) ?? '', contractStart: one(form.contractStart), contractEnd: one(form.contractEnd), standstillDays: one(form.standstillDays),
      lots, criteria, documents,
    };
  }

  // Field names from the service (lots[0].title) are mapped to the form's (lot0Title), so each error links to its field.
  const formField = (field: string) => field.replace(/^lots\[(\d+)\]\.(\w)(\w*)$/, (_m, i, a, b) => `lot${i}${a.toUpperCase()}${b}`.replace('UnsuitableReason', 'Reason'))
    .replace(/^criteria\[(\d+)\]\.(\w)(\w*)$/, (_m, i, a, b) => `criterion${i}${a.toUpperCase()}${b}`).replace(/^criteria$/, 'criterion0Weight').replace(/^lots$/, 'lot0Title').replace(/^bidDeadline$/, 'deadlineDate');

  async function processFormPage(actor: Actor, extra: { values: Form; errors?: FieldError[]; editing?: { id: string; title: string } }) {
    const mine = await myOrganisations(ctx, actor);
    const needs = (await Promise.all(mine.commissioning.map((o) => service.listNeeds(db, o.value)))).flat();
    return { organisations: mine.commissioning, needs, values: extra.values, errors: extra.errors, criterionKinds: service.criterionKinds, editing: extra.editing };
  }

  app.post('/commissioning/opportunities', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const created = await service.createProcess(db, request.actor, processFromForm(form));
      return reply.redirect(`${created.href}?notice=created`, 303);
    } catch (error) {
      const { errors, status } = errorsOf(error, 'title');
      return reply.page('commissioning/views/opportunity-new.njk', await processFormPage(request.actor, { values: form, errors: errors.map((e) => ({ ...e, field: formField(e.field) })) }), { status });
    }
  });

  /** A draft's fields as the form shows them: pounds, the deadline's date and time (UTC), each lot and criterion. */
  function formValuesOf(o: Awaited<ReturnType<typeof service.getOpportunity>>): Form {
    const pounds = (pence: number) => (pence % 100 ? (pence / 100).toFixed(2) : String(pence / 100));
    const v: Form = {
      organisation: o.organisation.id, needId: o.need?.id ?? '', title: o.title, description: o.description, value: pounds(o.valuePence),
      deadlineDate: o.bidDeadline.slice(0, 10), deadlineTime: o.bidDeadline.slice(11, 16), contractStart: o.contractStart ?? '', contractEnd: o.contractEnd ?? '',
      standstillDays: String(o.standstillDays), documentTitle: o.documents[0]?.title ?? '', documentUrl: o.documents[0]?.url ?? '',
    };
    // The GOV.UK date inputs show each date as its day, month and year.
    for (const [name, iso] of [['deadlineDate', v.deadlineDate], ['contractStart', v.contractStart], ['contractEnd', v.contractEnd]] as const) {
      const [y, mo, d] = String(iso ?? '').split('-');
      if (y && mo && d) Object.assign(v, { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(mo)), [`${name}-year`]: y });
    }
    o.lots.forEach((l, i) => {
      Object.assign(v, { [`lot${i}Title`]: l.title, [`lot${i}Description`]: l.description, [`lot${i}Value`]: pounds(l.valuePence), [`lot${i}Reason`]: l.unsuitableReason ?? '' });
      if (l.suitableForSme) v[`lot${i}Sme`] = 'yes';
      if (l.suitableForVcse) v[`lot${i}Vcse`] = 'yes';
    });
    [0, 1, 2, 3].forEach((i) => {
      const c = o.criteria[i];
      Object.assign(v, { [`criterion${i}Kind`]: c?.kind ?? '', [`criterion${i}Title`]: c?.title ?? '', [`criterion${i}Weight`]: c ? String(c.weight) : '' });
    });
    return v;
  }

  app.get('/commissioning/opportunities/:id/edit', { config: { access: 'signed-in' } }, async (request, reply) => {
    const o = await service.getOpportunity(db, request.actor, (request.params as { id: string }).id);
    if (!o.you.commissioner) throw new AppError('forbidden', 'Only the organisation’s commissioners can edit its drafts');
    if (o.status !== 'draft') throw new AppError('conflict', 'This opportunity is published: amend it instead (an amendment is published as a new release)');
    return reply.page('commissioning/views/opportunity-new.njk', await processFormPage(request.actor, { values: formValuesOf(o), editing: { id: o.id, title: o.title } }), { form: true });
  });

  app.post('/commissioning/opportunities/:id/edit', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      const saved = await service.updateDraftProcess(db, request.actor, id, processFromForm(form));
      return reply.redirect(`${saved.href}?notice=edited`, 303);
    } catch (error) {
      const { errors, status } = errorsOf(error, 'title');
      if (status === 403 || status === 404 || status === 409) throw error;
      return reply.page('commissioning/views/opportunity-new.njk', await processFormPage(request.actor, { values: form, errors: errors.map((e) => ({ ...e, field: formField(e.field) })), editing: { id, title: one(form.title) ?? '' } }), { status });
    }
  });

  async function opportunityPage(actor: Actor, id: string, extra: { values?: Form; errors?: FieldError[]; notice?: string; receipt?: string }) {
    const o = await service.getOpportunity(db, actor, id);
    const mine = await myOrganisations(ctx, actor);
    const chart = barChart({
      id: 'criteria-weights', title: 'How bids are weighed: each award criterion’s weight, out of 100', description: 'The same weights are in the table beside the chart.',
      categories: o.criteria.map((c) => c.title), series: [{ name: 'Weight', values: o.criteria.map((c) => c.weight) }], max: 100, format: (v) => `${v}%`, labelWidth: 260,
    });
    const notices: Record<string, string> = {
      created: 'The opportunity is saved as a draft. Check it, then publish it.', edited: 'Your changes to the draft are saved. Check it, then publish it.', published: 'The opportunity is published: it is open for bids, in the feed and in the open data.',
      bid: 'Your bid is sealed: the commissioners cannot read it before the deadline. You can read it back at any time.',
      'bid-awaiting': 'Your bid is sealed but not yet submitted: it is submitted when every consortium member has accepted. Their administrators have been emailed. If they have not all accepted by the deadline, the bid is void.', interest: 'Your interest is registered.', asked: 'Your question is sent. The answer will be published here for everyone, without your name.',
      answered: 'The answer is published.', withdrawn: 'Your bid is withdrawn. You can send a new one before the deadline.', awarded: 'The lot is awarded. The standstill period has started.', signed: 'The contract is signed and published.', amended: 'The amendment is published as a new release; the earlier release stays as it was.',
    };
    const readback = await service.myBidReadback(db, actor, id);
    const lotName = (lotId: string) => { const l = o.lots.find((x) => x.id === lotId); return l ? `Lot ${l.number}: ${l.title}` : ''; };
    return {
      ...o, valueText: poundsText(o.valuePence), chart,
      readback: readback.map((r) => ({ ...r, lotTitle: lotName(r.lotId), priceText: r.content ? poundsText(r.content.pricePence) : '', totalText: r.feedback ? (r.feedback.totalHundredths / 100).toFixed(2) : '' })),
      lots: o.lots.map((l) => ({ ...l, valueText: poundsText(l.valuePence) })),
      awards: o.awards.map((a) => ({ ...a, valueText: poundsText(a.valuePence), lotTitle: o.lots.find((l) => l.id === a.lotId)?.title ?? '', signable: new Date(a.standstillEnds).getTime() <= Date.now(), hasContract: o.contracts.length > 0 })),
      lotItems: [{ value: '', text: 'Choose a lot' }, ...o.lots.map((l) => ({ value: l.id, text: `Lot ${l.number}: ${l.title}`, selected: l.id === one(extra.values?.lotId) }))],
      actingItems: mine.acting.filter((a) => a.value !== o.organisation.id).map((a) => ({ ...a, selected: a.value === one(extra.values?.organisation) })),
      open: o.status === 'open', values: extra.values ?? {}, errors: extra.errors, notice: extra.notice ? notices[extra.notice] : undefined, receipt: extra.receipt,
      ocdsHref: `/api/v1/commissioning/ocds/releases/${o.ocid}.json`,
    };
  }

  app.get('/commissioning/opportunities/:id', async (request, reply) => {
    const q = request.query as Form;
    const data = await opportunityPage(request.actor, (request.params as { id: string }).id, { notice: one(q.notice), receipt: one(q.receipt) });
    return reply.page('commissioning/views/opportunity.njk', data, { form: data.open });
  });

  /** The opportunity page's forms: each posts here and comes back with a notice or its errors. */
  function opportunityAction(path: string, field: string, run: (actor: Actor, id: string, form: Form) => Promise<string>) {
    app.post(`/commissioning/opportunities/:id/${path}`, { config: { access: 'signed-in' } }, async (request, reply) => {
      const id = (request.params as { id: string }).id;
      const form = (request.body ?? {}) as Form;
      try {
        return reply.redirect(await run(request.actor, id, form), 303);
      } catch (error) {
        const { errors, status } = errorsOf(error, field);
        // A consortium member named ambiguously: offer the registered organisations that match, to choose from.
        const choices: Record<string, { value: string; html: string }[]> = {};
        if (path === 'bids') {
          for (const e of errors ?? []) {
            const i = /^members\[(\d)\]\.organisation$/.exec(e.field)?.[1];
            if (i === undefined || !/choose one$/.test(e.message)) continue;
            // Each with its identifier, and a "Not verified" tag on the unverified (listed after the verified).
            choices[i] = (await service.memberChoices(db, one(form[`member${i}`]) ?? '')).map((o) => ({
              value: o.id, html: escapeXml(o.name) + (o.identifiers?.[0] ? ` (${escapeXml(o.identifiers[0])})` : '') + (o.verified ? '' : ' <strong class="govuk-tag govuk-tag--grey">Not verified</strong>'),
            }));
          }
        }
        return reply.page('commissioning/views/opportunity.njk', { ...(await opportunityPage(request.actor, id, { values: form, errors })), memberChoices: choices }, { status });
      }
    });
  }

  opportunityAction('publish', 'publish', async (actor, id) => {
    await service.publishProcess(db, actor, id);
    return `/commissioning/opportunities/${id}?notice=published`;
  });
  opportunityAction('bids', 'approach', async (actor, id, form) => {
    const members = [0, 1, 2].map((i) => ({ organisation: one(form[`member${i}Choice`]) || one(form[`member${i}`]), sharePercent: one(form[`member${i}Share`]) })).filter((m) => (m.organisation ?? '').trim() !== '');
    const r = await service.submitBid(db, actor, id, { lotId: one(form.lotId), organisation: one(form.organisation), price: one(form.price), approach: one(form.approach), socialValue: one(form.socialValue), leadSharePercent: one(form.leadSharePercent), members });
    return `/commissioning/opportunities/${id}?notice=${r.status === 'submitted' ? 'bid' : 'bid-awaiting'}&receipt=${r.receipt}`;
  });
  opportunityAction('withdrawals', 'approach', async (actor, id, form) => {
    await service.withdrawBid(db, actor, one(form.bidId) ?? '');
    return `/commissioning/opportunities/${id}?notice=withdrawn#bid`;
  });
  opportunityAction('interest', 'note', async (actor, id, form) => {
    await service.registerInterest(db, actor, id, { organisation: one(form.interestOrganisation), seekingPartners: one(form.seekingPartners), note: one(form.note) });
    return `/commissioning/opportunities/${id}?notice=interest#interest`;
  });
  opportunityAction('questions', 'question', async (actor, id, form) => {
    await service.askQuestion(db, actor, id, { question: one(form.question) });
    return `/commissioning/opportunities/${id}?notice=asked#questions`;
  });
  opportunityAction('answers', 'answer', async (actor, id, form) => {
    await service.answerQuestion(db, actor, one(form.questionId) ?? '', { answer: one(form.answer) });
    return `/commissioning/opportunities/${id}?notice=answered#questions`;
  });
  opportunityAction('amendments', 'rationale', async (actor, id, form) => {
    await service.amendProcess(db, actor, id, { rationale: one(form.rationale), description: one(form.newDescription), bidDeadline: deadlineFromForm(form) });
    return `/commissioning/opportunities/${id}?notice=amended`;
  });
  opportunityAction('contract', 'startDate', async (actor, id, form) => {
    const milestones = [0, 1, 2].map((i) => ({ title: one(form[`milestone${i}`]), dueDate: one(form[`milestone${i}Due`]) }));
    const kpis = [0, 1].map((i) => ({ title: one(form[`kpi${i}`]), target: one(form[`kpi${i}Target`]), unit: one(form[`kpi${i}Unit`]) }));
    const r = await service.signContract(db, actor, one(form.awardId) ?? '', { startDate: one(form.startDate), endDate: one(form.endDate), milestones, kpis });
    return r.href;
  });

  // Evaluation

  async function evaluationPage(actor: Actor, id: string, extra: { errors?: FieldError[]; values?: Form; notice?: string }) {
    const o = await service.getOpportunity(db, actor, id);
    const list = await service.listBidsForEvaluation(db, actor, id);
    const results = list.role === 'commissioner' && !list.sealed ? await service.evaluationResults(db, actor, id) : null;
    const lotTitle = (lotId: string) => { const l = o.lots.find((x) => x.id === lotId); return l ? `Lot ${l.number}: ${l.title}` : ''; };
    const notices: Record<string, string> = { assigned: 'The evaluator is assigned.', scored: 'Your scores are recorded.', conflict: 'Your conflict of interest is recorded; your scores for this bid are set aside.', moderated: 'The moderated score is recorded.' };
    return {
      opportunity: o, role: list.role, sealed: list.sealed,
      bids: list.bids.map((b) => ({ ...b, lotTitle: lotTitle(b.lotId), priceText: b.content ? poundsText(b.content.pricePence) : '' })),
      ranked: results?.ranked.map((r) => ({ ...r, lotTitle: lotTitle(r.lotId), totalText: (r.totalHundredths / 100).toFixed(2) })) ?? [],
      criteria: o.criteria, // A score starts unchosen: a 0 already selected would be recorded by anyone who pressed the button unread.
      scoreItems: [{ value: '', text: 'Choose a score', selected: true }, ...Array.from({ length: service.maxScore + 1 }, (_, i) => ({ value: String(i), text: String(i) }))],
      errors: extra.errors, values: extra.values ?? {}, notice: extra.notice ? notices[extra.notice] : undefined,
    };
  }

  app.get('/commissioning/opportunities/:id/evaluation', async (request, reply) => {
    if (!request.actor.userId && !request.actor.isAdmin) throw new AppError('unauthenticated');
    const data = await evaluationPage(request.actor, (request.params as { id: string }).id, { notice: one((request.query as Form).notice) });
    return reply.page('commissioning/views/evaluation.njk', data);
  });

  function evaluationAction(path: string, field: string, run: (actor: Actor, id: string, form: Form) => Promise<string>) {
    app.post(`/commissioning/opportunities/:id/evaluation/${path}`, { config: { access: 'signed-in' } }, async (request, reply) => {
      const id = (request.params as { id: string }).id;
      const form = (request.body ?? {}) as Form;
      try {
        return reply.redirect(await run(request.actor, id, form), 303);
      } catch (error) {
        const { errors, status } = errorsOf(error, field);
        return reply.page('commissioning/views/evaluation.njk', await evaluationPage(request.actor, id, { errors, values: form }), { status });
      }
    });
  }

  evaluationAction('evaluators', 'email', async (actor, id, form) => {
    await service.assignEvaluator(db, actor, one(form.bidId) ?? '', { email: one(form.email) }, { baseUrl: ctx.config.baseUrl });
    return `/commissioning/opportunities/${id}/evaluation?notice=assigned`;
  });
  evaluationAction('scores', 'scores', async (actor, id, form) => {
    const o = await service.getOpportunity(db, actor, id);
    // A criterion left unchosen and without a reason is not scored this time; the service asks for at least one.
    const scores = o.criteria.map((c) => ({ criterionId: c.id, score: one(form[`score-${c.id}`]), reason: one(form[`reason-${c.id}`]) }))
      .filter((s) => (s.score ?? '').trim() !== '' || (s.reason ?? '').trim() !== '');
    await service.scoreBid(db, actor, one(form.bidId) ?? '', { scores });
    return `/commissioning/opportunities/${id}/evaluation?notice=scored`;
  });
  evaluationAction('conflicts', 'note', async (actor, id, form) => {
    await service.declareConflict(db, actor, one(form.bidId) ?? '', { note: one(form.note) });
    return `/commissioning/opportunities/${id}/evaluation?notice=conflict`;
  });
  evaluationAction('moderation', 'reason', async (actor, id, form) => {
    await service.moderateScore(db, actor, one(form.bidId) ?? '', { criterionId: one(form.criterionId), score: one(form.score), reason: one(form.reason) });
    return `/commissioning/opportunities/${id}/evaluation?notice=moderated`;
  });
  evaluationAction('awards', 'rationale', async (actor, id, form) => {
    await service.awardLot(db, actor, id, { bidId: one(form.bidId), rationale: one(form.rationale) }, { baseUrl: ctx.config.baseUrl });
    return `/commissioning/opportunities/${id}?notice=awarded`;
  });

  // Contracts

  app.get('/commissioning/contracts/:id', async (request, reply) => {
    const c = await service.getContract(db, (request.params as { id: string }).id);
    const paid = Math.max(c.payments.paidPence, 0);
    const chart = barChart({
      id: 'paid-against-agreed', title: 'Paid so far against the contract value, in pounds', description: 'The same figures are in the table beside the chart.',
      categories: ['Contract value', 'Paid so far'], series: [{ name: 'Pounds', values: [Math.round(c.valuePence / 100), Math.round(paid / 100)] }], format: (v) => `£${v.toLocaleString('en-GB')}`,
    });
    const commissioner = request.actor.userId ? (await myOrganisations(ctx, request.actor)).commissioning.some((o) => o.value === c.buyer.id) : request.actor.isAdmin;
    const latest = new Map((await kpiRatingsFor(db, [c.id])).map((r) => [r.kpiId, `${r.ratingLabel} (${r.period})`]));
    return reply.page('commissioning/views/contract.njk', {
      contract: { ...c, kpis: c.kpis.map((k) => ({ ...k, latestRating: latest.get(k.id) ?? null })), valueText: poundsText(c.valuePence), paidText: poundsText(c.payments.paidPence), remainingText: poundsText(c.payments.remainingPence) },
      lines: c.payments.lines.map((l) => ({ ...l, amountText: poundsText(l.netPence) })), chart, commissioner,
      ocdsHref: `/api/v1/commissioning/ocds/releases/${c.ocid}.json`, notice: ({ milestone: 'The milestone is updated and published.', kpi: 'The KPI rating is saved and published.' } as Record<string, string | undefined>)[one((request.query as Form).notice) ?? ''],
    });
  });

  /** The "Mark met" page: a contract's milestone and the date it was met (today unless changed), for its commissioners. */
  async function milestoneMetPage(actor: Actor, contractId: string, milestoneId: string) {
    const c = await service.getContract(db, contractId);
    const milestone = c.milestones.find((m) => m.id === milestoneId.toLowerCase());
    if (!milestone) throw new AppError('not_found', 'No such milestone in this contract');
    if (!actor.userId) throw new AppError('unauthenticated');
    const commissioner = (await myOrganisations(ctx, actor)).commissioning.some((o) => o.value === c.buyer.id) || actor.isAdmin;
    if (!commissioner) throw new AppError('forbidden', 'Only the buyer’s commissioners record milestones');
    return { contract: c, milestone };
  }

  app.get('/commissioning/contracts/:id/milestones/:milestoneId/met', async (request, reply) => {
    const { id, milestoneId } = request.params as { id: string; milestoneId: string };
    const page = await milestoneMetPage(request.actor, id, milestoneId);
    return reply.page('commissioning/views/milestone-met.njk', { ...page, values: { dateMet: new Date().toISOString().slice(0, 10) } }, { form: true });
  });

  app.post('/commissioning/contracts/:id/milestones', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    const milestoneId = one(form.milestoneId) ?? '';
    try {
      // The date it was met comes from the "Mark met" page's date input; without one (a program's post), today.
      await service.updateMilestone(db, request.actor, id, milestoneId, { status: one(form.status), dateMet: form.dateMet === undefined ? new Date().toISOString().slice(0, 10) : one(form.dateMet) });
    } catch (error) {
      const { errors, status } = errorsOf(error, 'dateMet');
      const page = await milestoneMetPage(request.actor, id, milestoneId);
      return reply.page('commissioning/views/milestone-met.njk', { ...page, values: form, errors }, { status });
    }
    return reply.redirect(`/commissioning/contracts/${id}?notice=milestone`, 303);
  });

  // KPI ratings (Procurement Act 2023 scale), by the buyer's commissioners, per financial year.
  const kpiPage = async (request: FastifyRequest, reply: FastifyReply, extra: { values?: Form; errors?: FieldError[]; status?: number } = {}) => {
    const { id, kpiId } = request.params as { id: string; kpiId: string };
    const k = await kpiForRating(db, request.actor, id, kpiId);
    const now = financialYearOf(new Date().toISOString().slice(0, 10));
    const first = financialYearOf(k.contract.startDate ?? `${Number(now.slice(0, 4)) - 4}-04-01`);
    const periods: { value: string; text: string }[] = [];
    for (let y = Number(now.slice(0, 4)); y >= Number(first.slice(0, 4)) && periods.length < 10; y--) {
      const p = `${y}-${String((y + 1) % 100).padStart(2, '0')}`;
      periods.push({ value: p, text: `April ${y} to March ${y + 1}` });
    }
    return reply.page('commissioning/views/kpi-rating.njk', {
      ...k, periods, ratingChoices: KPI_RATINGS.map((r) => ({ value: r, text: KPI_RATING_LABELS[r] })), values: extra.values ?? { period: readFinancialYear(one((request.query as Form).period)) ?? now }, errors: extra.errors,
    }, { form: true, status: extra.status });
  };
  app.get('/commissioning/contracts/:id/kpis/:kpiId/rating', { config: { access: 'signed-in' } }, async (request, reply) => kpiPage(request, reply));
  app.post('/commissioning/contracts/:id/kpis/:kpiId/rating', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id, kpiId } = request.params as { id: string; kpiId: string };
    const form = (request.body ?? {}) as Form;
    try {
      await rateKpi(db, request.actor, id, kpiId, { period: one(form.period), rating: one(form.rating), note: one(form.note) });
      return reply.redirect(`/commissioning/contracts/${id}?notice=kpi`, 303);
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') return kpiPage(request, reply, { values: form, errors: error.fieldErrors, status: 400 });
      throw error;
    }
  });

  // Open calls

  async function openCallPage(actor: Actor, id: string, extra: { errors?: FieldError[]; values?: Form; notice?: string }) {
    const call = await service.getOpenCall(db, actor, id);
    const mine = await myOrganisations(ctx, actor);
    return { call, actingItems: mine.acting, errors: extra.errors, values: extra.values ?? {}, notice: extra.notice === 'proposed' ? 'Your proposal is sent to the commissioners.' : undefined };
  }

  app.get('/commissioning/open-calls/new', async (request, reply) => {
    if (!request.actor.userId) throw new AppError('unauthenticated');
    const mine = await myOrganisations(ctx, request.actor);
    return reply.page('commissioning/views/open-call-new.njk', { organisations: mine.commissioning, values: {} }, { form: true });
  });

  app.post('/commissioning/open-calls', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const call = await service.createOpenCall(db, request.actor, { organisation: one(form.organisation), title: one(form.title), description: one(form.description), closesOn: one(form.closesOn) });
      return reply.redirect(call.href, 303);
    } catch (error) {
      const { errors, status } = errorsOf(error, 'title');
      const mine = await myOrganisations(ctx, request.actor);
      return reply.page('commissioning/views/open-call-new.njk', { organisations: mine.commissioning, values: form, errors }, { status });
    }
  });

  app.get('/commissioning/open-calls/:id', async (request, reply) => {
    const data = await openCallPage(request.actor, (request.params as { id: string }).id, { notice: one((request.query as Form).notice) });
    return reply.page('commissioning/views/open-call.njk', data, { form: true });
  });

  app.post('/commissioning/open-calls/:id/proposals', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      await service.submitProposal(db, request.actor, id, { organisation: one(form.organisation), title: one(form.title), need: one(form.need), proposal: one(form.proposal) });
      return reply.redirect(`/commissioning/open-calls/${id}?notice=proposed`, 303);
    } catch (error) {
      const { errors, status } = errorsOf(error, 'title');
      return reply.page('commissioning/views/open-call.njk', await openCallPage(request.actor, id, { errors, values: form }), { status });
    }
  });

  app.post('/commissioning/proposals/:id/opportunity', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const created = await service.convertProposal(db, request.actor, (request.params as { id: string }).id, { value: one(form.value), bidDeadline: deadlineFromForm(form) ?? '' });
    return reply.redirect(`${created.href}?notice=created`, 303);
  });
}
