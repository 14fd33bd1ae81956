// Email alerts are set up by name, never by an id or a code: a service or organisation by what it is called, a
// place through the place finder (a postcode, a ward, a town), with a choice when several match; on both engines.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { isAppError } from '../platform/errors.ts';
import { seedPlaces } from '../places/places.demo.ts';
import * as service from './voice.service.ts';
import { forgetLocalAuthorities } from './voice.places.ts';
import { password, voiceWorld } from './voice.test-support.ts';

eachEngine('voice alerts by name', (t) => {
  let world: Promise<Awaited<ReturnType<typeof voiceWorld>>> | null = null;
  const setup = () => (world ??= seedPlaces(t().ctx).then(() => { forgetLocalAuthorities(t().ctx.db); return voiceWorld(t().ctx, 'al'); }));

  it('takes a service and an organisation by name, and refuses a name that matches several', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const lib = await service.subscribe(db, w.actors.outsider, { scope: 'service', value: 'libraries' });
    assert.equal(lib.value, w.services.libraries.id);
    assert.equal(lib.label, `Libraries (${w.gateshead.name})`);
    const org = await service.subscribe(db, w.actors.outsider, { scope: 'organisation', value: w.newcastle.name.toUpperCase() });
    assert.equal(org.value, w.newcastle.id);
    const several = await service.alertTargets(db, 'organisation', 'Council al');
    assert.deepEqual(several.choices.map((c) => c.value).sort(), [w.newcastle.id, w.gateshead.id].sort());
    await assert.rejects(service.subscribe(db, w.actors.outsider, { scope: 'organisation', value: 'Council al' }), (e) => {
      assert.ok(isAppError(e) && e.code === 'validation_failed');
      assert.deepEqual(e.fieldErrors, [{ field: 'value', message: '2 organisations match “Council al”: choose one' }]);
      return true;
    });
    await assert.rejects(service.subscribe(db, w.actors.outsider, { scope: 'service', value: 'Swimming pools' }), (e) => {
      assert.ok(isAppError(e));
      assert.match(e.fieldErrors[0]!.message, /^No service is called “Swimming pools”\. Enter the name of a service/);
      return true;
    });
  });

  it('takes a place as a postcode, a local authority by name, or a ward with a choice of its areas', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const byPostcode = await service.subscribe(db, w.actors.outsider, { scope: 'area', value: 'sr1 1ae' });
    assert.equal(byPostcode.value, 'E01008836');
    assert.match(byPostcode.label, /\(Sunderland \d{3}[A-Z]\), a small area$/);
    const byName = await service.subscribe(db, w.actors.outsider, { scope: 'area', value: 'gateshead' });
    assert.deepEqual([byName.value, byName.label], ['E08000037', 'Gateshead']);
    const byker = await service.alertTargets(db, 'area', 'Byker');
    assert.ok(byker.choices.some((c) => c.value === 'E08000021' && c.label === 'Newcastle upon Tyne'), JSON.stringify(byker.choices));
    assert.ok(byker.choices.some((c) => c.value === 'E01008304' && c.label === 'Byker (Newcastle upon Tyne 026C), a small area'));
    await assert.rejects(service.subscribe(db, w.actors.outsider, { scope: 'area', value: 'NE6 1A' }), (e) => {
      assert.ok(isAppError(e));
      assert.match(e.fieldErrors[0]!.message, /Enter a full postcode, like NE6 1AA/);
      return true;
    });
  });

  it('the page asks for names, offers a choice when several match, and adds the one chosen', async () => {
    await setup();
    const agent = new TestAgent(t().app, '10.40.0.1');
    await agent.register(t().ctx.db, { name: 'Alert Person', email: 'alert.person@example.org', password });
    const page = await agent.get('/voice/alerts');
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /org-id|GSS|give its id|small area code/i);
    const ask = await agent.post('/voice/alerts', { scope: 'area', value: 'Byker' });
    assert.equal(ask.statusCode, 400);
    assert.match(ask.body, /Which of these do you mean\?/);
    assert.match(ask.body, /matches for “Byker”: choose one/);
    assert.match(ask.body, /<input class="govuk-radios__input" id="choice" name="choice" type="radio" value="E08000021">/);
    const chose = await agent.post('/voice/alerts', { scope: 'area', value: 'Byker', choice: 'E01008304' });
    assert.equal(chose.statusCode, 303);
    assert.match((await agent.get('/voice/alerts')).body, /Byker \(Newcastle upon Tyne 026C\), a small area/);
    const oneService = await agent.post('/voice/alerts', { scope: 'service', value: 'Home care' });
    assert.equal(oneService.statusCode, 303);
    assert.match((await agent.get('/voice/alerts')).body, /Home care \(Newcastle Council al\)/);
  });
});
