// Joining a time bank names the member's neighbourhood by postcode or place (the place finder), never by an
// LSOA code: a postcode gives its small area, a ward several to choose from, an unknown postcode a plain
// sentence. On both engines, with the shipped places data.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { seedPlaces } from '../places/places.demo.ts';
import * as service from './timebank.service.ts';

const password = 'a long enough password';

eachEngine('joining a time bank with a postcode or place', (t) => {
  before(async () => {
    await seedPlaces(t().ctx);
  });

  it('finds the neighbourhood from a postcode, offers a ward’s small areas to choose from, and says plainly what it cannot find', async () => {
    const { app, ctx } = t();
    const bank = await service.createBank(ctx.db, cliActor, { name: 'Wearside Time Bank', requiresApproval: false });
    const join = async (ip: string, email: string, form: Record<string, string>) => {
      const agent = new TestAgent(app, ip);
      assert.equal((await agent.register(ctx.db, { name: form.name!, email, password })).statusCode, 303);
      const page = await agent.get(`/timebank/banks/${bank.id}`);
      assert.match(page.body, /Your postcode or neighbourhood \(optional\)/);
      assert.doesNotMatch(page.body, /area code|LSOA code/);
      return { agent, response: await agent.post(`/timebank/banks/${bank.id}/join`, form) };
    };
    const areaOf = async (name: string) => (await service.listAccounts(ctx.db, cliActor, bank.id)).find((a) => a.name === name)?.areaCode;

    // A postcode in any spelling: its small area.
    const ann = await join('10.8.0.1', 'ann-place@example.org', { name: 'Ann Place', place: 'sr1 1ae' });
    assert.equal(ann.response.statusCode, 303, ann.response.body);
    assert.equal(await areaOf('Ann Place'), 'E01008836');

    // A ward: its small areas, by name, to choose from; the choice is kept.
    const bob = await join('10.8.0.2', 'bob-place@example.org', { name: 'Bob Place', place: 'Millfield' });
    assert.equal(bob.response.statusCode, 400);
    assert.match(bob.response.body, /<title>Error: /);
    assert.match(bob.response.body, /Which is your neighbourhood\?/);
    assert.match(bob.response.body, /href="#areaCode"/);
    const offered = [...bob.response.body.matchAll(/name="areaCode" type="radio" value="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(offered.length >= 2, 'several small areas offered');
    assert.match(bob.response.body, /Millfield \(Sunderland \d{3}[A-Z]\), Sunderland/);
    assert.equal((await bob.agent.post(`/timebank/banks/${bank.id}/join`, { name: 'Bob Place', place: 'Millfield', areaCode: offered[1]! })).statusCode, 303);
    assert.equal(await areaOf('Bob Place'), offered[1]);

    // A postcode we do not have, and text that cannot be a postcode: said plainly, nothing saved.
    const cat = await join('10.8.0.3', 'cat-place@example.org', { name: 'Cat Place', place: 'NE6 1AA' });
    assert.equal(cat.response.statusCode, 400);
    assert.match(cat.response.body, /href="#place"/);
    assert.match(cat.response.body, /We don’t have the small areas of NE6 1AA, so we cannot tell its neighbourhood/);
    const bad = await cat.agent.post(`/timebank/banks/${bank.id}/join`, { name: 'Cat Place', place: 'NE6 1A' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Enter a full postcode, like NE6 1AA/);
    assert.equal(await areaOf('Cat Place'), undefined);
    // Left empty: joined without a neighbourhood.
    assert.equal((await cat.agent.post(`/timebank/banks/${bank.id}/join`, { name: 'Cat Place', place: '' })).statusCode, 303);
    assert.equal(await areaOf('Cat Place'), null);
  });
});
