import type { CommonwealModule } from '../platform/module.ts';

export const outcomesModule: CommonwealModule = {
  name: 'outcomes',
  nav: { href: '/outcomes', text: 'Outcomes', summary: 'Outcomes agreed with citizens, outcomes contracts priced and paid on evidence, and social investment.' },
  apiTags: [{ name: 'outcomes', description: 'Outcomes agreed with citizens, outcomes contracts priced and paid on evidence, and social investment.' }],
  routes() {},
};
