// The time bank's offers seen from outside, and messages between members through the platform, on both engines:
// someone who has not joined sees what is offered (not who); a member writes to the member behind an offer and
// is answered, by email and on the page, neither seeing the other's address.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import * as service from './timebank.service.ts';
import * as exchanges from './timebank.exchanges.ts';

const password = 'a long enough password';

async function member(app: ConstructorParameters<typeof TestAgent>[0], db: Parameters<TestAgent['register']>[0], ip: string, email: string, name: string) {
  const agent = new TestAgent(app, ip);
  await agent.register(db, { name, email, password });
  return agent;
}

const outboxTo = (db: Parameters<TestAgent['register']>[0], email: string) =>
  db.selectFrom('outbox').selectAll().where('to_address', '=', email).where('kind', '=', 'timebank-message').orderBy('id').execute();

eachEngine('timebank offers and messages', (t) => {
  it('someone who has not joined sees the offers list without names; a member writes to the member behind an offer and is answered', async () => {
    const { app, ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Heaton Helpers Time Bank' });
    const ann = await member(app, ctx.db, '10.72.0.1', 'ann-msg@example.org', 'Ann Message');
    await ann.get(`/timebank/banks/${bank.id}`);
    assert.equal((await ann.post(`/timebank/banks/${bank.id}/join`, { name: 'Ann M' })).statusCode, 303);
    const listed = await ann.post(`/timebank/banks/${bank.id}/listings`, { kind: 'offer', category: 'garden', title: 'Hedge trimming', description: 'I live on Chillingham Road', area: 'Heaton' });
    assert.equal(listed.statusCode, 303);
    const listingUrl = String(listed.headers.location).replace(/\?.*$/, '');
    const listingId = listingUrl.split('/').at(-1)!;

    // A visitor who has not signed in sees the list and the offer, not Ann's name nor what she wrote.
    const visitor = new TestAgent(app, '10.72.0.9');
    const list = await visitor.get(`/timebank/banks/${bank.id}/listings`);
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Hedge trimming/);
    assert.doesNotMatch(list.body, /Ann M|Chillingham/);
    assert.match(list.body, /Join Heaton Helpers Time Bank<\/a> to take part/);
    const offer = await visitor.get(listingUrl);
    assert.equal(offer.statusCode, 200);
    assert.doesNotMatch(offer.body, /Ann M|Chillingham|Write to/);
    assert.match(offer.body, /Sign in or create an account, then join this time bank/);
    assert.equal((await visitor.post(`${listingUrl}/messages`, { body: 'Hello' }, { csrf: null })).statusCode, 401);

    // Bob joins and writes to Ann; she is emailed the message with a link back, not Bob's address.
    const bob = await member(app, ctx.db, '10.72.0.2', 'bob-msg@example.org', 'Bob Message');
    await bob.get(listingUrl);
    const early = await bob.post(`${listingUrl}/messages`, { body: 'Before joining' });
    assert.equal(early.statusCode, 403, 'only members write to members');
    await bob.get(`/timebank/banks/${bank.id}`);
    await bob.post(`/timebank/banks/${bank.id}/join`, { name: 'Bob M' });
    const page = await bob.get(listingUrl);
    assert.match(page.body, /Write to Ann M/);
    assert.doesNotMatch(page.body, /ann-msg@example\.org/);
    const empty = await bob.post(`${listingUrl}/messages`, { body: '  ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#body"/);
    const sent = await bob.post(`${listingUrl}/messages`, { body: 'Could you do my hedge on Saturday?' });
    assert.equal(sent.statusCode, 303, sent.body);
    const toAnn = await outboxTo(ctx.db, 'ann-msg@example.org');
    assert.equal(toAnn.length, 1);
    assert.equal(toAnn[0]!.subject, 'Bob M wrote about “Hedge trimming”');
    assert.match(toAnn[0]!.body_text, /Could you do my hedge on Saturday\?/);
    assert.ok(toAnn[0]!.body_text.includes(`${ctx.config.baseUrl}/timebank/listings/${listingId}#message-`));
    assert.doesNotMatch(toAnn[0]!.body_text, /bob-msg@example\.org/);

    // Ann answers on the page; Bob is emailed, and both see the thread.
    const annPage = await ann.get(listingUrl);
    assert.match(annPage.body, /Bob M wrote/);
    const messageId = /name="inReplyTo" value="([0-9a-f-]+)"/.exec(annPage.body)![1]!;
    assert.doesNotMatch(annPage.body, /Write to Ann M/, 'no message to herself');
    assert.equal((await ann.post(`${listingUrl}/messages`, { inReplyTo: messageId, body: 'Yes, 10am suits me' })).statusCode, 303);
    const toBob = await outboxTo(ctx.db, 'bob-msg@example.org');
    assert.equal(toBob.length, 1);
    assert.equal(toBob[0]!.subject, 'Ann M answered you about “Hedge trimming”');
    assert.doesNotMatch(toBob[0]!.body_text, /ann-msg@example\.org/);
    const thread = await bob.get(listingUrl);
    assert.match(thread.body, /You wrote to Ann M/);
    assert.match(thread.body, /Yes, 10am suits me/);
    // Nobody answers a message that was not sent to them, nor writes to their own listing.
    const forged = await bob.post(`${listingUrl}/messages`, { inReplyTo: messageId, body: 'Not mine to answer' });
    assert.equal(forged.statusCode, 400);
    assert.match(forged.body, /You can only answer a message that was sent to you/);
    const annActor = { userId: (await ctx.db.selectFrom('users').select('id').where('email', '=', 'ann-msg@example.org').executeTakeFirstOrThrow()).id, tokenId: null, isAdmin: false, via: 'session' as const };
    await assert.rejects(exchanges.sendMessage(ctx.db, annActor, listingId, { body: 'Hi me' }), (e) => isAppError(e) && e.code === 'unprocessable');
    assert.equal((await ctx.db.selectFrom('timebank_messages').select('id').execute()).length, 2, 'nothing half-written');
  });
});
