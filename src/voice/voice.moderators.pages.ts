// The site administrator's page to choose who moderates voice: the moderating organisation, whose members
// with the moderator role read and publish stories, responses and petitions. The roles themselves are given
// on that organisation's page (its administrators add members).
import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { listMembers, organisationsNamed } from '../organisations/organisations.service.ts';
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
    const typed = (form.organisation ?? '').trim().slice(0, 200);
    const choice = (form.choice ?? '').trim();
    const again = async (errors: { field: string; message: string }[], choices?: { value: string; text: string }[]) =>
      reply.page('voice/views/moderators.njk', { ...(await page(request.actor, { values: { organisation: typed }, errors })), choices }, { status: 400 });
    // Chosen by registered name (an identifier or address also works); several matches are offered as a choice.
    let ref = choice;
    if (!ref) {
      if (!typed) return again([{ field: 'organisation', message: 'Enter the name of the organisation that moderates' }]);
      const named = await organisationsNamed(db, typed);
      const found = named.exact ? [named.exact] : named.choices;
      if (found.length === 0) return again([{ field: 'organisation', message: `No registered organisation is called “${typed}”: check the name` }]);
      if (found.length > 1) {
        return again([{ field: 'choice', message: `${found.length} registered organisations match “${typed}”: choose one` }],
          found.map((o) => ({ value: o.id, text: `${o.name}${o.identifiers.length ? ` (${o.identifiers.join(', ')})` : ''}` })));
      }
      ref = found[0]!.id;
    }
    try {
      await service.setModeratingOrganisation(db, request.actor, ref);
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') return again([{ field: choice ? 'choice' : 'organisation', message: 'That organisation is no longer registered: enter its name again' }]);
      throw error;
    }
    return reply.redirect('/voice/moderators?notice=saved', 303);
  });
}
