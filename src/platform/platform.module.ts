import type { CommonwealModule } from './module.ts';
import { draftsWaitingFor } from './drafts.ts';
import { authPages } from './auth/auth.pages.ts';
import { platformPages } from './platform.pages.ts';
import { inboxPages } from './inbox.pages.ts';
import { platformApi } from './platform.api.ts';
import { platformCommands } from './platform.cli.ts';
import { findUserByEmail, registerUser } from './auth/auth.service.ts';
import { randomToken } from './auth/secrets.ts';
import { systemActor } from './actor.ts';

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
      inboxPages(app, ctx);
    },
    commands: platformCommands,
    // Uploads held as drafts wait for their publisher's staff until published, discarded or expired.
    work: [{
      kind: 'platform.draft-to-publish', label: 'Uploads to check and publish',
      emailHint: 'Never emailed: the person who uploaded sees the check at once; it waits here for the others',
      list: async (db, person) => (await draftsWaitingFor(db, person.id)).map((d) => ({
        title: `Check and publish: ${d.draft.title}`, href: d.href, date: d.draft.createdAt,
        detail: `${d.label}; expires ${d.draft.expiresAt.toISOString().slice(0, 10)}`,
      })),
    }],
    async seedDemo(ctx) {
      // A newcomer needs someone who can see the administrator's pages (outbox, audit log): create one the
      // first time, with a password they choose or one we print once.
      const email = 'admin@commonweal.localhost';
      if (await findUserByEmail(ctx.db, email)) return;
      const password = process.env.COMMONWEAL_DEMO_PASSWORD || randomToken(12);
      await registerUser(ctx.db, systemActor, { email, name: 'Demo administrator', password, isAdmin: true });
      const message = `Demo administrator created: sign in as ${email} with password ${password}`;
      ctx.log.warn(message);
      if (process.stderr.isTTY) process.stderr.write(`\n${message}\n`);
    },
  };
}
