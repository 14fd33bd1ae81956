// GOV.UK pages of grant programmes: the public list, each programme (with where it gives and the need there),
// its decisions and awards, and an Atom feed; applying (start, save and return, check your answers, submit);
// the funder's page of a programme (applications, assessors chosen by name, screening); assessing (a conflict
// of interest, or scores 0–5 with comments and a recommendation); the panel's decision; an award's page.
import type { FastifyReply } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError, isAppError } from '../platform/errors.ts';
import { sendAtom } from '../platform/atom.ts';
import { parseDateText } from '../platform/dates.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import { listLocalAuthorities } from '../places/places.service.ts';
import * as programmes from './grants.programmes.ts';
import * as applications from './grants.applications.ts';
import * as assessment from './grants.assessment.ts';
import * as awards from './grants.awards.ts';
import * as files from './grants.application-files.ts';
import { potsReceived } from './grants.chains.ts';
import { uploadedFilename } from '../platform/http.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Form = Record<string, string | string[] | undefined>;
type FieldErrors = { field: string; message: string }[];

function formErrors(error: unknown, field: string): { errors: FieldErrors; status: number } {
  if (!isAppError(error) || !['validation_failed', 'unprocessable', 'conflict'].includes(error.code)) throw error;
  return { errors: error.fieldErrors.length ? error.fieldErrors : [{ field, message: error.message }], status: error.status };
}

/** "1,250.50" → 125050 pence; anything else is left for the service to refuse by name. */
export function penceOf(v: unknown): number | string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return v === undefined ? undefined : '';
  const s = v.trim().replace(/^£/, '').replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return 'not-a-number';
  const [whole, frac = ''] = s.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

const parseDay = (s: string) => parseDateText(s) ?? s;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
const fieldOf = (f: string) => f.replace(/^answers\./, 'a_').replace(/^scores\./, 's_').replace(/^comments\./, 'c_').replace(/^amountPence$/, 'amount');

const statusTags: Record<string, { text: string; classes: string }> = {
  draft: { text: 'Draft', classes: 'govuk-tag--grey' }, submitted: { text: 'Submitted', classes: 'govuk-tag--blue' },
  eligible: { text: 'Being assessed', classes: 'govuk-tag--light-blue' }, ineligible: { text: 'Not eligible', classes: 'govuk-tag--orange' },
  awarded: { text: 'Awarded', classes: 'govuk-tag--green' }, declined: { text: 'Declined', classes: 'govuk-tag--red' },
  open: { text: 'Open', classes: 'govuk-tag--green' }, upcoming: { text: 'Opens soon', classes: 'govuk-tag--blue' }, closed: { text: 'Closed', classes: 'govuk-tag--grey' },
};

export function grantsProgrammesPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/grants/programmes', async (request, reply) => {
    const q = request.query as Form;
    const las = await listLocalAuthorities(db);
    const list = await programmes.listProgrammes(db, { q: one(q.q) || null, laCode: one(q.la) || null, open: one(q.open) === 'yes' });
    return reply.page('grants/views/programmes.njk', {
      programmes: list, statusTags, values: { q: one(q.q), la: one(q.la), open: one(q.open) }, signedIn: !!request.actor.userId,
      laItems: [{ value: '', text: 'Anywhere' }, ...las.map((l) => ({ value: l.code, text: l.name, selected: l.code === one(q.la) }))],
      feedLinks: [{ href: '/grants/programmes.atom', title: 'New grant programmes (Atom)' }],
    });
  });

  app.get('/grants/programmes.atom', async (_request, reply) => {
    const list = await programmes.listProgrammes(db);
    const base = ctx.config.baseUrl;
    return sendAtom(reply, {
      id: `${base}/grants/programmes`, title: 'Grant programmes on Commonweal', link: `${base}/grants/programmes`, selfLink: `${base}/grants/programmes.atom`,
      fallbackUpdated: new Date(0),
      entries: list.slice(0, 100).map((p) => ({
        id: `${base}/grants/programmes/${p.id}`, title: `${p.funder.name}: ${p.title}`, link: `${base}/grants/programmes/${p.id}`, updated: p.createdAt, published: p.createdAt,
        author: { name: p.funder.name }, summary: `${programmes.poundsText(p.minPence)} to ${programmes.poundsText(p.maxPence)}; open ${p.opensOn} to ${p.closesOn}. ${p.purpose}`.slice(0, 1000),
      })),
    });
  });

  async function newProgrammePage(reply: FastifyReply, actor: Actor, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to open a programme');
    const held = await rolesByOrganisation(db, actor.userId);
    const ids = [...held.entries()].filter(([, r]) => r.some((x) => (programmes.PROGRAMME_ROLES as readonly string[]).includes(x))).map(([id]) => id);
    if (!ids.length) throw new AppError('forbidden', 'Only the staff of a verified funder open grant programmes');
    const names = await organisationNames(db, ids);
    const v = extra.values ?? {};
    const funder = one(v.funder) || ids[0]!;
    const people = ids.includes(funder) ? await programmes.funderPeopleOf(db, actor, funder) : [];
    const pots = ids.includes(funder) ? await potsReceived(db, funder) : [];
    const types = ([] as string[]).concat(v.recipientTypes ?? []);
    return reply.page('grants/views/programme-new.njk', {
      values: v, errors: extra.errors,
      funderItems: ids.map((id) => ({ value: id, text: names.get(id)?.name ?? id, selected: id === funder })),
      typeItems: programmes.RECIPIENT_TYPES.map((t) => ({ value: t, text: programmes.recipientTypeLabels[t], checked: types.includes(t) })),
      chairItems: [{ value: '', text: 'No panel chair' }, ...people.map((x) => ({ value: x.id, text: x.name, selected: one(v.panelChair) === x.id }))],
      potItems: [{ value: '', text: 'None' }, ...pots.map((x) => ({ value: x.key, text: `${x.title} (${x.funder}, ${programmes.poundsText(x.amountMinor)})`, selected: one(v.pot) === x.key }))],
    }, { status: extra.status, form: true });
  }

  app.get('/grants/programmes/new', { config: { access: 'signed-in' } }, async (request, reply) => newProgrammePage(reply, request.actor));

  // Opening a programme takes two steps: the form, then a check of everything on one page (GOV.UK check answers,
  // a Change button a row that brings the form back filled in, at its field) before it is opened and public. The
  // check page carries the form's fields as hidden inputs: nothing is kept until the programme is opened.
  app.post('/grants/programmes/new', { config: { access: 'signed-in' } }, async (request, reply) => {
    const sent = (request.body ?? {}) as Form;
    const { confirm, change, ...form } = sent;
    if (one(change)) return newProgrammePage(reply, request.actor, { values: form });
    try {
      const errors: FieldErrors = [];
      const areas: string[] = [];
      const las = await listLocalAuthorities(db);
      for (const [i, line] of one(form.areas).split(/\r?\n/).map((l) => l.trim()).entries()) {
        if (!line) continue;
        const found = las.find((l) => l.name.toLowerCase() === line.toLowerCase() || l.code === line.toUpperCase());
        if (!found) {
          const close = las.filter((l) => l.name.toLowerCase().includes(line.toLowerCase())).slice(0, 3).map((l) => l.name);
          errors.push({ field: 'areas', message: `Line ${i + 1}: no local authority is called “${line.slice(0, 60)}”${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}` });
        } else areas.push(found.code);
      }
      const questions = one(form.questions).split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((line) => {
        const m = /^(\w+)\s*:\s*(.*)$/.exec(line);
        const [label, ...choices] = (m ? m[2]! : line).split('|').map((x) => x.trim());
        return { kind: m ? m[1]!.toLowerCase() : 'text', label, choices };
      });
      const criteria = one(form.criteria).split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((line) => {
        const m = /^(\d+)\s*:\s*(.*)$/.exec(line);
        return m ? { weight: Number(m[1]), label: m[2] } : { weight: 0, label: line };
      });
      const pence = (f: string) => { const p = penceOf(one(form[f])); return p === 'not-a-number' || p === '' ? -1 : p; };
      const input = {
        funder: one(form.funder), title: one(form.title), purpose: one(form.purpose), areas, recipientTypes: ([] as string[]).concat(form.recipientTypes ?? []),
        minPence: pence('min'), maxPence: pence('max'), budgetPence: pence('budget'), opensOn: parseDay(one(form.opensOn)), closesOn: parseDay(one(form.closesOn)),
        questions, criteria, panelChair: one(form.panelChair) || undefined, pot: one(form.pot) || undefined,
      };
      try {
        await programmes.checkProgrammeInput(db, input);
      } catch (error) {
        if (isAppError(error)) errors.push(...error.fieldErrors.filter((e) => e.field !== 'areas' || !errors.length));
        else throw error;
      }
      if (errors.length) throw AppError.validation(errors);
      if (one(confirm) !== 'yes') return programmeCheckPage(reply, form, await programmes.prepareProgramme(db, request.actor, input), las);
      const p = await programmes.openProgramme(ctx, request.actor, input);
      return reply.redirect(`/grants/programmes/${p.id}/manage?notice=opened`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'title');
      const map: Record<string, string> = { minPence: 'min', maxPence: 'max', budgetPence: 'budget' };
      return newProgrammePage(reply, request.actor, { values: form, errors: errors.map((e) => ({ ...e, field: map[e.field] ?? e.field })), status });
    }
  });

  async function programmeCheckPage(reply: FastifyReply, form: Form, ready: Awaited<ReturnType<typeof programmes.prepareProgramme>>, las: Awaited<ReturnType<typeof listLocalAuthorities>>) {
    const p = ready.programme;
    const names = new Map(las.map((l) => [l.code, l.name]));
    const longDate = (d: string) => new Date(`${d}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    const rows: { key: string; field: string; lines: string[] }[] = [
      { key: 'Funder', field: 'funder', lines: [ready.funder.name] },
      { key: 'Name of the programme', field: 'title', lines: [p.title] },
      { key: 'What it is for', field: 'purpose', lines: p.purpose.split(/\r?\n/).filter(Boolean) },
      { key: 'Where it gives', field: 'areas', lines: p.areas.length ? p.areas.map((c) => names.get(c) ?? c) : ['Anywhere'] },
      { key: 'Who can apply', field: 'recipientTypes', lines: p.recipientTypes.map((t) => programmes.recipientTypeLabels[t as programmes.RecipientType] ?? t) },
      { key: 'Grants', field: 'min', lines: [`${programmes.poundsText(p.minPence)} to ${programmes.poundsText(p.maxPence)}`] },
      { key: 'Budget', field: 'budget', lines: [programmes.poundsText(p.budgetPence)] },
      { key: 'Open', field: 'opensOn', lines: [`${longDate(p.opensOn)} to ${longDate(p.closesOn)} (the last day applications are taken)`] },
      { key: 'Questions', field: 'questions', lines: p.questions.length ? p.questions.map((q) => `${programmes.questionKindLabels[q.kind]}: ${q.label}${q.kind === 'choice' ? ` (${q.choices.join(', ')})` : ''}`) : ['None besides the title, the amount and the postcode'] },
      { key: 'Assessment criteria', field: 'criteria', lines: p.criteria.map((c) => `${c.label} (weight ${c.weight})`) },
      { key: 'Panel chair', field: 'panelChair', lines: [ready.panelChairName ?? 'None: the funder’s staff decide'] },
      ...(ready.potTitle ? [{ key: 'Pot it draws on', field: 'pot', lines: [ready.potTitle] }] : []),
    ];
    const hidden = Object.entries(form).flatMap(([name, v]) => ([] as string[]).concat(v ?? []).map((value) => ({ name, value })));
    return reply.page('grants/views/programme-check.njk', { rows, hidden, funder: ready.funder.name, opensNow: p.opensOn <= programmes.today() }, { form: true });
  }

  app.get('/grants/programmes/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const p = await programmes.getProgramme(db, id);
    const decisions = await awards.programmeDecisions(db, p.id);
    const runs = await programmes.runsProgramme(db, request.actor, { organisation_id: p.funder.id });
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    return reply.page('grants/views/programme.njk', {
      p, decisions, statusTags, runs, signedIn: !!request.actor.userId, notice: one((request.query as Form).notice),
      whoCanApply: p.recipientTypes.map((t) => t.label).join('; '),
      areaRows: p.areas.map((a) => [{ text: a.name }, { text: a.areas.toLocaleString('en-GB'), format: 'numeric' }, { text: `${a.inDecile1.toLocaleString('en-GB')} (${pct(a.shareInDecile1)})`, format: 'numeric' }, { text: a.population.toLocaleString('en-GB'), format: 'numeric' }]),
      criterionRows: p.criteria.map((c) => [{ text: c.label }, { text: String(c.weight), format: 'numeric' }]),
      awardRows: decisions.awards.map((w) => [{ html: `<a class="govuk-link" href="/grants/awards/${w.awardId}">${escapeHtml(w.recipient)}</a>` }, { text: w.title }, { text: programmes.poundsText(w.amountPence), format: 'numeric' }, { text: w.decidedOn }, { text: w.reasons }]),
    });
  });

  app.post('/grants/programmes/alerts', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await programmes.saveProgrammeAlert(db, request.actor, { words: one(form.words), laCode: one(form.laCode) });
      return reply.redirect('/grants/programmes/alerts?notice=saved', 303);
    } catch (error) {
      const { errors } = formErrors(error, 'words');
      throw AppError.validation(errors);
    }
  });

  // A person's alerts: each listed in words, each deleted by its own button.
  const alertNotices: Record<string, string> = { saved: 'Your alert is saved: you will get an email when a programme matching it opens.', deleted: 'The alert is deleted: you will get no more emails from it.' };
  app.get('/grants/programmes/alerts', async (request, reply) => {
    if (!request.actor.userId) throw new AppError('unauthenticated', 'Sign in to see your alerts');
    const alerts = await programmes.myProgrammeAlerts(db, request.actor);
    const notice = alertNotices[one((request.query as Form).notice)] ?? null;
    return reply.page('grants/views/programme-alerts.njk', { alerts: alerts.map((a) => ({ ...a, label: programmes.alertLabel(a), search: `/grants/programmes?${new URLSearchParams({ ...(a.words ? { q: a.words } : {}), ...(a.laCode ? { la: a.laCode } : {}) })}` })), notice });
  });

  app.post('/grants/programmes/alerts/:id/delete', { config: { access: 'signed-in' } }, async (request, reply) => {
    await programmes.deleteProgrammeAlert(db, request.actor, (request.params as { id: string }).id);
    return reply.redirect('/grants/programmes/alerts?notice=deleted', 303);
  });

  // One-click unsubscribe from an alert email: no sign-in. Opening the link shows a button (link checkers and
  // mail scanners that open it change nothing); pressing it deletes the alert.
  app.get('/grants/programmes/alerts/unsubscribe', async (request, reply) => {
    const token = one((request.query as Form).token);
    const alert = await programmes.alertToUnsubscribe(db, token);
    return reply.page('grants/views/programme-alert-unsubscribe.njk', { alert: alert ? { ...alert, label: programmes.alertLabel(alert) } : null, token }, { status: alert ? 200 : 404, form: !!alert });
  });

  app.post('/grants/programmes/alerts/unsubscribe', { config: { access: 'public', rateLimit: { max: 30, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const alert = await programmes.unsubscribeAlert(db, request.actor, one(((request.body ?? {}) as Form).token));
    return reply.page('grants/views/programme-alert-unsubscribe.njk', { done: true, alert: { ...alert, label: programmes.alertLabel(alert) }, signedIn: !!request.actor.userId });
  });

  // ---- applying ----

  async function startPage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const p = await programmes.getProgramme(db, id);
    if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to apply');
    const held = await rolesByOrganisation(db, actor.userId);
    const names = await organisationNames(db, [...held.keys()]);
    const orgItems: Record<string, unknown>[] = [...held.keys()].map((o) => ({ value: o, text: names.get(o)?.name ?? o, checked: one(extra.values?.organisation) === o }));
    if (orgItems.length) orgItems.push({ divider: 'or' });
    return reply.page('grants/views/apply-start.njk', { p, whoCanApply: p.recipientTypes.map((t) => t.label).join('; '), values: extra.values ?? {}, errors: extra.errors, orgItems }, { status: extra.status, form: true });
  }

  app.get('/grants/programmes/:id/apply', { config: { access: 'signed-in' } }, async (request, reply) => startPage(reply, request.actor, (request.params as { id: string }).id));

  app.post('/grants/programmes/:id/applications', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = (request.body ?? {}) as Form;
    const org = one(form.organisation);
    try {
      const made = await applications.startApplication(ctx, request.actor, id, org && org !== 'group'
        ? { organisation: org }
        : { groupName: one(form.groupName), bankAccount: one(form.bankAccount), signatories: [one(form.signatory1), one(form.signatory2)], signatoriesUnrelated: one(form.unrelated) });
      return reply.redirect(`/grants/applications/${made.id}`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'organisation');
      return startPage(reply, request.actor, id, { values: form, errors: errors.map((e) => ({ ...e, field: e.field === 'signatories' ? 'signatory1' : e.field })), status });
    }
  });

  async function applicationPage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number; notice?: string } = {}) {
    const a = await applications.getApplication(db, actor, id);
    if (a.role !== 'applicant' && a.role !== 'co-applicant') return reply.redirect(`/grants/applications/${a.id}/${a.role === 'assessor' ? 'assess' : a.role === 'panel-chair' ? 'decide' : 'screen'}`, 303);
    const v = extra.values;
    const answers = a.answers;
    const questions = a.programme.questions.map((q) => {
      const name = `a_${q.key}`;
      const given = v ? v[name] : undefined;
      const budget = q.kind === 'budget' ? (Array.isArray(answers[q.key]) ? answers[q.key] as { item: string; pence: number }[] : []) : [];
      return {
        ...q, name, value: given !== undefined ? one(given) : typeof answers[q.key] === 'string' ? answers[q.key] : '',
        rows: [0, 1, 2, 3, 4].map((i) => ({ item: v ? one(v[`${name}_item_${i}`]) : budget[i]?.item ?? '', amount: v ? one(v[`${name}_amount_${i}`]) : budget[i] ? (budget[i]!.pence / 100).toFixed(2) : '' })),
        items: q.choices.map((c) => ({ value: c, text: c, checked: (given !== undefined ? one(given) : answers[q.key]) === c })),
        file: q.kind === 'file' ? a.files[q.key] ?? null : null,
      };
    });
    const equality = await applications.equalityAnswers(db, actor, id);
    return reply.page('grants/views/application.njk', {
      a, questions, statusTags, errors: extra.errors, notice: extra.notice,
      values: { title: v ? one(v.title) : a.title, amount: v ? one(v.amount) : a.amountPence ? (a.amountPence / 100).toFixed(2) : '', postcode: v ? one(v.postcode) : a.postcode ?? '' },
      equality: applications.EQUALITY_QUESTIONS.map((q) => ({ ...q, items: q.choices.map((c) => ({ value: c, text: c, checked: (v ? one(v[`e_${q.key}`]) : equality[q.key]) === c })) })),
    }, { status: extra.status, form: true });
  }

  app.get('/grants/applications/:id', { config: { access: 'signed-in' } }, async (request, reply) => {
    const notice = one((request.query as Form).notice);
    const notices: Record<string, string> = { saved: 'Your answers are saved. You can come back to them at any time before the programme closes.', invited: 'The co-applicant is invited by email.', 'file-uploaded': 'The file is uploaded and saved with your application.', 'file-removed': 'The file is removed.' };
    return applicationPage(reply, request.actor, (request.params as { id: string }).id, { notice: notices[notice] });
  });

  app.post('/grants/applications/:id', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = (request.body ?? {}) as Form;
    try {
      if (one(form.action) === 'invite') {
        await applications.inviteCoApplicant(ctx, request.actor, id, one(form.email));
        return reply.redirect(`/grants/applications/${id}?notice=invited`, 303);
      }
      const a = await applications.getApplication(db, request.actor, id);
      const answers: Record<string, unknown> = {};
      for (const q of a.programme.questions) {
        if (q.kind === 'file') continue;
        if (q.kind === 'budget') {
          answers[q.key] = [0, 1, 2, 3, 4].map((i) => ({ item: one(form[`a_${q.key}_item_${i}`]), pence: penceOf(one(form[`a_${q.key}_amount_${i}`])) })).filter((r) => r.item || r.pence !== '');
        } else answers[q.key] = one(form[`a_${q.key}`]);
      }
      const amount = penceOf(one(form.amount));
      await applications.saveAnswers(ctx, request.actor, id, { title: one(form.title), amountPence: amount === 'not-a-number' ? -1 : amount, postcode: one(form.postcode), answers });
      const equality: Record<string, unknown> = {};
      for (const q of applications.EQUALITY_QUESTIONS) equality[q.key] = one(form[`e_${q.key}`]);
      await applications.saveEquality(ctx, request.actor, id, equality);
      const fileKey = /^file:(.+)$/.exec(one(form.action))?.[1];
      if (fileKey && a.programme.questions.some((q) => q.kind === 'file' && q.key === fileKey)) return reply.redirect(`/grants/applications/${id}/files/${encodeURIComponent(fileKey)}`, 303);
      return reply.redirect(one(form.action) === 'check' ? `/grants/applications/${id}/check` : `/grants/applications/${id}?notice=saved`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'title');
      return applicationPage(reply, request.actor, id, { values: form, errors: errors.map((e) => ({ ...e, field: fieldOf(e.field) })), status });
    }
  });

  async function checkPage(reply: FastifyReply, actor: Actor, id: string, extra: { errors?: FieldErrors; status?: number } = {}) {
    const a = await applications.getApplication(db, actor, id);
    const rows = [
      { key: { text: 'Applicant' }, value: { text: `${a.applicant.name} (${a.applicant.typeLabel})` } },
      { key: { text: 'Project title' }, value: { text: a.title || 'Not given' }, actions: { items: [{ href: `/grants/applications/${a.id}#title`, text: 'Change', visuallyHiddenText: 'project title' }] } },
      { key: { text: 'Amount asked for' }, value: { text: a.amountPence ? programmes.poundsText(a.amountPence) : 'Not given' }, actions: { items: [{ href: `/grants/applications/${a.id}#amount`, text: 'Change', visuallyHiddenText: 'amount' }] } },
      { key: { text: 'Where the work happens' }, value: { text: a.postcode ?? 'Not given' }, actions: { items: [{ href: `/grants/applications/${a.id}#postcode`, text: 'Change', visuallyHiddenText: 'postcode' }] } },
      ...a.programme.questions.map((q) => {
        if (q.kind === 'file') {
          const f = a.files[q.key];
          return { key: { text: q.label }, value: { text: f ? `${f.filename} (${f.sizeText})` : 'Not uploaded' }, actions: { items: [{ href: `/grants/applications/${a.id}/files/${q.key}?from=check`, text: 'Change', visuallyHiddenText: q.label }] } };
        }
        const v = a.answers[q.key];
        const text = Array.isArray(v) ? (v as { item: string; pence: number }[]).map((r) => `${r.item}: ${programmes.poundsText(r.pence)}`).join('; ') : typeof v === 'string' ? v : 'Not answered';
        return { key: { text: q.label }, value: { text }, actions: { items: [{ href: `/grants/applications/${a.id}#a_${q.key}`, text: 'Change', visuallyHiddenText: q.label }] } };
      }),
    ];
    return reply.page('grants/views/application-check.njk', { a, rows, errors: extra.errors ?? (a.missing.length ? a.missing.map((e) => ({ ...e, field: fieldOf(e.field) })) : undefined) }, { status: extra.status, form: true });
  }

  app.get('/grants/applications/:id/check', { config: { access: 'signed-in' } }, async (request, reply) => checkPage(reply, request.actor, (request.params as { id: string }).id));

  app.post('/grants/applications/:id/submit', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    try {
      const done = await applications.submitApplication(ctx, request.actor, id);
      return reply.page('grants/views/application-done.njk', { done, a: await applications.getApplication(db, request.actor, id) });
    } catch (error) {
      const { errors, status } = formErrors(error, 'submit');
      return checkPage(reply, request.actor, id, { errors: errors.map((e) => ({ ...e, field: fieldOf(e.field) })), status });
    }
  });

  // ---- the file of a `file` question: its own page (upload, replace, remove), and its download ----

  const fileLimitText = files.sizeText(files.APPLICATION_FILE_MAX_BYTES);
  async function filePage(reply: FastifyReply, actor: Actor, id: string, key: string, extra: { errors?: FieldErrors; status?: number; from?: string; notice?: string } = {}) {
    const a = await applications.getApplication(db, actor, id);
    if (a.role !== 'applicant' && a.role !== 'co-applicant') throw new AppError('not_found', 'No such application');
    const q = a.programme.questions.find((x) => x.kind === 'file' && x.key === key);
    if (!q) throw new AppError('not_found', 'This application has no such file question');
    return reply.page('grants/views/application-file.njk', {
      a, q, file: a.files[q.key] ?? null, errors: extra.errors, notice: extra.notice, from: extra.from === 'check' ? 'check' : '',
      allowedTypes: files.ALLOWED_TYPES_TEXT, limitText: fileLimitText,
    }, { status: extra.status, form: true });
  }
  const fileParams = (request: { params: unknown }) => request.params as { id: string; key: string };
  const backTo = (id: string, from: string, notice: string, key: string) => from === 'check' ? `/grants/applications/${id}/check` : `/grants/applications/${id}?notice=${notice}#a_${key}`;

  app.get('/grants/applications/:id/files/:key', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id, key } = fileParams(request);
    return filePage(reply, request.actor, id, key, { from: one((request.query as Form).from) });
  });

  // A file past the form's limit is refused while the form is read, before this route runs: its error handler
  // shows the page again with the question named, as for any other refused file.
  app.post('/grants/applications/:id/files/:key', {
    config: { access: 'signed-in' },
    errorHandler: async (error, request, reply) => {
      const e = error as { code?: string };
      if (e.code !== 'FST_REQ_FILE_TOO_LARGE' || !request.user) throw error;
      const { id, key } = fileParams(request);
      if (!request.raw.complete) reply.header('connection', 'close');
      const q = (await applications.getApplication(db, request.actor, id)).programme.questions.find((x) => x.key === key);
      return filePage(reply, request.actor, id, key, { errors: [{ field: 'file', message: `${q?.label ?? 'The file'}: the file is larger than ${fileLimitText}; it must be ${fileLimitText} or less` }], status: 413 });
    },
  }, async (request, reply) => {
    const { id, key } = fileParams(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const from = typeof body.from === 'string' ? body.from : '';
    try {
      const bytes = Buffer.isBuffer(body.file) ? body.file : null;
      await files.uploadApplicationFile(ctx, request.actor, id, key, { bytes, filename: uploadedFilename(request) });
      return reply.redirect(backTo(id, from, 'file-uploaded', key), 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'file');
      return filePage(reply, request.actor, id, key, { errors: errors.map((e) => ({ ...e, field: 'file' })), status, from });
    }
  });

  app.post('/grants/applications/:id/files/:key/remove', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id, key } = fileParams(request);
    const from = one(((request.body ?? {}) as Form).from);
    await files.removeApplicationFile(ctx, request.actor, id, key);
    return reply.redirect(backTo(id, from, 'file-removed', key), 303);
  });

  // Never shown in the browser: an attachment, its type as found from its bytes, no sniffing, no scripts.
  app.get('/grants/applications/:id/files/:key/download', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id, key } = fileParams(request);
    const f = await files.downloadApplicationFile(db, request.actor, id, key);
    return reply
      .header('content-type', f.contentType.startsWith('text/') ? `${f.contentType}; charset=utf-8` : f.contentType)
      .header('content-disposition', contentDisposition(f.filename))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, no-store')
      .header('content-length', String(f.sizeBytes))
      .send(f.bytes);
  });

  app.get('/grants/applications', { config: { access: 'signed-in' } }, async (request, reply) => {
    return reply.page('grants/views/my-applications.njk', { list: await applications.myApplications(db, request.actor), statusTags });
  });

  // ---- the funder: applications, assessors, screening ----

  async function managePage(reply: FastifyReply, actor: Actor, id: string, extra: { errors?: FieldErrors; status?: number; notice?: string } = {}) {
    const p = await programmes.getProgramme(db, id);
    const [list, assessors, people] = await Promise.all([applications.programmeApplications(db, actor, id), programmes.programmeAssessors(db, actor, id), programmes.funderPeople(db, actor, id)]);
    const chosen = new Set(assessors.map((a) => a.id));
    return reply.page('grants/views/programme-manage.njk', {
      p, list, assessors, statusTags, errors: extra.errors, notice: extra.notice,
      peopleItems: [{ value: '', text: 'Choose a person' }, ...people.filter((x) => !chosen.has(x.id)).map((x) => ({ value: x.id, text: `${x.name} (${x.email})` }))],
    }, { status: extra.status, form: true });
  }

  app.get('/grants/programmes/:id/manage', { config: { access: 'signed-in' } }, async (request, reply) => managePage(reply, request.actor, (request.params as { id: string }).id, { notice: ({ added: 'The assessor is added.', opened: 'The programme is open and public. Add its assessors here.' } as Record<string, string>)[one((request.query as Form).notice)] }));

  app.post('/grants/programmes/:id/assessors', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    try {
      await programmes.addAssessor(ctx, request.actor, id, one(((request.body ?? {}) as Form).assessor));
      return reply.redirect(`/grants/programmes/${id}/manage?notice=added`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'assessor');
      return managePage(reply, request.actor, id, { errors, status });
    }
  });

  async function screenPage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const a = await applications.getApplication(db, actor, id);
    if (a.role !== 'funder') throw new AppError('forbidden', 'Only the funder’s staff screen applications');
    return reply.page('grants/views/application-screen.njk', { a, answers: answerRows(a), statusTags, values: extra.values ?? {}, errors: extra.errors }, { status: extra.status, form: true });
  }

  app.get('/grants/applications/:id/screen', { config: { access: 'signed-in' } }, async (request, reply) => screenPage(reply, request.actor, (request.params as { id: string }).id));

  app.post('/grants/applications/:id/screen', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = (request.body ?? {}) as Form;
    try {
      await assessment.screenApplication(ctx, request.actor, id, { eligible: one(form.eligible), reason: one(form.reason) });
      const a = await applications.getApplication(db, request.actor, id);
      return reply.redirect(`/grants/programmes/${a.programme.id}/manage`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'eligible');
      return screenPage(reply, request.actor, id, { values: form, errors, status });
    }
  });

  // ---- assessing ----

  async function assessPage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const a = await applications.getApplication(db, actor, id);
    if (a.role !== 'assessor') throw new AppError('forbidden', 'Only the programme’s assessors assess its applications');
    const summary = await assessment.assessmentsOf(db, actor, id);
    const mine = summary.assessments[0] ?? null;
    const v = extra.values ?? {};
    const p = await programmes.getProgramme(db, a.programme.id);
    return reply.page('grants/views/application-assess.njk', {
      a, answers: answerRows(a), mine, errors: extra.errors, values: v,
      criteria: p.criteria.map((c) => ({ ...c, items: [0, 1, 2, 3, 4, 5].map((n) => ({ value: String(n), text: String(n), checked: (v[`s_${c.key}`] !== undefined ? one(v[`s_${c.key}`]) : mine?.scores[c.key]?.score?.toString()) === String(n) })), comment: v[`c_${c.key}`] !== undefined ? one(v[`c_${c.key}`]) : mine?.scores[c.key]?.comment ?? '' })),
      recItems: [['yes', 'Yes, fund it'], ['maybe', 'Maybe'], ['no', 'No']].map(([value, text]) => ({ value, text, checked: (v.recommendation !== undefined ? one(v.recommendation) : mine?.recommendation) === value })),
    }, { status: extra.status, form: true });
  }

  app.get('/grants/applications/:id/assess', { config: { access: 'signed-in' } }, async (request, reply) => assessPage(reply, request.actor, (request.params as { id: string }).id));

  app.post('/grants/applications/:id/assess', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = (request.body ?? {}) as Form;
    try {
      if (one(form.action) === 'conflict') {
        await assessment.declareConflict(ctx, request.actor, id, one(form.conflictReason));
      } else {
        const p = (await applications.getApplication(db, request.actor, id)).programme;
        const prog = await programmes.getProgramme(db, p.id);
        const scores: Record<string, string> = {};
        const comments: Record<string, string> = {};
        for (const c of prog.criteria) { scores[c.key] = one(form[`s_${c.key}`]); comments[c.key] = one(form[`c_${c.key}`]); }
        await assessment.scoreApplication(ctx, request.actor, id, { scores, comments, recommendation: one(form.recommendation) });
      }
      return reply.redirect('/inbox', 303);
    } catch (error) {
      const { errors, status } = formErrors(error, one(form.action) === 'conflict' ? 'conflictReason' : 'recommendation');
      return assessPage(reply, request.actor, id, { values: form, errors: errors.map((e) => ({ ...e, field: e.field === 'reason' ? 'conflictReason' : fieldOf(e.field) })), status });
    }
  });

  // ---- the panel ----

  async function decidePage(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const a = await applications.getApplication(db, actor, id);
    if (a.role !== 'panel-chair' && a.role !== 'funder') throw new AppError('forbidden', 'Only the programme’s panel chair records its decisions');
    const summary = await assessment.assessmentsOf(db, actor, id);
    const p = await programmes.getProgramme(db, a.programme.id);
    const v = extra.values ?? {};
    return reply.page('grants/views/application-decide.njk', {
      a, p, answers: answerRows(a), summary, errors: extra.errors, statusTags,
      values: { amount: v.amount !== undefined ? one(v.amount) : a.amountPence ? (a.amountPence / 100).toFixed(2) : '', reasons: one(v.reasons), feedback: one(v.feedback), conditions: one(v.conditions), instalments: one(v.instalments) || '1', months: one(v.months) || '12' },
      decisionItems: [['award', 'Award a grant'], ['decline', 'Decline']].map(([value, text]) => ({ value, text, checked: one(v.decision) === value })),
    }, { status: extra.status, form: true });
  }

  app.get('/grants/applications/:id/decide', { config: { access: 'signed-in' } }, async (request, reply) => decidePage(reply, request.actor, (request.params as { id: string }).id));

  app.post('/grants/applications/:id/decide', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = (request.body ?? {}) as Form;
    try {
      const amount = penceOf(one(form.amount));
      const done = await awards.decideApplication(ctx, request.actor, id, {
        decision: one(form.decision), amountPence: one(form.decision) === 'award' ? (amount === 'not-a-number' ? -1 : amount) : undefined, reasons: one(form.reasons),
        feedback: one(form.feedback), conditions: one(form.conditions), instalments: one(form.instalments), months: one(form.months),
      });
      const a = await applications.getApplication(db, request.actor, id);
      return reply.redirect(done.award ? `/grants/awards/${done.award.id}` : `/grants/programmes/${a.programme.id}?notice=decided`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'decision');
      return decidePage(reply, request.actor, id, { values: form, errors: errors.map((e) => ({ ...e, field: fieldOf(e.field) })), status });
    }
  });

  // ---- an award (public) ----

  const awardNotices: Record<string, string> = { paid: 'The payment is recorded.', reported: 'Your report is sent to the funder.', varied: 'The variation is recorded.', closed: 'The grant is closed.' };

  async function awardPage(reply: FastifyReply, actor: Actor, id: string, extra: { errors?: FieldErrors; status?: number; notice?: string; values?: Form } = {}) {
    const w = await awards.getAward(db, actor, id);
    return reply.page('grants/views/award.njk', { w, statusTags, errors: extra.errors, notice: extra.notice ? awardNotices[extra.notice] : undefined, values: extra.values ?? {} }, { status: extra.status, form: w.canManage || w.isRecipient });
  }

  app.get('/grants/awards/:id', async (request, reply) => awardPage(reply, request.actor, (request.params as { id: string }).id, { notice: one((request.query as Form).notice) }));

  const awardAction = (path: string, field: string, run: (actor: Actor, id: string, n: number, form: Form) => Promise<unknown>, notice: string) => {
    app.post(path, { config: { access: 'signed-in' } }, async (request, reply) => {
      const { id, number } = request.params as { id: string; number?: string };
      const form = (request.body ?? {}) as Form;
      try {
        await run(request.actor, id, Number(number ?? 0), form);
        return reply.redirect(`/grants/awards/${id}?notice=${notice}`, 303);
      } catch (error) {
        const { errors, status } = formErrors(error, field);
        return awardPage(reply, request.actor, id, { errors, status, values: form });
      }
    });
  };
  awardAction('/grants/awards/:id/payments/:number', 'paidOn', (actor, id, n, form) => awards.recordPayment(ctx, actor, id, n, { paidOn: one(form.paidOn) ? parseDay(one(form.paidOn)) : '' }), 'paid');
  awardAction('/grants/awards/:id/reports/:number', 'text', (actor, id, n, form) => awards.submitReport(ctx, actor, id, n, { text: one(form.text) }), 'reported');
  awardAction('/grants/awards/:id/variations', 'reason', (actor, id, _n, form) => awards.varyAward(ctx, actor, id, { reason: one(form.reason), conditions: form.conditions === undefined ? undefined : one(form.conditions) }), 'varied');
  awardAction('/grants/awards/:id/close', 'close', (actor, id) => awards.closeAward(ctx, actor, id), 'closed');
}

/** `attachment`, with an ASCII name for old clients and the exact name in RFC 5987 form for the rest. */
export function contentDisposition(filename: string): string {
  const fallback = filename.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\%;]/g, '_').trim() || 'file';
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function answerRows(a: applications.ApplicationView) {
  return [
    { key: { text: 'Applicant' }, value: { text: `${a.applicant.name} (${a.applicant.typeLabel})` } },
    { key: { text: 'Project title' }, value: { text: a.title } },
    { key: { text: 'Amount asked for' }, value: { text: a.amountPence ? programmes.poundsText(a.amountPence) : 'Not given' } },
    { key: { text: 'Where the work happens' }, value: { text: `${a.postcode ?? 'Not given'}${a.areaCode ? ` (small area ${a.areaCode})` : ''}` } },
    ...a.programme.questions.map((q) => {
      if (q.kind === 'file') {
        const f = a.files[q.key];
        if (!f) return { key: { text: q.label }, value: { text: 'No file uploaded' } };
        if (!a.mayDownloadFiles) return { key: { text: q.label }, value: { text: `${f.filename} (${f.sizeText}): not open to you, as you declared a conflict of interest` } };
        return { key: { text: q.label }, value: { html: `<a class="govuk-link" href="/grants/applications/${a.id}/files/${q.key}/download">${escapeHtml(f.filename)}</a> (${f.sizeText})` } };
      }
      const v = a.answers[q.key];
      return { key: { text: q.label }, value: { text: Array.isArray(v) ? (v as { item: string; pence: number }[]).map((r) => `${r.item}: ${programmes.poundsText(r.pence)}`).join('; ') : typeof v === 'string' ? v : 'Not answered' } };
    }),
  ];
}
