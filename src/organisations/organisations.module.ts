import type { CommonwealModule } from '../platform/module.ts';
import { organisationsApi } from './organisations.api.ts';
import { organisationsPages } from './organisations.pages.ts';
import { governancePages } from './organisations.governance.pages.ts';
import { organisationsCommands } from './organisations.cli.ts';
import { seedOrganisations } from './organisations.demo.ts';
import { organisationNames } from './organisations.service.ts';
import { organisationsWork } from './organisations.work.ts';

export const organisationsModule: CommonwealModule = {
  name: 'organisations',
  nav: { href: '/organisations', text: 'Organisations' },
  apiTags: [{ name: 'organisations', description: 'The registry of public bodies, charities, social enterprises, companies and community groups, with org-id identifiers.' }],
  routes(app, ctx) {
    ctx.lookups.organisationsById = async (ids) => {
      const names = await organisationNames(ctx.db, ids);
      return new Map([...names].map(([id, o]) => [id, { name: o.name, href: `/organisations/${o.slug}` }]));
    };
    organisationsApi(app, ctx);
    organisationsPages(app, ctx);
    governancePages(app, ctx);
  },
  commands: organisationsCommands,
  work: organisationsWork,
  async seedDemo(ctx) {
    const added = await seedOrganisations(ctx);
    if (added) ctx.log.info({ added }, 'demo organisations loaded');
  },
};
