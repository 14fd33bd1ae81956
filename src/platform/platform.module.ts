import type { CommonwealModule } from './module.ts';
import { authPages } from './auth/auth.pages.ts';
import { platformPages } from './platform.pages.ts';
import { platformApi } from './platform.api.ts';
import { platformCommands } from './platform.cli.ts';

/**
 * The platform's own routes: accounts, administration and site pages. `home` lets the composition root show
 * what the other modules offer on the home page without the platform knowing them.
 */
export function platformModule(home: Parameters<typeof platformPages>[2]): CommonwealModule {
  return {
    name: 'platform',
    apiTags: [{ name: 'accounts', description: 'Who you are: accounts and API tokens.' }],
    routes(app, ctx) {
      platformApi(app);
      authPages(app, ctx);
      platformPages(app, ctx, home);
    },
    commands: platformCommands,
  };
}
