import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import * as service from './voice.service.ts';
import * as petitions from './voice.petitions.ts';

const need = (value: unknown, field: string, message: string): string => {
  if (typeof value !== 'string' || value.trim() === '') throw AppError.validation([{ field, message }]);
  return value;
};

export const voiceCommands: CliCommand[] = [
  {
    name: ['voice', 'moderators'],
    summary: 'Choose the organisation whose moderators moderate stories, responses and petitions (or show it)',
    usage: 'commonweal voice moderators [--org ID|ORG-ID|SLUG]',
    options: { org: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.org) {
        const org = await service.moderatingOrganisation(ctx.db);
        return { organisationId: org?.id ?? null, name: org?.name ?? null };
      }
      return service.setModeratingOrganisation(ctx.db, cliActor, values.org as string);
    },
  },
  {
    name: ['voice', 'service', 'create'],
    summary: 'Add a service to the directory',
    usage: 'commonweal voice service create --org REF --name NAME --decision involvement|joined-up|technical|framework --area CODE [--area CODE …] [--description TEXT]',
    options: { org: { type: 'string' }, name: { type: 'string' }, decision: { type: 'string' }, area: { type: 'string', multiple: true }, description: { type: 'string' } },
    async run(ctx, { values }) {
      const s = await service.createService(ctx.db, cliActor, { organisation: values.org, name: values.name, decisionType: values.decision, areas: values.area ?? [], description: values.description ?? '' });
      return { id: s.id, name: s.name, organisation: s.organisationName, areas: s.areas.map((a) => a.code) };
    },
  },
  {
    name: ['voice', 'service', 'list'],
    summary: 'List the services directory',
    usage: 'commonweal voice service list [--org REF] [--area CODE]',
    options: { org: { type: 'string' }, area: { type: 'string' } },
    async run(ctx, { values }) {
      const items = await service.listServices(ctx.db, { organisation: values.org as string | undefined, area: values.area as string | undefined });
      return { items: items.map((s) => ({ id: s.id, name: s.name, organisation: s.organisationName, decisionType: s.decisionType, areas: s.areas.map((a) => a.code).join(' ') })) };
    },
  },
  {
    name: ['voice', 'metrics'],
    summary: 'An organisation’s answering record: stories, share answered, median time to first response, changes made and confirmed',
    usage: 'commonweal voice metrics --org REF',
    options: { org: { type: 'string' } },
    async run(ctx, { values }) {
      return service.organisationMetrics(ctx.db, need(values.org, 'org', 'Give --org, the organisation'));
    },
  },
  {
    name: ['voice', 'petition', 'settings'],
    summary: 'Show or set an organisation’s petition thresholds, opening period and supporters needed',
    usage: 'commonweal voice petition settings --org REF [--response N] [--debate N] [--days N] [--supporters N]',
    options: { org: { type: 'string' }, response: { type: 'string' }, debate: { type: 'string' }, days: { type: 'string' }, supporters: { type: 'string' } },
    async run(ctx, { values }) {
      const org = need(values.org, 'org', 'Give --org, the organisation');
      if (values.response === undefined && values.debate === undefined && values.days === undefined && values.supporters === undefined) return petitions.getPetitionSettings(ctx.db, org);
      return petitions.setPetitionSettings(ctx.db, cliActor, org, { responseThreshold: values.response, debateThreshold: values.debate, openDays: values.days, requiredSupporters: values.supporters });
    },
  },
  {
    name: ['voice', 'petition', 'show'],
    summary: 'A petition with its counts by local authority',
    usage: 'commonweal voice petition show ID',
    options: {},
    async run(ctx, { positionals }) {
      return petitions.petitionWithCounts(ctx.db, need(positionals[0], 'id', 'Give the petition’s id'));
    },
  },
  {
    name: ['voice', 'petition', 'invalidate'],
    summary: 'Invalidate a petition’s signatures in bulk, with a recorded reason',
    usage: 'commonweal voice petition invalidate ID (--reason TEXT | --dry-run) [--email-domain DOMAIN] [--network PREFIX] [--from ISO-TIME] [--to ISO-TIME] [--la CODE]',
    options: { reason: { type: 'string' }, 'email-domain': { type: 'string' }, network: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, la: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    async run(ctx, { values, positionals }) {
      const id = need(positionals[0], 'id', 'Give the petition’s id');
      const criteria = { emailDomain: values['email-domain'], ipPrefix: values.network, signedFrom: values.from, signedTo: values.to, localAuthority: values.la };
      // --dry-run: how many it would remove (and how many of those count now), changing nothing.
      if (values['dry-run']) return petitions.previewInvalidation(ctx.db, cliActor, id, criteria);
      return petitions.invalidateSignatures(ctx.db, cliActor, id, { reason: values.reason, ...criteria });
    },
  },
  {
    name: ['voice', 'petition', 'surge'],
    summary: 'A petition’s surge report: signatures by network (/24, /48), email domain and area over a time window',
    usage: 'commonweal voice petition surge ID [--window hour|day|week|all]',
    options: { window: { type: 'string' } },
    async run(ctx, { values, positionals }) {
      const { petition, ...report } = await petitions.surgeReport(ctx.db, cliActor, need(positionals[0], 'id', 'Give the petition’s id'), { window: values.window });
      return { petition: { id: petition.id, title: petition.title, signatures: petition.signatures }, ...report };
    },
  },
];
