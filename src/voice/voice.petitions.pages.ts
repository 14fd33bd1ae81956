import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import { isAppError, type FieldError } from '../platform/errors.ts';
import { getOrganisation, searchOrganisations } from '../organisations/organisations.service.ts';
import * as petitions from './voice.petitions.ts';
import { isModerator, isStaffOf, requireModerator } from './voice.service.ts';
import { localAuthorityChoices } from './voice.places.ts';
import { countries } from './voice.petitions.where.ts';
import { submissionRateLimit } from './voice.api.ts';
import { own } from '../platform/sanitise.ts';

import { dateMessage, parseDateText } from '../platform/dates.ts';

type Form = Record<string, string | undefined>;

const criteriaFields = ['emailDomain', 'ipPrefix', 'localAuthority', 'signedFrom', 'signedTo'] as const;

/**
 * "Signed from" and "Signed before" as the form asks for them: a GOV.UK date input (folded into `signedFrom` by
 * the platform, read by the shared date parser) and an optional 24-hour time in UTC (`signedFromTime`, "10:00";
 * midnight when empty), into the ISO date-time the service takes. An ISO date-time sent as it is (the
 * preview's hidden fields, a program) passes through. Errors name the date or the time field.
 */
export function signedTimes(typed: Form): { form: Form; errors: FieldError[] } {
  const form: Form = { ...typed };
  const errors: FieldError[] = [];
  for (const [f, label] of [['signedFrom', 'the date signatures start from'], ['signedTo', 'the date signatures end before']] as const) {
    const date = (typed[f] ?? '').trim();
    const time = (typed[`${f}Time`] ?? '').trim();
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(date) && time === '') continue;
    if (date === '' && time === '') { form[f] = ''; continue; }
    const iso = parseDateText(date);
    if (!iso) { errors.push({ field: f, message: date === '' ? `Enter ${label}, or leave the time empty too` : dateMessage(label) }); continue; }
    const t = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/.exec(time);
    if (time !== '' && !t) { errors.push({ field: `${f}Time`, message: 'Enter the time on the 24-hour clock, like 09:30 or 17:00, or leave it empty for midnight' }); continue; }
    form[f] = `${iso}T${t ? `${t[1]!.padStart(2, '0')}:${t[2]}` : '00:00'}:00Z`;
  }
  return { form, errors };
}

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

  async function petitionForm(request: FastifyRequest, reply: FastifyReply, values: Form, errors?: FieldError[]) {
    const shown = { ...values, creatorName: values.creatorName ?? request.user?.name };
    return reply.page('voice/views/petition-form.njk', { values: shown, errors, organisationItems: await organisationItems(values.organisation) }, { status: errors ? 400 : 200 });
  }

  app.get('/voice/petitions/new', { config: { access: 'signed-in' } }, async (request, reply) =>
    petitionForm(request, reply, { organisation: (request.query as Form).organisation }));

  // "Change your petition" on the check page: the form again, filled in with what was typed (nothing is saved).
  app.post('/voice/petitions/new', { config: { access: 'signed-in' } }, async (request, reply) =>
    petitionForm(request, reply, (request.body ?? {}) as Form));

  // Check your answers: what the petition will say and who it is to, before it is created and goes to supporters.
  app.post('/voice/petitions/check', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const checked = await petitions.checkPetition(db, request.actor, form);
      return reply.page('voice/views/petition-check.njk', { checked, values: { ...form, organisation: checked.organisation.slug, creatorName: checked.creatorName } });
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      return petitionForm(request, reply, form, error.fieldErrors);
    }
  });

  app.post('/voice/petitions', { config: { access: 'signed-in', rateLimit: submissionRateLimit } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const p = await petitions.createPetition(db, request.actor, form);
      return reply.redirect(`/voice/petitions/${p.id}?notice=created`, 303);
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      return petitionForm(request, reply, form, error.fieldErrors);
    }
  });

  // The petitions the signed-in person started, in every state (linked from their account).
  app.get('/voice/petitions/yours', { config: { access: 'signed-in' } }, async (request, reply) =>
    reply.page('voice/views/petitions-yours.njk', { mine: await petitions.myPetitions(db, request.actor) }));

  const notices: Record<string, string> = {
    created: 'Your petition has been created. Sign it yourself, then share this page’s address: it goes to moderation once it has its supporters. You can find it again under “Your petitions” in your account.',
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
    const values = extra.values ?? {};
    return reply.page('voice/views/petition.njk', {
      petition, moderator, canRespond, signing, values, errors: extra.errors, notice: extra.notice,
      invalidations: moderator ? await petitions.invalidations(db, request.actor, petition.id) : [],
      laItems: [{ value: '', text: 'Choose your local authority (optional)' }, ...las.map((l) => ({ value: l.code, text: l.name, selected: l.code === values.localAuthority }))],
      countryItems: [{ value: '', text: 'Choose your country' }, ...(signing ? countries : []).map((c) => ({ value: c.code, text: c.name, selected: c.code === values.country }))],
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

  // The emailed link opens a page with one button: a mail scanner that fetches links changes nothing. A link
  // used, expired, replaced or removed says which, plainly.
  const linkStatus: Record<petitions.SignatureLinkState, number> = { ready: 200, counted: 200, expired: 410, removed: 410, closed: 410, unknown: 404 };
  async function confirmPage(reply: FastifyReply, token: string, message?: string) {
    const link = await petitions.signatureLink(db, token);
    return reply.page('voice/views/confirm-signature.njk', { token, link, message, linkDays: petitions.signatureLinkDays }, { status: linkStatus[link.state], form: link.state === 'ready' });
  }

  app.get('/voice/petitions/confirm', async (request, reply) => confirmPage(reply, (request.query as Form).token ?? ''));

  app.post('/voice/petitions/confirm', { config: { access: 'public' } }, async (request, reply) => {
    const token = ((request.body ?? {}) as Form).token ?? '';
    try {
      const r = await petitions.confirmSignature(db, request.actor, token, opts);
      return reply.redirect(`/voice/petitions/${r.petitionId}/confirmed${r.alreadyConfirmed ? '?already=yes' : ''}`, 303);
    } catch (error) {
      if (!isAppError(error) || !['not_found', 'unprocessable'].includes(error.code)) throw error;
      return confirmPage(reply, token, error.message);
    }
  });

  app.get('/voice/petitions/:id', async (request, reply) =>
    petitionPage(request, reply, (request.params as { id: string }).id, { notice: own(notices, (request.query as Form).notice) }));

  app.post('/voice/petitions/:id/sign', { config: { access: 'public', rateLimit: submissionRateLimit } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      const r = await petitions.signPetition(db, request.actor, id, form, { ...opts, ip: request.ip });
      return reply.redirect(`/voice/petitions/${r.petitionId}/signed${r.placeNote ? '?postcode=not-found' : ''}`, 303);
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      return petitionPage(request, reply, id, { values: form, errors: error.fieldErrors, status: 400 });
    }
  });

  // After signing: check your email (the address is not put in the address bar).
  app.get('/voice/petitions/:id/signed', async (request, reply) => {
    const petition = await petitions.getPetition(db, (request.params as { id: string }).id);
    return reply.page('voice/views/petition-signed.njk', { petition, postcodeNotFound: (request.query as Form).postcode === 'not-found', linkDays: petitions.signatureLinkDays });
  });

  // After the link's button: the count.
  app.get('/voice/petitions/:id/confirmed', async (request, reply) => {
    const petition = await petitions.getPetition(db, (request.params as { id: string }).id);
    return reply.page('voice/views/petition-confirmed.njk', { petition, already: (request.query as Form).already === 'yes', address: `${config.baseUrl}/voice/petitions/${petition.id}` });
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

  // Fraud tools (moderators): the surge report, and bulk invalidation that always shows its count first.
  app.get('/voice/petitions/:id/surge', { config: { access: 'signed-in' } }, async (request, reply) => {
    const report = await petitions.surgeReport(db, request.actor, (request.params as { id: string }).id, request.query as Form);
    return reply.page('voice/views/petition-surge.njk', { report, windows: Object.keys(petitions.surgeWindows) });
  });

  async function invalidatePage(request: FastifyRequest, reply: FastifyReply, id: string, typed: Form, extra: { errors?: FieldError[]; preview?: { signatures: number; counted: number }; changed?: boolean } = {}) {
    await requireModerator(db, request.actor);
    const petition = await petitions.getPetition(db, id);
    const las = await localAuthorityChoices(db);
    const read = signedTimes(typed);
    const criteriaOf = read.errors.length ? typed : read.form;
    // A time carried as one ISO value (from the preview, or a link) is shown in the date and time boxes.
    const values: Form = { ...typed };
    for (const f of ['signedFrom', 'signedTo'] as const) {
      const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(values[f] ?? '');
      if (m && values[`${f}-day`] === undefined) { values[f] = m[1]; values[`${f}Time`] = m[2] === '00:00' ? '' : m[2]; }
    }
    return reply.page('voice/views/petition-invalidate.njk', {
      petition, values, ...extra,
      criteria: criteriaFields.filter((f) => criteriaOf[f]).map((f) => ({ name: f, value: criteriaOf[f] })),
      laItems: [{ value: '', text: 'Any local authority' }, ...las.map((l) => ({ value: l.code, text: l.name, selected: l.code === values.localAuthority }))],
      invalidations: await petitions.invalidations(db, request.actor, petition.id),
    }, { status: extra.errors ? 400 : 200, form: true });
  }

  app.get('/voice/petitions/:id/invalidate', { config: { access: 'signed-in' } }, async (request, reply) =>
    invalidatePage(request, reply, (request.params as { id: string }).id, Object.fromEntries(criteriaFields.map((f) => [f, (request.query as Form)[f]]))));

  app.post('/voice/petitions/:id/invalidate/preview', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const typed = (request.body ?? {}) as Form;
    const { form, errors } = signedTimes(typed);
    if (errors.length) return invalidatePage(request, reply, id, typed, { errors });
    try {
      const preview = await petitions.previewInvalidation(db, request.actor, id, form);
      return invalidatePage(request, reply, id, form, { preview });
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      return invalidatePage(request, reply, id, form, { errors: error.fieldErrors });
    }
  });

  app.post('/voice/petitions/:id/invalidate', { config: { access: 'signed-in' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const typed = (request.body ?? {}) as Form;
    const { form, errors } = signedTimes(typed);
    if (errors.length) return invalidatePage(request, reply, id, typed, { errors });
    try {
      // The count shown must still be the count removed: if more matched since the preview, show it again.
      const preview = await petitions.previewInvalidation(db, request.actor, id, form);
      if (form.expected !== undefined && form.expected !== String(preview.signatures)) return invalidatePage(request, reply, id, form, { preview, changed: true });
      await petitions.invalidateSignatures(db, request.actor, id, form);
      return reply.redirect(`/voice/petitions/${id}?notice=invalidated`, 303);
    } catch (error) {
      if (!isAppError(error) || !error.fieldErrors.length) throw error;
      const preview = error.fieldErrors.every((f) => f.field === 'reason') ? await petitions.previewInvalidation(db, request.actor, id, form) : undefined;
      return invalidatePage(request, reply, id, form, { errors: error.fieldErrors, preview });
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
