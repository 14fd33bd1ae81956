import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { roles, roleLabels, rolesByOrganisation } from '../platform/auth/policy.ts';
import { legalFormKeys, legalForms, sectorLabels } from './organisations.forms.ts';
import * as service from './organisations.service.ts';
import { lookalikeAnchor } from './organisations.work.ts';
import { own } from '../platform/sanitise.ts';

type Form = Record<string, string | undefined>;

const legalFormItems = (selected?: string) => [
  { value: '', text: 'Select a legal form' },
  ...legalFormKeys.map((k) => ({ value: k, text: legalForms[k].label, selected: k === selected })),
];

export function organisationsPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/organisations', async (request, reply) => {
    const q = request.query as Form;
    const page = Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1);
    const sector = q.sector && q.sector in sectorLabels ? q.sector : undefined;
    const result = await service.searchOrganisations(db, { q: q.q, sector, page, pageSize: 25 });
    const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
    const link = (p: number) => `/organisations?${new URLSearchParams({ ...(q.q ? { q: q.q } : {}), ...(sector ? { sector } : {}), page: String(p) })}`;
    return reply.page('organisations/views/list.njk', {
      result, query: q.q ?? '', sector,
      sectorItems: [{ value: '', text: 'All sectors' }, ...Object.entries(sectorLabels).map(([value, text]) => ({ value, text, selected: value === sector }))],
      pagination: pages > 1 ? {
        previous: page > 1 ? { href: link(page - 1) } : undefined,
        next: page < pages ? { href: link(page + 1) } : undefined,
        items: Array.from({ length: pages }, (_, i) => i + 1)
          .filter((n) => n === 1 || n === pages || Math.abs(n - page) <= 2)
          .map((n) => ({ number: n, href: link(n), current: n === page })),
      } : null,
    });
  });

  app.get('/organisations/new', { config: { access: 'signed-in' } }, async (_request, reply) =>
    reply.page('organisations/views/form.njk', { values: {}, legalFormItems: legalFormItems(), mode: 'new' }, { form: true }));

  async function formError(reply: FastifyReply, error: unknown, values: Form, mode: string, org?: unknown) {
    if (isAppError(error) && error.fieldErrors.length) {
      return reply.page('organisations/views/form.njk', { values, errors: error.fieldErrors, legalFormItems: legalFormItems(values.legalForm), mode, org }, { status: error.status });
    }
    throw error;
  }

  app.post('/organisations', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const org = await service.createOrganisation(db, request.actor, {
        name: form.name, legalForm: form.legalForm, identifiers: form.identifiers ?? '',
        website: form.website ?? '', description: form.description ?? '', locality: form.locality ?? '',
        distributesProfit: form.distributesProfit || undefined, evidence: form.evidence ?? '',
      }, { baseUrl: ctx.config.baseUrl });
      return reply.redirect(`/organisations/${org.slug}?notice=created`, 303);
    } catch (error) {
      return formError(reply, error, form, 'new');
    }
  });

  const notices: Record<string, string> = {
    created: 'The organisation has been added to the registry. You are its administrator.',
    updated: 'The organisation’s details have been saved.',
    'member-added': 'The person now has that role.',
    'member-removed': 'The role has been removed.',
    verified: 'The organisation is marked as verified against its register.',
    unverified: 'The organisation is no longer marked as verified.',
    'verification-requested': 'Your claim has been sent to the site administrators. You will get an email when it is decided.',
    invited: 'The invitation has been emailed. It can be used once, within 14 days.',
  };

  async function showPage(request: FastifyRequest, reply: FastifyReply, slug: string, extra: Record<string, unknown> = {}, status = 200) {
    const org = await service.getOrganisation(db, slug);
    const myRoles = request.user ? (await rolesByOrganisation(db, request.user.id)).get(org.id) ?? [] : [];
    const canManage = !!request.user && (request.user.isAdmin || myRoles.includes('admin'));
    const members = canManage ? await service.listMembers(db, request.actor, org.id) : [];
    const invitations = canManage ? await service.listInvitations(db, request.actor, org.id) : [];
    const verification = canManage ? await service.latestVerificationRequest(db, org.id) : null;
    const sections = (await Promise.all((ctx.lookups.organisationSections ?? []).map((section) => section(org.id)))).filter((s) => s !== null);
    const role = (extra.inviteValues as Form | undefined)?.role ?? (extra.memberValues as Form | undefined)?.role;
    return reply.page('organisations/views/show.njk', {
      org, sections, sectorLabel: sectorLabels[org.sector], canManage, members: members.map((m) => ({ ...m, roleLabel: roleLabels[m.role] })),
      invitations, verification,
      canPublishAsPublicBody: service.isVerifiedPublicBody(org),
      myRoles: myRoles.map((r) => roleLabels[r]),
      isSiteAdmin: !!request.user?.isAdmin,
      roleItems: roles.map((r) => ({ value: r, text: roleLabels[r], selected: r === role })),
      notice: own(notices, (request.query as Form).notice),
      ...extra,
    }, { form: canManage || !!request.user?.isAdmin, status });
  }

  app.get('/organisations/:slug', async (request, reply) => showPage(request, reply, (request.params as { slug: string }).slug));

  const adminOf = { roles: ['admin'] as const, organisation: async (r: { params: unknown }) => (await service.getOrganisation(db, (r.params as { slug: string }).slug)).id };

  app.get('/organisations/:slug/edit', { config: { access: adminOf } }, async (request, reply) => {
    const org = await service.getOrganisation(db, (request.params as { slug: string }).slug);
    const values = {
      name: org.name, legalForm: org.legalForm, identifiers: org.identifiers.join(' '), website: org.website ?? '',
      description: org.description ?? '', locality: org.locality ?? '', distributesProfit: org.distributesProfit ? 'yes' : 'no',
    };
    return reply.page('organisations/views/form.njk', { values, legalFormItems: legalFormItems(org.legalForm), mode: 'edit', org });
  });

  app.post('/organisations/:slug/edit', { config: { access: adminOf } }, async (request, reply) => {
    const org = await service.getOrganisation(db, (request.params as { slug: string }).slug);
    const form = (request.body ?? {}) as Form;
    try {
      await service.updateOrganisation(db, request.actor, org.id, {
        name: form.name, legalForm: form.legalForm, identifiers: form.identifiers ?? '', website: form.website ?? '',
        description: form.description ?? '', locality: form.locality ?? '', distributesProfit: form.distributesProfit || undefined,
        evidence: form.evidence ?? '',
      }, { baseUrl: ctx.config.baseUrl });
      return reply.redirect(`/organisations/${org.slug}?notice=updated`, 303);
    } catch (error) {
      return formError(reply, error, form, 'edit', org);
    }
  });

  app.post('/organisations/:slug/members', { config: { access: adminOf } }, async (request, reply) => {
    const org = await service.getOrganisation(db, (request.params as { slug: string }).slug);
    const form = (request.body ?? {}) as Form;
    try {
      await service.addMember(db, request.actor, org.id, { email: form.email, role: form.role }, { baseUrl: ctx.config.baseUrl });
      return reply.redirect(`/organisations/${org.slug}?notice=member-added#members`, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) return showPage(request, reply, org.slug, { errors: error.fieldErrors, memberValues: form }, error.status);
      throw error;
    }
  });

  app.post('/organisations/:slug/verify', { config: { access: 'admin' } }, async (request, reply) => {
    const org = await service.getOrganisation(db, (request.params as { slug: string }).slug);
    const verified = ((request.body ?? {}) as Form).verified === 'yes';
    await service.setVerified(db, request.actor, org.id, verified, { baseUrl: ctx.config.baseUrl });
    return reply.redirect(`/organisations/${org.slug}?notice=${verified ? 'verified' : 'unverified'}`, 303);
  });

  app.post('/organisations/:slug/members/remove', { config: { access: adminOf } }, async (request, reply) => {
    const org = await service.getOrganisation(db, (request.params as { slug: string }).slug);
    const form = (request.body ?? {}) as Form;
    await service.removeMember(db, request.actor, org.id, { userId: form.userId ?? '', role: form.role ?? '' });
    return reply.redirect(`/organisations/${org.slug}?notice=member-removed#members`, 303);
  });

  app.post('/organisations/:slug/verification', { config: { access: adminOf } }, async (request, reply) => {
    const org = await service.getOrganisation(db, (request.params as { slug: string }).slug);
    const form = (request.body ?? {}) as Form;
    try {
      await service.requestVerification(db, request.actor, org.id, { evidence: form.evidence }, { baseUrl: ctx.config.baseUrl });
      return reply.redirect(`/organisations/${org.slug}?notice=verification-requested#verification`, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) return showPage(request, reply, org.slug, { errors: error.fieldErrors, verificationValues: form }, error.status);
      throw error;
    }
  });

  app.post('/organisations/:slug/invitations', { config: { access: adminOf } }, async (request, reply) => {
    const org = await service.getOrganisation(db, (request.params as { slug: string }).slug);
    const form = (request.body ?? {}) as Form;
    try {
      await service.inviteMember(db, request.actor, org.id, { email: form.email, role: form.role }, { baseUrl: ctx.config.baseUrl });
      return reply.redirect(`/organisations/${org.slug}?notice=invited#members`, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        const errors = error.fieldErrors.map((e) => ({ ...e, field: e.field === 'email' ? 'inviteEmail' : e.field === 'role' ? 'inviteRole' : e.field }));
        return showPage(request, reply, org.slug, { errors, inviteValues: form }, error.status);
      }
      throw error;
    }
  });

  // Invitations: the link in the email. Anyone holding it sees what it offers; accepting needs the invited address.

  app.get('/invitations/:token', async (request, reply) => {
    const token = (request.params as { token: string }).token;
    const invitation = await service.getInvitation(db, token);
    const signedInAs = request.user?.email ?? null;
    return reply.page('organisations/views/invitation.njk', {
      invitation, token, signedInAs, matches: signedInAs === invitation.email,
      next: encodeURIComponent(`/invitations/${token}`),
    }, { form: true });
  });

  app.post('/invitations/:token', { config: { access: 'signed-in' } }, async (request, reply) => {
    const token = (request.params as { token: string }).token;
    const accepted = await service.acceptInvitation(db, request.actor, token);
    return reply.redirect(`/organisations/${accepted.organisation.slug}?notice=member-added`, 303);
  });

  // Site administrators: claims to verify, look-alikes, recent decisions.

  const adminNotices: Record<string, string> = {
    verified: 'The claim was verified. The claimant has been emailed.',
    rejected: 'The claim was rejected and its identifiers removed from the organisation. The claimant has been emailed.',
    'lookalike-reviewed': 'What you found about the look-alike has been recorded. It has left the site administrators’ inboxes.',
  };

  async function adminPage(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const queue = await service.verificationQueue(db, request.actor);
    return reply.page('organisations/views/admin.njk', { ...queue, notice: adminNotices[(request.query as Form).notice ?? ''], ...extra }, { status });
  }

  app.get('/admin/organisations', { config: { access: 'admin' } }, async (request, reply) => adminPage(request, reply));

  app.post('/admin/organisations/claims/:id', { config: { access: 'admin' } }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const form = (request.body ?? {}) as Form;
    try {
      await service.decideVerification(db, request.actor, id, { decision: form.decision, reason: form.reason }, { baseUrl: ctx.config.baseUrl });
      return reply.redirect(`/admin/organisations?notice=${form.decision === 'verify' ? 'verified' : 'rejected'}`, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return adminPage(request, reply, { errors: error.fieldErrors.map((e) => ({ ...e, field: `${e.field}-${id}` })), claimValues: { id, ...form } }, error.status);
      }
      throw error;
    }
  });

  app.post('/admin/organisations/lookalikes/:organisationId/:resemblesId', { config: { access: 'admin' } }, async (request, reply) => {
    const { organisationId, resemblesId } = request.params as { organisationId: string; resemblesId: string };
    const form = (request.body ?? {}) as Form;
    try {
      await service.reviewLookalike(db, request.actor, organisationId, resemblesId, { note: form.note });
      return reply.redirect('/admin/organisations?notice=lookalike-reviewed#lookalikes', 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        const anchor = lookalikeAnchor(organisationId, resemblesId);
        return adminPage(request, reply, { errors: error.fieldErrors.map((e) => ({ ...e, field: `${e.field}-${anchor}` })), lookalikeValues: { anchor, ...form } }, error.status);
      }
      throw error;
    }
  });
}
