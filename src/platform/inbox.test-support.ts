// Test support for the inbox: sign a person in, read the email new work sent them, follow its link, and see
// what their inbox holds (through the same API a client would use).
import assert from 'node:assert/strict';
import { TestAgent } from './testing.ts';
import type { App, AppContext } from './module.ts';

export const testPassword = 'a long enough password';

/** A browser without JavaScript, signed in as `email`. */
export async function signInAs(app: App, email: string, ip = `10.88.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`): Promise<TestAgent> {
  const agent = new TestAgent(app, ip);
  await agent.get('/sign-in');
  const r = await agent.post('/sign-in', { email, password: testPassword });
  assert.equal(r.statusCode, 303, `sign-in as ${email}: ${r.body.slice(0, 300)}`);
  await agent.get('/account'); // the signed-in session's CSRF token
  return agent;
}

/** The emails of one kind to a person, oldest first. */
export async function emailsOf(ctx: AppContext, to: string, kind: string) {
  return ctx.db.selectFrom('outbox').selectAll().where('to_address', '=', to.toLowerCase()).where('kind', '=', kind).orderBy('id').execute();
}

/** The one email of a kind a person was sent (fails if there is not exactly one). */
export async function onlyEmail(ctx: AppContext, to: string, kind: string) {
  const list = await emailsOf(ctx, to, kind);
  assert.equal(list.length, 1, `expected one ${kind} email to ${to}, found ${list.length}`);
  return list[0]!;
}

/** The same-site path of the email's "Do it here" link, checked to be on this site. */
export function jobLink(ctx: AppContext, email: { body_text: string }): string {
  const m = /^Do it here: (\S+)$/m.exec(email.body_text);
  assert.ok(m, `no job link in: ${email.body_text}`);
  assert.ok(m[1]!.startsWith(ctx.config.baseUrl), `the link ${m[1]} is on ${ctx.config.baseUrl}`);
  assert.ok(email.body_text.includes(`${ctx.config.baseUrl}/account/notifications`), 'every work email links to the settings');
  return m[1]!.slice(ctx.config.baseUrl.length).split('#')[0]!;
}

/** The titles waiting for the signed-in person, by kind, from GET /api/v1/me/inbox. */
export async function inboxOf(agent: TestAgent): Promise<Record<string, string[]>> {
  const r = await agent.get('/api/v1/me/inbox');
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json() as { kinds: { kind: string; items: { title: string }[] }[] };
  return Object.fromEntries(body.kinds.map((k) => [k.kind, k.items.map((i) => i.title)]));
}

/** Submits a form with repeated fields (checkboxes), as a browser does, with the agent's session and CSRF token. */
export async function postPairs(agent: TestAgent, url: string, pairs: [string, string][]) {
  const body = new URLSearchParams([...pairs, ...(agent.csrf ? [['_csrf', agent.csrf] as [string, string]] : [])]).toString();
  return agent.app.inject({
    method: 'POST', url, remoteAddress: agent.ip, payload: body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(agent.cookie ? { cookie: `cw_session=${agent.cookie}` } : {}) },
  });
}
