// A published grants file's page (public: what it held, what it changed, whether it was withdrawn and why), and
// withdrawing it (its publisher's staff, with a reason everyone will see).
import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { money } from './grants.pages.ts';
import * as service from './grants.service.ts';

const FORMAT_NAMES: Record<string, string> = { json: '360Giving JSON package', csv: 'CSV (flattened layout)', xlsx: 'Excel workbook (flattened layout)' };

/** The rows of a difference's "changed" table. */
export function changedRows(d: service.GrantsDifference | null | undefined) {
  return (d?.changed.grants ?? []).map((g) => [{ text: g.id }, { text: g.fields.join(', ') }]);
}

export function grantsFilePages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const publisherOf = { roles: service.GRANTS_PUBLISHING_ROLES, organisation: async (r: { params: unknown }) => (await getOrganisation(db, (r.params as { publisher: string }).publisher)).id };

  async function mayWithdraw(request: { user: { id: string; isAdmin: boolean } | null }, organisationId: string): Promise<boolean> {
    if (!request.user) return false;
    if (request.user.isAdmin) return true;
    const roles = (await rolesByOrganisation(db, request.user.id)).get(organisationId) ?? [];
    return roles.some((r) => (service.GRANTS_PUBLISHING_ROLES as readonly string[]).includes(r));
  }

  const view = (file: service.GrantsFileView) => ({
    file, difference: file.difference, changedRows: changedRows(file.difference), formatName: FORMAT_NAMES[file.format] ?? file.format, gbp: money(file.gbpTotalPence, 'GBP'),
    otherText: Object.entries(file.otherCurrencies).map(([c, v]) => money(v, c)).join('; ') || 'None',
  });

  app.get('/grants/:publisher/files/:id', async (request, reply) => {
    const { publisher, id } = request.params as { publisher: string; id: string };
    const file = await service.getGrantsFile(db, publisher, id);
    return reply.page('grants/views/file.njk', { ...view(file), outcome: (request.query as { outcome?: string }).outcome, mayWithdraw: await mayWithdraw(request, file.publisher.id) });
  });

  app.get('/grants/:publisher/files/:id/withdraw', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, id } = request.params as { publisher: string; id: string };
    return reply.page('grants/views/withdraw.njk', { file: await service.getGrantsFile(db, publisher, id), values: {} });
  });

  app.post('/grants/:publisher/files/:id/withdraw', { config: { access: publisherOf } }, async (request, reply) => {
    const { publisher, id } = request.params as { publisher: string; id: string };
    const file = await service.getGrantsFile(db, publisher, id);
    const reason = ((request.body ?? {}) as { reason?: unknown }).reason;
    try {
      await service.withdrawGrantsFile(ctx, request.actor, file.publisher.id, file.id, reason);
      return reply.redirect(`/grants/${file.publisher.slug}/files/${file.id}?outcome=withdrawn`, 303);
    } catch (error) {
      if (isAppError(error) && (error.fieldErrors.length || error.code === 'conflict')) {
        const errors = error.fieldErrors.length ? error.fieldErrors : [{ field: 'reason', message: error.message }];
        return reply.page('grants/views/withdraw.njk', { file, values: { reason: typeof reason === 'string' ? reason : '' }, errors }, { status: error.status });
      }
      throw error;
    }
  });
}
