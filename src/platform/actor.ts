/** Who is doing something: every service call that changes data takes one, and the audit log records it. */
export interface Actor {
  userId: string | null;
  tokenId: string | null;
  isAdmin: boolean;
  /** How the actor reached us: a browser session, an API token, the command line, or the platform itself. */
  via: 'session' | 'token' | 'cli' | 'system' | 'anonymous';
}

export const anonymous: Actor = { userId: null, tokenId: null, isAdmin: false, via: 'anonymous' };

/** The command line acts with full authority: whoever runs it already owns the database. */
export const cliActor: Actor = { userId: null, tokenId: null, isAdmin: true, via: 'cli' };
export const systemActor: Actor = { userId: null, tokenId: null, isAdmin: true, via: 'system' };
