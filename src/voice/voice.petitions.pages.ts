import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import { isAppError, type FieldError } from '../platform/errors.ts';
import { getOrganisation, searchOrganisations } from '../organisations/organisations.service.ts';
import * as petitions from './voice.petitions.ts';
import { isModerator, isStaffOf } from './voice.service.ts';
import { localAuthorityChoices } from './voice.places.ts';
import { submissionRateLimit } from './voice.api.ts';
import { own } from '../platform/sanitise.ts';

type Form = Record<string, string | undefined>;

export function voicePetitionPages(app: App, ctx: AppContext): void {
  const { db, config } = ctx;
  const opts = { baseUrl: config.baseUrl };

  app.get('/voice/petitions', async (request, reply) => {
    const all = await petitions.listPetitions(db, { state: 'all' });
    return reply.page('voice/views/petitions.njk', {
      open: all.filter((p) => p.state === 'open'), closed: all.filter((p) => p.state === 'closed'),
      signedIn: !!request.actor.userId, moderator: await isModerator(db, request.actor),
    });
  });

  async function organisationItems(selected?: string) {
    // Only verified public bodies receive petitions, so an impostor of a council's name is never offered.
    const orgs = (await searchOrganisations(db, { sector: 'public', verified: true, pageSize: 100 })).items;
    return [{ value: '', text: 'Choose who the petition is to' }, ...orgs.map((o) => ({ value: o.slug, text: o.name, selected: o.slug === selected }))];
  }

  app.get('/voice/petitions/new', { config: { access: 'signed-in' } }, async (request, reply) =>
    reply.page('voice/views/petition-form.njk', { values: { organisation: (request.query as Form).organisation }, organisationItems: await organisationItems((request.query as Form).organisation) }));

  app.post('/voice/petitions', { config: { access: 'signed-in', rateLimit: submissionRateLimit } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const p = await petitions.createPetition(db, request.actor, form);
      return reply.redirect(`/voice/petitions/${p.id}?notice=created`, 303);
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      return reply.page('voice/views/petition-form.njk', { values: form, errors: error.fieldErrors, organisationItems: await organisationItems(form.organisation) }, { status: 400 });
    }
  });

  const notices: Record<string, string> = {
    created: 'Your petition has been created. Sign it yourself, then share this page’s address: it goes to moderation once it has its supporters.',
    signed: 'Check your email. We have sent you a link: your signature counts once you open it.',
    confirmed: 'Thank you. Your signature has been counted.',
    'already-confirmed': 'Your signature was already counted.',
    moderated: 'Your decision has been saved.',
    invalidated: 'The signatures have been invalidated and no longer count.',
    responded: 'The response is published and the signers have been emailed.',
  };

  async function petitionPage(request: FastifyRequest, reply: FastifyReply, id: string, extra: { values?: Form; errors?: FieldError[]; status?: number; notice?: string } = {}) {
    const petition = await petitions.petitionWithCounts(db, id);
    const moderator = await isModerator(db, request.actor);
    const canRespond = (petition.state === 'open' || petition.state === 'closed') && (await isStaffOf(db, request.actor, petition.organisationId));
    const signing = petition.state === 'open' || petition.state === 'collecting';
    const las = signing ? await localAuthorityChoices(db) : [];
    return reply.page('voice/views/petition.njk', {
      petition, moderator, canRespond, signing, values: extra.values ?? {}, errors: extra.errors, notice: extra.notice,
      invalidations: moderator ? await petitions.invalidations(db, request.actor, petition.id) : [],
      laItems: [{ value: '', text: 'Choose your local authority' }, ...las.map((l) => ({ value: l.code, text: l.name, selected: l.code === extra.values?.localAuthority }))],
      reasonItems: [{ value: '', text: 'Choose a reason (only when rejecting)' }, ...Object.entries(petitions.petitionRejectReasons).map(([value, text]) => ({ value, text }))],
      responsePercent: Math.min(100, Math.round((petition.signatures / petition.responseThreshold) * 100)),
    }, { status: extra.status ?? 200, form: signing || moderator || canRespond });
  }

  // An organisation's administrators set its petition thresholds, opening period and supporters needed.
  const adminOf = { roles: ['admin'] as const, organisation: async (r: { params: unknown }) => (await getOrganisation(db, (r.params as { slug: string }).slug)).id };

  app.get('/voice/petitions/settings/:slug', { config: { access: adminOf } }, async (request, reply) => {
    const settings = await petitions.getPetitionSettings(db, (request.params as { slug: string }).slug);
    return reply.page('voice/views/petition-settings.njk', { settings, slug: (request.params as { slug: string }).slug, values: settings, notice: (request.query as Form).notice === 'saved' ? 'The petition settings are saved. They apply to petitions started from now on.' : undefined });
  });

  app.post('/voice/petitions/settings/:slug', { config: { access: adminOf } }, async (request, reply) => {
    const slug = (request.params as { slug: string }).slug;
    const form = (request.body ?? {}) as Form;
    try {
      await petitions.setPetitionSettings(db, request.actor, slug, form);
      return reply.redirect(`/voice/petitions/settings/${encodeURIComponent(slug)}?notice=saved`, 303);
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      const settings = await petitions.getPetitionSettings(db, slug);
      return reply.page('voice/views/petition-settings.njk', { settings, slug, values: form, errors: error.fieldErrors }, { status: 400 });
    }
  });

  app.get('/voice/petitions/confirm', async (request, reply) => {
    const token = (request.query as Form).token ?? '';
    return reply.page('voice/views/confirm-signature.njk', { token }, { form: true });
  });

  app.post('/voice/petitions/confirm', { config: { access: 'public' } }, async (request, reply) => {
    const r = await petitions.confirmSignature(db, request.actor, ((request.body ?? {}) as Form).token, opts);
    return reply.redirect(`/voice/petitions/${r.petitionId}?notice=${r.alreadyConfirmed ? 'already-confirmed' : 'confirmed'}`, 303);
  });

  app.get('/voice/petitions/:id', async (request, reply) =>
    petitionPage(request, reply, (request.params as { id: string }).id, { notice: own(notices, (request.query as Form).notice) }));

  app.post('/voice/petitions/:id/sign', { config: { access: 'public', rateLimit: submissionRateLimit } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      await petitions.signPetition(db, request.actor, id, form, opts);
      return reply.redirect(`/voice/petitions/${id}?notice=signed`, 303);
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      return petitionPage(request, reply, id, { values: form, errors: error.fieldErrors, status: 400 });
    }
  });

  app.post('/voice/petitions/:id/moderate', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      await petitions.moderatePetition(db, request.actor, id, form);
      return reply.redirect(`/voice/petitions/${id}?notice=moderated`, 303);
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      return petitionPage(request, reply, id, { values: form, errors: error.fieldErrors, status: 400 });
    }
  });

  app.post('/voice/petitions/:id/invalidate', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      await petitions.invalidateSignatures(db, request.actor, id, form);
      return reply.redirect(`/voice/petitions/${id}?notice=invalidated`, 303);
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      return petitionPage(request, reply, id, { values: form, errors: error.fieldErrors, status: 400 });
    }
  });

  app.post('/voice/petitions/:id/response', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      await petitions.respondToPetition(db, request.actor, id, form, opts);
      return reply.redirect(`/voice/petitions/${id}?notice=responded`, 303);
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      return petitionPage(request, reply, id, { values: form, errors: error.fieldErrors, status: 400 });
    }
  });
}
