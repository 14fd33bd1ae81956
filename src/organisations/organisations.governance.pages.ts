// The governance page an organisation's administrators fill in for its scorecard (issue 18).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import { isAppError, type FieldError } from '../platform/errors.ts';
import { getOrganisation } from './organisations.service.ts';
import { getGovernance, PROFIT_USE_LABELS, PROFIT_USES, setGovernance } from './organisations.governance.ts';

type Form = Record<string, string | undefined>;

export function governancePages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const adminOf = { roles: ['admin'] as const, organisation: async (r: { params: unknown }) => (await getOrganisation(db, (r.params as { slug: string }).slug)).id };

  async function page(request: FastifyRequest, reply: FastifyReply, extra: { values?: Form; errors?: FieldError[]; status?: number } = {}) {
    const org = await getOrganisation(db, (request.params as { slug: string }).slug);
    const g = await getGovernance(db, org.id);
    const values: Form = extra.values ?? (g ? {
      profitUse: g.profitUse, distributed: g.distributedPence === null ? '' : (g.distributedPence / 100).toFixed(2), distributedYear: g.distributedYear ?? '',
      payMultiple: g.payMultiple === null ? '' : String(g.payMultiple), highestPayBand: g.highestPayBand ?? '', boardSize: g.boardSize === null ? '' : String(g.boardSize),
      responseTargetDays: g.responseTargetDays === null ? '' : String(g.responseTargetDays),
    } : { profitUse: org.distributesProfit ? 'dividends' : org.sector === 'public' ? 'no-profit' : 'reinvested' });
    return reply.page('organisations/views/governance.njk', {
      org, values, errors: extra.errors, profitItems: PROFIT_USES.map((p) => ({ value: p, text: PROFIT_USE_LABELS[p], checked: p === values.profitUse })),
    }, { form: true, status: extra.status });
  }

  app.get('/organisations/:slug/governance', { config: { access: adminOf } }, async (request, reply) => page(request, reply));
  app.post('/organisations/:slug/governance', { config: { access: adminOf } }, async (request, reply) => {
    const org = await getOrganisation(db, (request.params as { slug: string }).slug);
    const form = (request.body ?? {}) as Form;
    try {
      await setGovernance(db, request.actor, org.id, form);
      return reply.redirect(`/scorecards/organisations/${org.slug}?notice=governance`, 303);
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') return page(request, reply, { values: form, errors: error.fieldErrors, status: 400 });
      throw error;
    }
  });
}
