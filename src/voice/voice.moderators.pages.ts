// The site administrator's page to choose who moderates voice: the moderating organisation, whose members
// with the moderator role read and publish stories, responses and petitions. The roles themselves are given
// on that organisation's page (its administrators add members).
import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { listMembers } from '../organisations/organisations.service.ts';
import * as service from './voice.service.ts';

type Form = Record<string, string | undefined>;

export function voiceModeratorPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  async function page(actor: Parameters<typeof listMembers>[1], extra: { values?: Form; errors?: { field: string; message: string }[]; notice?: string } = {}) {
    const org = await service.moderatingOrganisation(db);
    const moderators = org ? (await listMembers(db, actor, org.id)).filter((m) => m.role === 'moderator') : [];
    return { org, moderators, values: extra.values ?? {}, errors: extra.errors, notice: extra.notice };
  }

  app.get('/voice/moderators', { config: { access: 'admin' } }, async (request, reply) => {
    const notice = (request.query as Form).notice === 'saved' ? 'The moderating organisation is saved. Its moderators now see stories waiting in their inbox.' : undefined;
    return reply.page('voice/views/moderators.njk', await page(request.actor, { notice }));
  });

  app.post('/voice/moderators', { config: { access: 'admin' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const ref = (form.organisation ?? '').trim();
    if (!ref) {
      return reply.page('voice/views/moderators.njk', await page(request.actor, { values: form, errors: [{ field: 'organisation', message: 'Enter the organisation that moderates: its org-id identifier (such as GB-CHC-1234567) or its address on Commonweal' }] }), { status: 400 });
    }
    try {
      await service.setModeratingOrganisation(db, request.actor, ref);
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') {
        return reply.page('voice/views/moderators.njk', await page(request.actor, { values: form, errors: [{ field: 'organisation', message: `No organisation is registered as “${ref.slice(0, 100)}”` }] }), { status: 400 });
      }
      throw error;
    }
    return reply.redirect('/voice/moderators?notice=saved', 303);
  });
}
