import type { CommonwealModule } from '../platform/module.ts';
import { placesApi } from './places.api.ts';
import { placesPages } from './places.pages.ts';
import { placesCommands } from './places.cli.ts';
import { seedPlaces } from './places.demo.ts';

export const placesModule: CommonwealModule = {
  name: 'places',
  nav: { href: '/places', text: 'Places and need', summary: 'Deprivation for every small area of England and Scotland, computed from the published domains, and a fairness check for any money or hours.' },
  apiTags: [{ name: 'places', description: 'Local authorities and small areas (LSOAs, data zones), the Indices of Deprivation (IoD2019, SIMD2020) computed with the official methods, custom local indices, and the fairness lens.' }],
  routes(app, ctx) {
    placesApi(app, ctx);
    placesPages(app, ctx);
  },
  commands: placesCommands,
  async seedDemo(ctx) {
    const started = performance.now();
    const loaded = await seedPlaces(ctx);
    if (loaded.length) ctx.log.info({ loaded, ms: Math.round(performance.now() - started) }, 'demo deprivation data loaded');
  },
};
