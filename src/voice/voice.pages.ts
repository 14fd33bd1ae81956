import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext, OrganisationSection } from '../platform/module.ts';
import { isAppError, type FieldError } from '../platform/errors.ts';
import { sendAtom, type AtomEntry } from '../platform/atom.ts';
import { findOrganisation, searchOrganisations } from '../organisations/organisations.service.ts';
import * as service from './voice.service.ts';
import { submissionRateLimit } from './voice.api.ts';
import { listPetitions, petitionQueue } from './voice.petitions.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { decisionTypes } from './voice.table.ts';
import { own } from '../platform/sanitise.ts';

type Form = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Minutes as a person reads a waiting time: "3 hours", "2 days". */
export function formatDuration(minutes: number | null): string {
  if (minutes === null) return 'No responses yet';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.round(minutes / 1440);
  return `${days} days`;
}

/** Failures a form shows beside its fields; anything else goes to the error page. */
function formErrors(error: unknown): FieldError[] | null {
  if (!isAppError(error)) return null;
  if (error.fieldErrors.length) return error.fieldErrors;
  return null;
}

/** The plain warning shown wherever an answering record counts example stories invented for the demonstration (null when none). */
export function exampleStoriesNote(m: { stories: number; exampleStories: number; organisation: { name: string } }): string | null {
  if (m.exampleStories === 0) return null;
  const n = m.exampleStories;
  const which = n === m.stories ? (n === 1 ? 'It is an example story' : `All ${n.toLocaleString('en-GB')} are example stories`) : `Includes ${n.toLocaleString('en-GB')} example ${n === 1 ? 'story' : 'stories'}`;
  return `${which} invented for the demonstration, with invented answers and times: these figures are not ${m.organisation.name}’s real record.`;
}

/** Voice's section on an organisation's own page: its answering record, when it has services in the directory. */
export async function voiceOrganisationSection(db: AppContext['db'], organisationId: string): Promise<OrganisationSection | null> {
  const services = await service.listServices(db, { organisation: organisationId });
  if (services.length === 0) return null;
  const m = await service.organisationMetrics(db, organisationId);
  const share = m.shareAnswered === null ? '' : ` (${Math.round(m.shareAnswered * 100)}%)`;
  const note = exampleStoriesNote(m);
  return {
    heading: 'Stories about its services',
    rows: [
      ...(note ? [{ key: 'Example stories', value: note }] : []),
      { key: 'Services in the directory', value: String(services.length) },
      { key: 'Published stories', value: m.stories.toLocaleString('en-GB') },
      { key: 'Answered in public', value: `${m.answered.toLocaleString('en-GB')}${share}` },
      { key: 'Median time to a first response', value: m.answered ? `${formatDuration(m.medianMinutesToFirstResponse)} (over ${m.answered.toLocaleString('en-GB')} answered ${m.answered === 1 ? 'story' : 'stories'})` : formatDuration(null) },
      { key: 'Changes made, and confirmed by the author', value: `${m.changesMade.toLocaleString('en-GB')} made, ${m.changesConfirmed.toLocaleString('en-GB')} confirmed` },
    ],
    link: { href: `/voice/organisations/${encodeURIComponent(m.organisation.slug)}`, text: 'Its stories, services and answering record (counted only from stories published on this site)' },
  };
}

export function voicePages(app: App, ctx: AppContext): void {
  const { db, config } = ctx;
  const baseUrl = config.baseUrl;
  const opts = { baseUrl };

  async function filterChoices(selected: { service?: string; organisation?: string; area?: string; tag?: string }) {
    const [services, areas, tags] = await Promise.all([service.listServices(db), service.coveredAreas(db), service.storyTags(db)]);
    // Organisations by name, a verified one before its unverified namesake, which is marked (issue 14).
    const orgs = [...new Map(services.map((s) => [s.organisationSlug, { name: s.organisationName, verified: s.organisationVerified }])).entries()]
      .sort((a, b) => a[1].name.localeCompare(b[1].name) || Number(b[1].verified) - Number(a[1].verified))
      .map(([slug, o]) => [slug, o.verified ? o.name : `${o.name} (not verified)`] as const);
    return {
      serviceItems: [{ value: '', text: 'Any service' }, ...services.map((s) => ({ value: s.id, text: `${s.name} (${s.organisationName}${s.organisationVerified ? '' : ', not verified'})`, selected: s.id === selected.service }))],
      organisationItems: [{ value: '', text: 'Any organisation' }, ...orgs.map(([slug, name]) => ({ value: slug, text: name, selected: slug === selected.organisation }))],
      areaItems: [{ value: '', text: 'Any area' }, ...areas.map((a) => ({ value: a.code, text: a.name, selected: a.code === selected.area }))],
      tagItems: [{ value: '', text: 'Any tag' }, ...tags.map((t) => ({ value: t.tag, text: `${t.tag} (${t.n})`, selected: t.tag === selected.tag }))],
    };
  }

  // Stories: the landing page is the searchable list of published stories.
  app.get('/voice', async (request, reply) => {
    const q = request.query as Form;
    const filter = { q: one(q.q), service: one(q.service), organisation: one(q.organisation), area: one(q.area), tag: one(q.tag), page: Math.max(1, Number.parseInt(one(q.page) ?? '1', 10) || 1) };
    const result = await service.searchStories(db, request.actor, { ...filter, pageSize: 20 });
    const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
    const params = (p: number) => new URLSearchParams(Object.entries({ ...filter, page: String(p) }).filter(([, v]) => v !== undefined && v !== '') as [string, string][]);
    const moderator = await service.isModerator(db, request.actor);
    return reply.page('voice/views/index.njk', {
      result, filter, moderator, ...(await filterChoices(filter)),
      feedLinks: [{ href: '/voice/feed.atom', title: 'All published stories and responses (Atom)' }],
      pagination: pages > 1 ? {
        previous: result.page > 1 ? { href: `/voice?${params(result.page - 1)}` } : undefined,
        next: result.page < pages ? { href: `/voice?${params(result.page + 1)}` } : undefined,
      } : null,
    });
  });

  async function storyForm(request: FastifyRequest, reply: FastifyReply, values: Form, errors?: FieldError[], status = 200) {
    const services = await service.listServices(db);
    const chosen = new Set(many(values.services));
    const staffOfAny = request.actor.userId ? (await Promise.all([...new Set(services.map((s) => s.organisationId))].map((o) => service.isStaffOf(db, request.actor, o)))).some(Boolean) : false;
    return reply.page('voice/views/story-form.njk', {
      values, errors, staffOfAny, maxWords: service.maxStoryWords,
      ratingItems: service.FFT_CHOICES.map((c) => ({ value: c.value, text: c.text, checked: one(values.rating) === c.value })),
      serviceItems: services.map((s) => ({ value: s.id, text: s.name, hint: { text: `${s.organisationName}${s.organisationVerified ? '' : ' (not verified)'} · ${s.areas.map((a) => a.name).join(', ')}` }, checked: chosen.has(s.id) })),
    }, { status, form: true });
  }

  app.get('/voice/stories/new', async (request, reply) => storyForm(request, reply, { services: one((request.query as Form).service) }));

  app.post('/voice/stories', { config: { access: 'public', rateLimit: submissionRateLimit } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const { id } = await service.submitStory(db, request.actor, {
        title: one(form.title), body: one(form.body), pseudonym: one(form.pseudonym), email: one(form.email), postcode: one(form.postcode),
        services: many(form.services), assisted: one(form.assisted), rating: one(form.rating),
      }, opts);
      return reply.redirect(`/voice/stories/submitted?id=${id}`, 303);
    } catch (error) {
      const errors = formErrors(error);
      if (!errors) throw error;
      return storyForm(request, reply, form, errors, 400);
    }
  });

  app.get('/voice/stories/submitted', async (_request, reply) => reply.page('voice/views/submitted.njk', {}));

  async function storyPage(request: FastifyRequest, reply: FastifyReply, id: string, extra: { errors?: FieldError[]; values?: Form; status?: number; notice?: string } = {}) {
    const story = await service.getStory(db, request.actor, id);
    const responders = story.status === 'published' ? await service.respondingOrganisations(db, request.actor, story.id) : [];
    const moderator = await service.isModerator(db, request.actor);
    return reply.page('voice/views/story.njk', {
      story, responders, moderator, values: extra.values ?? {}, errors: extra.errors, notice: extra.notice,
      responderItems: responders.map((o) => ({ value: o.id, text: o.name, selected: o.id === one(extra.values?.organisation) })),
      feedLinks: story.services.map((s) => ({ href: `/voice/services/${s.id}/feed.atom`, title: `Stories about ${s.name} (Atom)` })),
    }, { status: extra.status ?? 200, form: story.status === 'published' });
  }

  const storyNotices: Record<string, string> = {
    'me-too': 'Thank you. Your “me too” has been counted.',
    'me-too-already': 'You have already said “me too” to this story.',
    'me-too-sent': 'Check your email: follow the link we have sent you and your “me too” will be counted.',
    responded: 'Your response has been saved. It will be published once a moderator has checked it.',
    'responded-published': 'Your response is published.',
    moderated: 'Your moderation decision has been saved.',
    confirmed: 'Thank you for confirming the change. The response now shows “change confirmed by author”.',
  };

  app.get('/voice/stories/:id', async (request, reply) =>
    storyPage(request, reply, (request.params as { id: string }).id, { notice: own(storyNotices, one((request.query as Form).notice)) }));

  // "Me too" counts once per person: a signed-in person at once, anyone else once they follow an emailed link.
  app.post('/voice/stories/:id/me-too', { config: { access: 'public', rateLimit: { max: 30, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    if (request.actor.userId) {
      const { counted } = await service.meToo(db, request.actor, id);
      return reply.redirect(`/voice/stories/${id}?notice=${counted ? 'me-too' : 'me-too-already'}`, 303);
    }
    const form = (request.body ?? {}) as Form;
    try {
      await service.requestMeToo(db, request.actor, id, { email: one(form.email) }, opts);
    } catch (error) {
      const errors = formErrors(error);
      if (!errors) throw error;
      return storyPage(request, reply, id, { errors, values: form, status: 400 });
    }
    return reply.redirect(`/voice/stories/${id}?notice=me-too-sent`, 303);
  });

  // The emailed link opens a page with a button: link checkers that open it count nothing.
  app.get('/voice/me-too/confirm', async (request, reply) => {
    const token = one((request.query as Form).token) ?? '';
    const pending = await service.meTooToConfirm(db, token);
    return reply.page('voice/views/confirm-me-too.njk', { pending, token }, { status: pending ? 200 : 404, form: !!pending });
  });

  app.post('/voice/me-too/confirm', { config: { access: 'public', rateLimit: { max: 30, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const { storyId, counted } = await service.confirmMeToo(db, request.actor, one(((request.body ?? {}) as Form).token) ?? '');
    return reply.redirect(`/voice/stories/${storyId}?notice=${counted ? 'me-too' : 'me-too-already'}`, 303);
  });

  app.post('/voice/stories/:id/responses', { config: { access: 'signed-in', rateLimit: { max: 60, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      const r = await service.respondToStory(db, request.actor, id, { organisation: one(form.organisation), body: one(form.body), claimsChange: one(form.claimsChange) }, opts);
      return reply.redirect(`/voice/stories/${id}?notice=${r.status === 'published' ? 'responded-published' : 'responded'}`, 303);
    } catch (error) {
      const errors = formErrors(error);
      if (!errors) throw error;
      return storyPage(request, reply, id, { errors, values: form, status: 400 });
    }
  });

  // The story's author confirms a change through the emailed link (a page with a button: link checkers that
  // open the link do not confirm anything).
  app.get('/voice/responses/confirm', async (request, reply) => {
    const token = one((request.query as Form).token) ?? '';
    const change = await service.changeToConfirm(db, token);
    return reply.page('voice/views/confirm-change.njk', { change, token }, { status: change ? 200 : 404, form: !!change });
  });

  app.post('/voice/responses/confirm', { config: { access: 'public' } }, async (request, reply) => {
    const { storyId } = await service.confirmChange(db, request.actor, one(((request.body ?? {}) as Form).token));
    return reply.redirect(`/voice/stories/${storyId}?notice=confirmed`, 303);
  });

  // Services directory

  app.get('/voice/services', async (request, reply) => {
    const q = request.query as Form;
    const services = await service.listServices(db, { organisation: one(q.organisation), area: one(q.area) });
    return reply.page('voice/views/services.njk', { services, filter: { organisation: one(q.organisation), area: one(q.area) }, ...(await filterChoices({ organisation: one(q.organisation), area: one(q.area) })) });
  });

  async function myOrganisations(request: FastifyRequest) {
    if (!request.actor.userId) return [];
    const roles = await rolesByOrganisation(db, request.actor.userId);
    const ids = [...roles].filter(([, r]) => r.includes('admin') || r.includes('staff')).map(([id]) => id);
    const orgs = await Promise.all(ids.map((id) => findOrganisation(db, id)));
    return orgs.filter((o) => o !== null).map((o) => ({ id: o!.id, name: o!.name, slug: o!.slug }));
  }

  async function serviceForm(request: FastifyRequest, reply: FastifyReply, values: Form, errors?: FieldError[], status = 200, editing?: service.ServiceView) {
    const orgs = request.actor.isAdmin ? (await searchOrganisations(db, { pageSize: 100 })).items.map((o) => ({ id: o.id, name: o.name, slug: o.slug })) : await myOrganisations(request);
    return reply.page('voice/views/service-form.njk', {
      values, errors, editing,
      organisationItems: [{ value: '', text: 'Choose an organisation' }, ...orgs.map((o) => ({ value: o.id, text: o.name, selected: o.id === one(values.organisation) }))],
      decisionItems: decisionTypes.map((d) => ({ value: d, text: service.decisionTypeLabels[d], checked: d === one(values.decisionType) })),
      noOrganisations: orgs.length === 0,
    }, { status });
  }

  app.get('/voice/services/new', { config: { access: 'signed-in' } }, async (request, reply) => serviceForm(request, reply, { organisation: one((request.query as Form).organisation) }));

  app.post('/voice/services', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const s = await service.createService(db, request.actor, { organisation: one(form.organisation), name: one(form.name), description: one(form.description) ?? '', decisionType: one(form.decisionType), areas: one(form.areas) ?? '' });
      return reply.redirect(`/voice/services/${s.id}`, 303);
    } catch (error) {
      const errors = formErrors(error);
      if (!errors) throw error;
      return serviceForm(request, reply, form, errors, 400);
    }
  });

  const staffOfService = { roles: ['admin', 'staff'] as const, organisation: async (r: { params: unknown }) => (await service.getService(db, (r.params as { id: string }).id)).organisationId };

  app.get('/voice/services/:id/edit', { config: { access: staffOfService } }, async (request, reply) => {
    const s = await service.getService(db, (request.params as { id: string }).id);
    return serviceForm(request, reply, { organisation: s.organisationId, name: s.name, description: s.description, decisionType: s.decisionType, areas: s.areas.map((a) => a.name).join('\n') }, undefined, 200, s);
  });

  app.post('/voice/services/:id/edit', { config: { access: staffOfService } }, async (request, reply) => {
    const s = await service.getService(db, (request.params as { id: string }).id);
    const form = (request.body ?? {}) as Form;
    try {
      await service.updateService(db, request.actor, s.id, { name: one(form.name), description: one(form.description) ?? '', decisionType: one(form.decisionType), areas: one(form.areas) ?? '' });
      return reply.redirect(`/voice/services/${s.id}`, 303);
    } catch (error) {
      const errors = formErrors(error);
      if (!errors) throw error;
      return serviceForm(request, reply, { ...form, organisation: s.organisationId }, errors, 400, s);
    }
  });

  app.get('/voice/services/:id', async (request, reply) => {
    const s = await service.getService(db, (request.params as { id: string }).id);
    const stories = await service.searchStories(db, request.actor, { service: s.id, pageSize: 50 });
    return reply.page('voice/views/service.njk', {
      service: s, stories, canManage: await service.isStaffOf(db, request.actor, s.organisationId),
      feedLinks: [{ href: `/voice/services/${s.id}/feed.atom`, title: `Stories about ${s.name} (Atom)` }],
    });
  });

  // An organisation's answering record.
  app.get('/voice/organisations/:slug', async (request, reply) => {
    const slug = (request.params as { slug: string }).slug;
    const metrics = await service.organisationMetrics(db, slug);
    const [services, stories] = await Promise.all([
      service.listServices(db, { organisation: metrics.organisation.id }),
      service.searchStories(db, request.actor, { organisation: metrics.organisation.id, pageSize: 20 }),
    ]);
    const isAdmin = request.actor.isAdmin || (!!request.actor.userId && ((await rolesByOrganisation(db, request.actor.userId)).get(metrics.organisation.id) ?? []).includes('admin'));
    return reply.page('voice/views/organisation.njk', {
      metrics, services, stories, isAdmin, exampleNote: exampleStoriesNote(metrics), medianText: formatDuration(metrics.medianMinutesToFirstResponse),
      sharePercent: metrics.shareAnswered === null ? null : Math.round(metrics.shareAnswered * 100),
      feedLinks: [{ href: `/voice/organisations/${metrics.organisation.slug}/feed.atom`, title: `Stories about services of ${metrics.organisation.name} (Atom)` }],
    });
  });

  // Moderation

  app.get('/voice/moderation', { config: { access: 'signed-in' } }, async (request, reply) => {
    const queue = await service.moderationQueue(db, request.actor);
    return reply.page('voice/views/moderation.njk', { queue, petitions: await petitionQueue(db, request.actor), openPetitions: await listPetitions(db, { state: 'open' }), moderators: await service.moderatingOrganisation(db), notice: one((request.query as Form).notice) === 'done' ? 'Your decision has been saved.' : undefined }, { form: true });
  });

  async function moderateStoryPage(request: FastifyRequest, reply: FastifyReply, id: string, values?: Form, errors?: FieldError[], status = 200) {
    const data = await service.storyForModeration(db, request.actor, id);
    const v = values ?? { title: data.story.title, body: data.story.body, tags: data.story.tags.join(', '), criticality: data.story.criticality === null ? '' : String(data.story.criticality) };
    return reply.page('voice/views/moderate-story.njk', {
      ...data, values: v, errors,
      criticalityItems: [{ value: '', text: 'Not set' }, ...[0, 1, 2, 3, 4, 5].map((c) => ({ value: String(c), text: `${c}${c === 0 ? ' (not critical)' : c === 5 ? ' (severely critical)' : ''}`, selected: String(c) === one(v.criticality) }))],
      reasonItems: [{ value: '', text: 'Choose a reason (only when rejecting)' }, ...Object.entries(service.storyRejectReasons).map(([value, text]) => ({ value, text, selected: value === one(v.reason) }))],
      log: data.log.map((l) => ({ ...l, beforeText: JSON.stringify(l.before, null, 2), afterText: JSON.stringify(l.after, null, 2) })),
    }, { status });
  }

  app.get('/voice/moderation/stories/:id', { config: { access: 'signed-in' } }, async (request, reply) => moderateStoryPage(request, reply, (request.params as { id: string }).id));

  app.post('/voice/moderation/stories/:id', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      await service.moderateStory(db, request.actor, id, { decision: one(form.decision), title: one(form.title), body: one(form.body), tags: one(form.tags) ?? '', criticality: one(form.criticality) ?? '', reason: one(form.reason) }, opts);
      return reply.redirect('/voice/moderation?notice=done', 303);
    } catch (error) {
      const errors = formErrors(error);
      if (!errors) throw error;
      return moderateStoryPage(request, reply, id, form, errors, 400);
    }
  });

  app.post('/voice/moderation/responses/:id', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    await service.moderateResponse(db, request.actor, (request.params as { id: string }).id, { decision: one(form.decision), reason: one(form.reason), body: one(form.body) }, opts);
    return reply.redirect('/voice/moderation?notice=done', 303);
  });

  // Alerts

  app.get('/voice/alerts', { config: { access: 'signed-in' } }, async (request, reply) => {
    const q = request.query as Form;
    return reply.page('voice/views/alerts.njk', { subscriptions: await service.mySubscriptions(db, request.actor), values: { scope: one(q.scope) ?? 'all', value: one(q.value) ?? '' } });
  });

  app.post('/voice/alerts', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      // A choice among several matches carries the chosen one's value; otherwise what was typed is looked up by
      // name, and several matches are offered as a choice (nobody is asked for an id or a code).
      const scope = one(form.scope);
      let value = one(form.choice) || one(form.value);
      if (!one(form.choice) && (service.subscriptionScopes as readonly string[]).includes(scope ?? '')) {
        const found = await service.alertTargets(db, scope as service.SubscriptionScope, (value ?? '').trim().slice(0, 200));
        if (found.choices.length > 1) {
          const errors = [{ field: 'choice', message: `${found.choices.length} matches for “${(value ?? '').trim()}”: choose one` }];
          return reply.page('voice/views/alerts.njk', { subscriptions: await service.mySubscriptions(db, request.actor), values: form, choices: found.choices, errors }, { status: 400 });
        }
        if (found.choices.length === 1) value = found.choices[0]!.value;
      }
      await service.subscribe(db, request.actor, { scope, value, minCriticality: one(form.minCriticality) });
      return reply.redirect('/voice/alerts', 303);
    } catch (error) {
      const errors = formErrors(error);
      if (!errors) throw error;
      return reply.page('voice/views/alerts.njk', { subscriptions: await service.mySubscriptions(db, request.actor), values: form, errors }, { status: 400 });
    }
  });

  app.post('/voice/alerts/:id/remove', { config: { access: 'signed-in' } }, async (request, reply) => {
    await service.unsubscribe(db, request.actor, (request.params as { id: string }).id);
    return reply.redirect('/voice/alerts', 303);
  });

  // Atom feeds: published stories and published responses only. An organisation is named with "not
  // verified" when a site administrator has not verified it, as on the pages.
  const orgLabel = (o: { name: string; verified: boolean }) => (o.verified ? o.name : `${o.name}, not verified`);

  async function feed(reply: FastifyReply, scope: service.FeedScope, page: string, self: string) {
    const content = await service.feedContent(db, scope);
    const entries: AtomEntry[] = [
      ...content.stories.map((s) => ({
        id: `${baseUrl}/voice/stories/${s.id}`, title: s.title, link: `${baseUrl}/voice/stories/${s.id}`, updated: s.publishedAt, published: s.publishedAt,
        author: { name: s.pseudonym }, summary: `About: ${s.services.map((x) => `${x.name} (${orgLabel(x.organisation)})`).join(', ')}`, content: s.body, categories: s.tags.map((t) => ({ term: t })),
      })),
      ...content.responses.map((r) => ({
        id: `${baseUrl}/voice/stories/${r.storyId}#response-${r.id}`, title: `Response to: ${r.storyTitle}`, link: `${baseUrl}/voice/stories/${r.storyId}#response-${r.id}`,
        updated: r.publishedAt, published: r.publishedAt, author: { name: `${r.responderName}, ${orgLabel(r.organisation)}` }, summary: `From ${orgLabel(r.organisation)}`, content: r.body,
      })),
    ].sort((a, b) => new Date(b.updated).getTime() - new Date(a.updated).getTime());
    return sendAtom(reply, { id: `${baseUrl}${self}`, title: content.title, link: `${baseUrl}${page}`, selfLink: `${baseUrl}${self}`, fallbackUpdated: '2026-01-01', entries });
  }

  app.get('/voice/feed.atom', async (_request, reply) => feed(reply, { kind: 'all' }, '/voice', '/voice/feed.atom'));
  app.get('/voice/services/:id/feed.atom', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    return feed(reply, { kind: 'service', value: id }, `/voice/services/${encodeURIComponent(id)}`, `/voice/services/${encodeURIComponent(id)}/feed.atom`);
  });
  app.get('/voice/organisations/:slug/feed.atom', async (request, reply) => {
    const slug = (request.params as { slug: string }).slug;
    return feed(reply, { kind: 'organisation', value: slug }, `/voice/organisations/${encodeURIComponent(slug)}`, `/voice/organisations/${encodeURIComponent(slug)}/feed.atom`);
  });
  app.get('/voice/areas/:code/feed.atom', async (request, reply) => {
    const code = (request.params as { code: string }).code;
    return feed(reply, { kind: 'area', value: code }, `/voice?area=${encodeURIComponent(code)}`, `/voice/areas/${encodeURIComponent(code)}/feed.atom`);
  });
  app.get('/voice/tags/:tag/feed.atom', async (request, reply) => {
    const tag = (request.params as { tag: string }).tag;
    return feed(reply, { kind: 'tag', value: tag }, `/voice?tag=${encodeURIComponent(tag)}`, `/voice/tags/${encodeURIComponent(tag)}/feed.atom`);
  });
}
