import type { CommonwealModule } from '../platform/module.ts';

export const voiceModule: CommonwealModule = {
  name: 'voice',
  nav: { href: '/voice', text: 'Voice', summary: 'Stories about services and their public answers, and petitions with thresholds.' },
  apiTags: [{ name: 'voice', description: 'Stories about services and their public answers, and petitions with thresholds.' }],
  routes() {},
};
