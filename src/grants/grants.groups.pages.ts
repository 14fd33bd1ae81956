// The page where a publisher's administrator (or a site administrator) decides whether unregistered groups its
// grants name under different 360G- ids are one group (grants.groups.ts): the candidates with their evidence,
// Confirm or Not the same for each, and the decisions made, each of which can be undone.
import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { money } from './grants.pages.ts';
import * as groups from './grants.groups.ts';

const OUTCOMES: Record<string, string> = {
  merged: 'The groups are confirmed as one: the explorer now counts them once.',
  rejected: 'Recorded: these groups are not the same, and will not be proposed again.',
  undone: 'The decision is undone.',
};

export function grantsGroupsPages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const deciderOf = { roles: groups.GROUP_DECIDING_ROLES, organisation: async (r: { params: unknown }) => (await getOrganisation(db, (r.params as { publisher: string }).publisher)).id };

  async function render(request: { actor: Parameters<typeof groups.groupsPage>[1]; params: unknown; query: unknown }, extra: { errors?: { field: string; message: string }[]; status?: number } = {}) {
    const { publisher } = request.params as { publisher: string };
    const view = await groups.groupsPage(db, request.actor, publisher);
    const evidence = (e: groups.GroupEvidence) => ({
      ...e, gbp: money(e.gbpPence, 'GBP'),
      rows: [
        { key: { text: 'Identifier' }, value: { text: [e.id, ...e.alsoKnownAs].join('; ') } },
        { key: { text: 'Named' }, value: { text: e.names.join('; ') } },
        { key: { text: 'Grants' }, value: { text: `${e.grants} (${money(e.gbpPence, 'GBP')})` } },
        { key: { text: 'Award dates' }, value: { text: `${e.firstAwardDate} to ${e.lastAwardDate}` } },
        { key: { text: 'Postcodes' }, value: { text: e.postcodes.join('; ') || 'None given' } },
        { key: { text: 'Latest grants' }, value: { text: e.titles.join('; ') } },
      ],
    });
    const outcome = OUTCOMES[String((request.query as { outcome?: string }).outcome ?? '')] ?? null;
    return {
      data: {
        ...view, outcome, errors: extra.errors,
        candidates: view.candidates.map((c) => ({ ...c, group: evidence(c.group), into: evidence(c.into) })),
      },
      status: extra.status ?? 200,
    };
  }

  app.get('/grants/:publisher/groups', { config: { access: deciderOf } }, async (request, reply) => {
    const { data } = await render(request);
    return reply.page('grants/views/groups.njk', data, { form: true });
  });

  app.post('/grants/:publisher/groups', { config: { access: deciderOf } }, async (request, reply) => {
    const { publisher } = request.params as { publisher: string };
    const body = (request.body ?? {}) as { group?: unknown; into?: unknown; decision?: unknown };
    try {
      const d = await groups.decideGroups(db, request.actor, publisher, body);
      return reply.redirect(`/grants/${encodeURIComponent((await getOrganisation(db, publisher)).slug)}/groups?outcome=${d.decision}`, 303);
    } catch (error) {
      if (isAppError(error) && (error.fieldErrors.length || error.code === 'conflict')) {
        const { data } = await render(request);
        const errors = error.fieldErrors.length ? error.fieldErrors : [{ field: 'group', message: error.message }];
        return reply.page('grants/views/groups.njk', { ...data, errors }, { status: error.status, form: true });
      }
      throw error;
    }
  });

  app.post('/grants/:publisher/groups/:decision/undo', { config: { access: deciderOf } }, async (request, reply) => {
    const { publisher, decision } = request.params as { publisher: string; decision: string };
    await groups.undoGroupDecision(db, request.actor, publisher, decision);
    return reply.redirect(`/grants/${encodeURIComponent((await getOrganisation(db, publisher)).slug)}/groups?outcome=undone`, 303);
  });
}
