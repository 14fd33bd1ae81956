import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../database.ts';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db.ts';
import type { WorkKind } from './inbox.ts';

/** What every module's routes, commands and seeds are given: wired once, so tests can pass their own. */
export interface AppContext {
  db: Kysely<Database>;
  handle: DatabaseHandle;
  config: Config;
  log: Logger;
  /**
   * Optional look-ups that later modules provide for the platform's own pages (the platform depends on no
   * module, so it asks through these). Filled in when modules register their routes.
   */
  lookups: {
    organisationsById?: (ids: string[]) => Promise<Map<string, { name: string; href: string }>>;
    /**
     * Sections later modules add to an organisation's page (e.g. voice's answering record), shown in the order
     * they were added; a function returns null to add nothing for that organisation.
     */
    organisationSections?: ((organisationId: string) => Promise<OrganisationSection | null>)[];
    /** Every module's kinds of work for the inbox (from the manifests' `work`), set when the app is built. */
    work?: WorkKind[];
  };
}

/** A titled summary list on an organisation's page, with an optional link to more. Plain text only. */
export interface OrganisationSection {
  heading: string;
  rows: { key: string; value: string }[];
  link?: { href: string; text: string };
}

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface CliCommand {
  /** Words after `commonweal`, e.g. ['org', 'create']. */
  name: string[];
  summary: string;
  usage: string;
  /** Parsed with node:util parseArgs; `--json`, `--data-dir` and `--help` are added for every command. */
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  run(ctx: AppContext, args: { values: Record<string, unknown>; positionals: string[]; stdin: () => Promise<string> }): Promise<unknown>;
  /** Commands that manage their own database connection (e.g. serve) say so. */
  needsDatabase?: boolean;
}

/**
 * A module registers itself with a manifest: its place in the header navigation, its routes (JSON API and
 * pages), its CLI commands and its demo data. The app loads them in the order of `modules.ts`.
 */
export interface CommonwealModule {
  name: string;
  /** Header navigation entry; `summary` describes the module on the home page. */
  nav?: { href: string; text: string; summary?: string };
  routes?(app: App, ctx: AppContext): void | Promise<void>;
  commands?: CliCommand[];
  /** Loads real demo data; must be idempotent (run at every `npm start`). */
  seedDemo?(ctx: AppContext): Promise<void>;
  /** Kinds of work this module adds to each person's inbox (see platform/inbox.ts). */
  work?: WorkKind[];
  /**
   * Work every server process does every `everyMs` (and once at start): each run must be safe with several
   * processes running it at once (claim rows in PostgreSQL: a key, or FOR UPDATE SKIP LOCKED).
   */
  periodic?: { name: string; everyMs: number; run(ctx: AppContext): Promise<unknown> }[];
  /** Tags for the OpenAPI document. */
  apiTags?: { name: string; description: string }[];
}
