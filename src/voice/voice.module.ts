import type { CommonwealModule } from '../platform/module.ts';
import { voiceApi } from './voice.api.ts';
import { voicePages } from './voice.pages.ts';
import { voicePetitionPages } from './voice.petitions.pages.ts';
import { voiceCommands } from './voice.cli.ts';
import { seedVoice } from './voice.demo.ts';

export const voiceModule: CommonwealModule = {
  name: 'voice',
  nav: { href: '/voice', text: 'Voice', summary: 'Stories about services and their public answers, and petitions with thresholds.' },
  apiTags: [{ name: 'voice', description: 'Stories about services and their public answers, and petitions with thresholds.' }],
  routes(app, ctx) {
    voiceApi(app, ctx);
    voicePages(app, ctx);
    voicePetitionPages(app, ctx);
  },
  commands: voiceCommands,
  async seedDemo(ctx) {
    if (await seedVoice(ctx)) ctx.log.info('demo voice stories and petitions loaded');
  },
};
