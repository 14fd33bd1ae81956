// Demo data for voice: a few real Tyneside bodies' services, with made-up example stories, responses and a
// petition. Every story, response and petition here is invented to show how the module works and says so;
// the people are fictional (example.org addresses).
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { systemActor } from '../platform/actor.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { findUserByEmail, registerUser } from '../platform/auth/auth.service.ts';
import { addMember, createOrganisation, findOrganisation } from '../organisations/organisations.service.ts';
import * as service from './voice.service.ts';
import * as petitions from './voice.petitions.ts';
import type { DecisionType } from './voice.table.ts';

const NEWCASTLE = 'E08000021';
const GATESHEAD = 'E08000037';
const example = 'Example, invented for the demonstration: ';

const services: { org: string; name: string; decisionType: DecisionType; areas: string[]; description: string }[] = [
  { org: 'GB-LAE-NET', name: 'Home care for older people', decisionType: 'involvement', areas: [NEWCASTLE], description: 'Care at home arranged by the council’s adult social care service.' },
  { org: 'GB-LAE-NET', name: 'Household waste and recycling collection', decisionType: 'technical', areas: [NEWCASTLE], description: 'Weekly bin and fortnightly recycling collections.' },
  { org: 'GB-LAE-GAT', name: 'Libraries', decisionType: 'involvement', areas: [GATESHEAD], description: 'Gateshead’s public libraries.' },
  { org: 'GB-NHS-RTD', name: 'Outpatient appointments', decisionType: 'framework', areas: [NEWCASTLE, GATESHEAD], description: 'Booking and running outpatient clinics at the Royal Victoria Infirmary and Freeman Hospital.' },
];

const HOUR = 60;
const DAY = 24 * HOUR;

// When each example happened, in minutes: `ago` is how long before the seed the story was told, `published` how
// long moderation took, and a response's `created`/`published` how long after the story's publication it was
// written and then published. Spread over recent weeks, answered after hours or days, some never answered, so
// the answering record looks like a real one would — and every page showing it says it includes examples.
const stories = [
  {
    key: 'home-care', at: { ago: 26 * DAY, published: 3 * HOUR, response: { created: 2 * DAY, published: 2 * DAY + 3 * HOUR } }, services: ['Home care for older people'], pseudonym: 'Daughter in Heaton', tags: ['home-care', 'communication'], criticality: 3,
    title: 'Mam’s carers kept changing and nobody told us',
    body: `${example}Over three weeks my mother had eleven different carers. Several arrived late in the evening when she was already in bed, and no one rang to say the times had changed. The carers themselves were kind, but she was frightened by new faces every day. When I phoned the office I was passed between three people.`,
    response: { org: 'GB-LAE-NET', claimsChange: true, body: `${example}Thank you for telling us, and we are sorry for the worry this caused your mother and you. We have now arranged a small, named team of carers for each person on your mother’s round, and the office will ring whenever a visit time changes. Please let us know if this is not what you see.` },
  },
  {
    key: 'bins', at: { ago: 12 * DAY, published: 5 * HOUR, response: { created: 6 * HOUR, published: 7 * HOUR } }, services: ['Household waste and recycling collection'], pseudonym: 'Walker resident', tags: ['bins'], criticality: 1,
    title: 'Recycling missed two weeks running',
    body: `${example}Our street’s blue bins were not emptied for two collections in a row. The online form said the report was received but nothing else happened. The crew did come on the third week and were very apologetic.`,
    response: { org: 'GB-LAE-NET', claimsChange: false, body: `${example}We are sorry. A new crew was covering the round and missed your street from their list; it has been added and the crew briefed.` },
  },
  {
    key: 'bulky-waste', at: { ago: 4 * DAY, published: 2 * HOUR, response: null }, services: ['Household waste and recycling collection'], pseudonym: 'Fenham tenant', tags: ['bins', 'communication'], criticality: 1,
    title: 'Booked a bulky waste collection, still waiting',
    body: `${example}I booked and paid for a sofa to be collected three weeks ago. The collection day came and went, and the sofa is still in the front garden. Nobody has answered my two emails yet.`,
    response: null,
  },
  {
    key: 'library', at: { ago: 19 * DAY, published: 20 * HOUR, response: null }, services: ['Libraries'], pseudonym: 'Reader, Felling', tags: ['libraries', 'praise'], criticality: 0,
    title: 'The staff helped me apply for my bus pass',
    body: `${example}I do not have a computer, and the staff at my library sat with me for half an hour to fill in the form online and scan my photograph. It arrived a week later. I could not have done it without them.`,
    response: null,
  },
  {
    key: 'outpatients', at: { ago: 8 * DAY, published: 4 * HOUR, response: null }, services: ['Outpatient appointments'], pseudonym: 'Patient from Gateshead', tags: ['appointments', 'communication'], criticality: 2,
    title: 'Appointment letter arrived after the appointment',
    body: `${example}My letter for a follow-up clinic arrived the day after the appointment date, so I was recorded as not attending. It took several phone calls to rebook.`,
    response: null,
  },
];

async function demoUser(db: AppContext['db'], email: string, name: string) {
  return (await findUserByEmail(db, email)) ?? registerUser(db, systemActor, { email, name, password: null });
}

/** Loads the demo services, stories, responses and one petition, once (skipped when the services exist). */
export async function seedVoice(ctx: AppContext): Promise<boolean> {
  // One transaction: a seed that fails half-way leaves nothing behind to be mistaken for a finished one.
  return inTransaction(ctx.db, (trx) => seed({ ...ctx, db: trx as unknown as AppContext['db'] }));
}

async function seed(ctx: AppContext): Promise<boolean> {
  const db = ctx.db;
  const opts = { baseUrl: ctx.config.baseUrl };
  const newcastle = await findOrganisation(db, 'GB-LAE-NET');
  if (!newcastle) return false;
  if ((await service.listServices(db, { organisation: newcastle.id })).some((s) => s.name === services[0]!.name)) return false;

  // Who moderates: a made-up moderating group, with one fictional moderator.
  const modOrg = (await findOrganisation(db, 'tyneside-voice-moderators-example'))
    ?? (await createOrganisation(db, systemActor, { name: 'Tyneside Voice Moderators (example)', legalForm: 'community-group', locality: 'Newcastle upon Tyne', description: 'A made-up group for the demonstration: its moderators read every story, response and petition before it is published.' }));
  await service.setModeratingOrganisation(db, systemActor, modOrg.id);
  const moderator = await demoUser(db, 'moderator.demo@example.org', 'Morag the moderator (example)');
  await addMember(db, systemActor, modOrg.id, { email: moderator.email, role: 'moderator' });
  const modActor: Actor = { userId: moderator.id, tokenId: null, isAdmin: false, via: 'system' };

  const byName = new Map<string, string>();
  for (const s of services) {
    const org = await findOrganisation(db, s.org);
    if (!org) continue;
    try {
      const created = await service.createService(db, systemActor, { organisation: org.id, name: s.name, description: s.description, decisionType: s.decisionType, areas: s.areas });
      byName.set(s.name, created.id);
    } catch (error) {
      ctx.log.warn({ err: error, service: s.name }, 'demo voice service not loaded (are the places data loaded?)');
      return false;
    }
  }

  const staff = new Map<string, Actor>();
  for (const [ref, email, name] of [['GB-LAE-NET', 'adult.care.demo@example.org', 'Adult Social Care Team (example)']] as const) {
    const org = (await findOrganisation(db, ref))!;
    const u = await demoUser(db, email, name);
    await addMember(db, systemActor, org.id, { email: u.email, role: 'staff' });
    staff.set(ref, { userId: u.id, tokenId: null, isAdmin: false, via: 'system' });
  }

  const now = Date.now();
  const minutes = (m: number) => new Date(now - m * 60_000);
  for (const s of stories) {
    const { id } = await service.submitStory(db, systemActor, {
      title: s.title, body: s.body, pseudonym: s.pseudonym, email: `${s.key}.story.demo@example.org`, services: s.services.map((n) => byName.get(n)!),
    }, opts);
    await service.moderateStory(db, modActor, id, { decision: 'publish', tags: s.tags, criticality: s.criticality }, opts);
    const responses: { id: string; createdAt: Date; publishedAt: Date }[] = [];
    if (s.response && s.at.response) {
      const r = await service.respondToStory(db, staff.get(s.response.org)!, id, { body: s.response.body, claimsChange: s.response.claimsChange }, opts);
      await service.moderateResponse(db, modActor, r.id, { decision: 'publish' }, opts);
      const publishedAgo = s.at.ago - s.at.published;
      responses.push({ id: r.id, createdAt: minutes(publishedAgo - s.at.response.created), publishedAt: minutes(publishedAgo - s.at.response.published) });
    }
    // Marked as an invented example and given its story's times (the answering records say they include it).
    await service.markExampleStory(db, systemActor, id, { submittedAt: minutes(s.at.ago), publishedAt: minutes(s.at.ago - s.at.published), responses });
  }

  // One pending story, so the moderation queue has something in it.
  await service.submitStory(db, systemActor, {
    title: 'Waiting for moderation (example)', pseudonym: 'Jesmond resident',
    body: `${example}A story a moderator has not read yet: it is not public until they publish it.`, email: 'pending.story.demo@example.org', services: [byName.get('Libraries')!],
  }, opts);

  // A petition to Newcastle City Council, signed by six made-up people who followed their email links.
  const creator = await demoUser(db, 'petitioner.demo@example.org', 'Pat Petitioner (example)');
  const petition = await petitions.createPetition(db, { userId: creator.id, tokenId: null, isAdmin: false, via: 'system' }, {
    organisation: newcastle.id, title: 'Example petition: open Heaton library on Sunday afternoons',
    background: `${example}Many people who work during the week cannot use the library. We ask the council to trial Sunday afternoon opening for six months.`,
  });
  // The first five are the supporters it needs before moderation; the sixth signs once it is open.
  const signers = ['pat.petitioner', 'ash', 'bea', 'cal', 'dee', 'eli'];
  for (const [i, who] of signers.entries()) {
    if (i === 5) await petitions.moderatePetition(db, modActor, petition.id, { decision: 'open' });
    const email = `${who}.demo@example.org`;
    await petitions.signPetition(db, systemActor, petition.id, { name: `${who.replace('.', ' ')} (example)`, email, postcode: 'NE6 5AA', localAuthority: i < 5 ? NEWCASTLE : GATESHEAD, consent: 'yes' }, opts);
    const token = (await listOutbox(db, { to: email, limit: 1 }))[0]?.text.match(/token=([\w-]+)/)?.[1];
    if (token) await petitions.confirmSignature(db, systemActor, token, opts);
  }
  return true;
}
