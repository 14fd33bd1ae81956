// API tokens, remembered between requests on a PostgreSQL server, so that an API call costs one round trip to
// the database fewer. A remembered token is forgotten the moment anything that decides what it may do
// changes, in any process:
// - the database notifies on the channel `commonweal_auth` when a token is revoked, changes hands or is
//   deleted, and when a user's administrator flag, email or name changes or the user is deleted (triggers of
//   migration 0016, so a change made by the CLI or another server is heard too);
// - every process that remembers tokens listens on that channel on a connection of its own, and forgets every
//   token it holds when a notification arrives. Until it is listening, and whenever that connection is lost, it
//   remembers nothing and every request reads the database, as it would without this cache;
// - a read that began before a notification is not remembered (a generation count), so a change that commits
//   while a request is reading cannot be overwritten by what that request read;
// - nothing is remembered longer than a minute, whatever happens.
// On PGlite (one process, queries in memory) there is nothing to save and no cache.
import pg from 'pg';
import type { Logger } from 'pino';
import type { Actor } from '../actor.ts';
import type { PublicUser } from './auth.service.ts';

export const authChannel = 'commonweal_auth';

export interface RememberedToken {
  actor: Actor;
  user: PublicUser;
  lastUsedAt: Date | null;
}

const maxAgeMs = 60_000;
const maxEntries = 10_000;

const caches = new Set<TokenCache>();

/** Forgets every token this process remembers (after a change it made itself, before the notification comes). */
export function forgetRememberedTokens(): void {
  for (const c of caches) c.forgetAll();
}

export class TokenCache {
  constructor() {
    caches.add(this);
  }

  /** Stops this cache for good (the app is closing). */
  dispose(): void {
    this.setListening(false);
    caches.delete(this);
  }

  private entries = new Map<string, { token: RememberedToken; at: number }>();
  private generation = 0;
  private listening = false;

  /** Whether tokens are remembered now (only while the process hears the database's notifications). */
  get active(): boolean {
    return this.listening;
  }

  get(hash: string): RememberedToken | null {
    if (!this.listening) return null;
    const e = this.entries.get(hash);
    if (!e) return null;
    if (Date.now() - e.at > maxAgeMs) {
      this.entries.delete(hash);
      return null;
    }
    return e.token;
  }

  /** Call before reading the database; pass the result to `remember`. */
  begin(): number {
    return this.generation;
  }

  remember(hash: string, token: RememberedToken, generation: number): void {
    if (!this.listening || generation !== this.generation) return;
    if (this.entries.size >= maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { token, at: Date.now() });
  }

  forgetAll(): void {
    this.generation++;
    this.entries.clear();
  }

  /** @internal for the listener */
  setListening(listening: boolean): void {
    this.forgetAll();
    this.listening = listening;
  }
}

/**
 * Listens for the database's notifications for `cache` on a connection of its own (reconnecting after a
 * second when it is lost). Returns a function that stops listening.
 */
export function listenForAuthChanges(config: pg.ClientConfig, cache: TokenCache, log: Logger): () => Promise<void> {
  let client: pg.Client | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const lost = (error?: Error) => {
    cache.setListening(false);
    if (error && !stopped) log.warn({ err: error }, 'API token cache: lost the notification connection; reading every token until it is back');
    const c = client;
    client = null;
    c?.removeAllListeners();
    c?.on('error', () => {});
    void c?.end().catch(() => {});
    if (!stopped && !timer) {
      timer = setTimeout(() => {
        timer = null;
        void connect();
      }, 1000);
      timer.unref();
    }
  };
  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client(config);
    client = c;
    c.on('error', (error) => lost(error));
    c.on('end', () => { if (client === c) lost(); });
    c.on('notification', (n) => { if (n.channel === authChannel) cache.forgetAll(); });
    try {
      await c.connect();
      await c.query(`LISTEN ${authChannel}`);
      if (client === c && !stopped) cache.setListening(true);
    } catch (error) {
      if (client === c) lost(error as Error);
    }
  };
  void connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    cache.setListening(false);
    const c = client;
    client = null;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  };
}
