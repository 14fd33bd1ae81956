import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import * as service from './organisations.service.ts';

export const organisationsCommands: CliCommand[] = [
  {
    name: ['org', 'create'],
    summary: 'Add an organisation to the registry (--verified: the operator has checked its identifiers)',
    usage: 'commonweal org create --name NAME [--identifier GB-CHC-1234567]… [--legal-form FORM] [--locality TOWN] [--website URL] [--verified]',
    options: { name: { type: 'string' }, identifier: { type: 'string', multiple: true }, 'legal-form': { type: 'string' }, locality: { type: 'string' }, website: { type: 'string' }, verified: { type: 'boolean' } },
    async run(ctx, { values }) {
      const org = await service.createOrganisation(ctx.db, cliActor, {
        name: values.name, identifiers: (values.identifier as string[] | undefined) ?? [],
        legalForm: values['legal-form'] ?? 'community-group', locality: values.locality, website: values.website,
        verified: values.verified === true,
      }, { baseUrl: ctx.config.baseUrl });
      return { id: org.id, slug: org.slug, identifiers: org.identifiers, verified: org.verified, publicBody: org.publicBody };
    },
  },
  {
    name: ['org', 'verify'],
    summary: 'Verify an organisation’s claim to its identifiers, or reject its pending claim with a reason',
    usage: 'commonweal org verify --org ID|ORG-ID|SLUG [--reject --reason REASON] [--reason NOTE]',
    options: { org: { type: 'string' }, reject: { type: 'boolean' }, reason: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.org) throw AppError.validation([{ field: 'org', message: 'Give --org, an organisation id, org-id identifier or slug' }]);
      const org = await service.getOrganisation(ctx.db, values.org as string);
      const after = values.reject
        ? await service.rejectVerification(ctx.db, cliActor, org.id, { reason: values.reason })
        : await service.verifyOrganisation(ctx.db, cliActor, org.id, { reason: values.reason }, { baseUrl: ctx.config.baseUrl });
      return { id: after.id, name: after.name, identifiers: after.identifiers, verified: after.verified, publicBody: after.publicBody };
    },
  },
  {
    name: ['org', 'list'],
    summary: 'List organisations (search with --q)',
    usage: 'commonweal org list [--q TEXT]',
    options: { q: { type: 'string' } },
    async run(ctx, { values }) {
      const result = await service.searchOrganisations(ctx.db, { q: values.q as string | undefined, pageSize: 100 });
      return { total: result.total, items: result.items.map((o) => ({ id: o.id, name: o.name, identifiers: o.identifiers, verified: o.verified })) };
    },
  },
  {
    name: ['member', 'add'],
    summary: 'Give a registered person a role in an organisation',
    usage: 'commonweal member add --org ID|ORG-ID --user EMAIL --role admin|staff|commissioner|moderator|coordinator|evaluator|finance',
    options: { org: { type: 'string' }, user: { type: 'string' }, role: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.org) throw AppError.validation([{ field: 'org', message: 'Give --org, an organisation id or org-id identifier' }]);
      const org = await service.getOrganisation(ctx.db, values.org as string);
      const result = await service.addMember(ctx.db, cliActor, org.id, { email: values.user, role: values.role }, { baseUrl: ctx.config.baseUrl });
      return { organisationId: org.id, userId: result.userId, role: result.role, added: result.added };
    },
  },
];

