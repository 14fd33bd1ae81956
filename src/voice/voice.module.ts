import type { CommonwealModule } from '../platform/module.ts';
import { voiceApi } from './voice.api.ts';
import { voiceOrganisationSection, voicePages } from './voice.pages.ts';
import { voicePetitionPages } from './voice.petitions.pages.ts';
import { voiceCommands } from './voice.cli.ts';
import { seedVoice } from './voice.demo.ts';
import { voiceWork } from './voice.work.ts';
import { voiceModeratorPages } from './voice.moderators.pages.ts';

export const voiceModule: CommonwealModule = {
  name: 'voice',
  nav: { href: '/voice', text: 'Voice', summary: 'Stories about services and their public answers, and petitions with thresholds.' },
  apiTags: [{ name: 'voice', description: 'Stories about services and their public answers, and petitions with thresholds.' }],
  routes(app, ctx) {
    // The answering record is shown on the organisation's own page.
    (ctx.lookups.organisationSections ??= []).push((id) => voiceOrganisationSection(ctx.db, id));
    voiceApi(app, ctx);
    voicePages(app, ctx);
    voicePetitionPages(app, ctx);
    voiceModeratorPages(app, ctx);
  },
  work: voiceWork,
  commands: voiceCommands,
  async seedDemo(ctx) {
    if (await seedVoice(ctx)) ctx.log.info('demo voice stories and petitions loaded');
  },
};
