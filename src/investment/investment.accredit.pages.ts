// The site administrator's pages for a CDFI's accreditation (CITM2010: the Secretary of State accredits; a site
// administrator records it): the organisation chosen by its name (several of that name are offered as a
// choice), the period in GOV.UK date inputs (three years from the first day unless a last day is given), the
// CITR funding the application named and the certificate limit (125% of it unless a higher one was approved),
// then a check-your-answers page, then the CDFI's page, which shows all of them.
import type { FastifyReply } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { organisationsNamed } from '../organisations/organisations.service.ts';
import * as service from './investment.service.ts';

type Form = Record<string, string | undefined>;
type FieldErrors = { field: string; message: string }[];

/** The service's field names → the form's. */
const formField: Record<string, string> = { applicationPence: 'application', certificateLimitPence: 'limit' };

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const poundsValue = (pence: number): string => (pence / 100).toFixed(2);

export function accreditationPages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const admin = { config: { access: 'admin' } } as const;

  function formPage(reply: FastifyReply, values: Form, extra: { errors?: FieldErrors; choices?: { value: string; text: string; checked?: boolean }[]; status?: number; renews?: service.CdfiView | null } = {}) {
    return reply.page('investment/views/accredit.njk', { values, errors: extra.errors, choices: extra.choices, renews: extra.renews ?? null }, { status: extra.status, form: true });
  }

  // ?cdfi=<organisation id>: renew that CDFI's accreditation, the form filled in with what is recorded now.
  app.get('/investment/accreditation', admin, async (request, reply) => {
    const cdfiId = str((request.query as Form).cdfi);
    if (cdfiId) {
      const cdfi = await service.getCdfi(db, cdfiId);
      return formPage(reply, {
        organisation: cdfi.name, choice: cdfi.organisationId, application: poundsValue(cdfi.applicationPence), limit: poundsValue(cdfi.certificateLimitPence),
      }, { renews: cdfi, choices: [{ value: cdfi.organisationId, text: cdfi.name, checked: true }] });
    }
    return formPage(reply, {});
  });

  /** The organisation the form names: the one chosen, the one of that name, or the choices to offer. */
  async function chosen(form: Form): Promise<{ ref: string } | { errors: FieldErrors; choices?: { value: string; text: string }[] }> {
    const typed = str(form.organisation).slice(0, 200);
    const choice = str(form.choice);
    const named = typed ? await organisationsNamed(db, typed) : { exact: null, choices: [] };
    const found = named.exact ? [named.exact] : named.choices;
    if (choice && found.some((o) => o.id === choice)) return { ref: choice };
    if (!typed) return { errors: [{ field: 'organisation', message: 'Enter the name of the CDFI' }] };
    if (found.length === 0) return { errors: [{ field: 'organisation', message: `No organisation is registered as “${typed}”: check the spelling, or register it first` }] };
    if (found.length > 1) {
      return {
        errors: [{ field: 'choice', message: `${found.length} registered organisations match “${typed}”: choose one` }],
        choices: found.map((o) => ({ value: o.id, text: `${o.name}${o.identifiers.length ? ` (${o.identifiers.join(', ')})` : ''}` })),
      };
    }
    return { ref: found[0]!.id };
  }

  async function preview(actor: Actor, form: Form): Promise<{ preview: service.AccreditationPreview } | { errors: FieldErrors; choices?: { value: string; text: string }[]; status: number }> {
    const org = await chosen(form);
    const input = { organisation: 'ref' in org ? org.ref : '', accreditedFrom: form.accreditedFrom, accreditedTo: form.accreditedTo, applicationPence: form.application, certificateLimitPence: form.limit };
    try {
      const p = await service.previewAccreditation(db, actor, input, { pounds: true });
      if ('errors' in org) return { ...org, status: 400 };
      return { preview: p };
    } catch (error) {
      if (!isAppError(error) || error.code !== 'validation_failed') throw error;
      // Every field's error at once: the organisation's as the page found it, the others as the service did.
      const others = error.fieldErrors.filter((e) => e.field !== 'organisation').map((e) => ({ field: formField[e.field] ?? e.field, message: e.message }));
      return { errors: [...('errors' in org ? org.errors : []), ...others], choices: 'choices' in org ? org.choices : undefined, status: 400 };
    }
  }

  // The check-your-answers page (nothing is recorded); `change=yes` brings the form back filled in.
  app.post('/investment/accreditation/check', admin, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    if (form.change === 'yes') {
      const org = str(form.choice) ? await chosen(form) : null;
      return formPage(reply, form, { choices: org && 'ref' in org ? [{ value: org.ref, text: str(form.organisation), checked: true }] : undefined });
    }
    const result = await preview(request.actor, form);
    if ('errors' in result) return formPage(reply, form, { errors: result.errors, choices: result.choices?.map((c) => ({ ...c, checked: c.value === form.choice })), status: result.status });
    const p = result.preview;
    const hidden = [
      { name: 'organisation', value: p.name }, { name: 'choice', value: p.organisationId },
      { name: 'accreditedFrom', value: p.accreditedFrom }, { name: 'accreditedTo', value: p.accreditedTo },
      { name: 'application', value: poundsValue(p.applicationPence) }, { name: 'limit', value: poundsValue(p.certificateLimitPence) },
    ];
    return reply.page('investment/views/accredit-check.njk', { preview: p, hidden }, { form: true });
  });

  app.post('/investment/accreditation', admin, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const org = await chosen(form);
    if ('errors' in org) return formPage(reply, form, { errors: org.errors, choices: org.choices, status: 400 });
    try {
      const cdfi = await service.accreditCdfi(db, request.actor, { organisation: org.ref, accreditedFrom: form.accreditedFrom, accreditedTo: form.accreditedTo, applicationPence: form.application, certificateLimitPence: form.limit }, { pounds: true });
      return reply.redirect(`/investment/cdfis/${cdfi.organisationId}?notice=accredited`, 303);
    } catch (error) {
      if (!isAppError(error) || error.code !== 'validation_failed') throw error;
      return formPage(reply, form, { errors: error.fieldErrors.map((e) => ({ field: formField[e.field] ?? e.field, message: e.message })), status: 400 });
    }
  });
}
