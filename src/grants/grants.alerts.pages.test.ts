// Saved-search alerts for grant programmes, over HTTP on both engines: a person saves alerts and sees them at
// /grants/programmes/alerts, deletes one; every alert email carries a one-click unsubscribe link for the alert
// it matched (no sign-in; opening it changes nothing, the button deletes it; used twice or made up: 404).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, signedInAgent as signedIn, TestAgent } from '../platform/testing.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import * as programmes from './grants.programmes.ts';
import { ALERT_KIND } from './grants.programmes.ts';
import { day, person, programmeWorld } from './grants.programmes.test-support.ts';

eachEngine('grants programme alerts pages', (t) => {
  it('lists a person’s alerts, emails each match with an unsubscribe link that only a button uses, and deletes by the page', async () => {
    const { app, ctx } = t();
    const w = await programmeWorld(ctx);
    const seeker = await person(ctx, 'seeker');
    const agent = await signedIn(app, seeker.email, '10.9.4.1');
    assert.equal((await agent.get('/grants/programmes')).statusCode, 200);
    const saved = await agent.post('/grants/programmes/alerts', { words: 'lunch', laCode: 'E08000021' });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, '/grants/programmes/alerts?notice=saved');
    await agent.post('/grants/programmes/alerts', { words: 'allotment' });
    const refused = await agent.post('/grants/programmes/alerts', { words: '', laCode: '' });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /Enter words to look for, or choose a place/);
    const page = await agent.get('/grants/programmes/alerts?notice=saved');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Your alert is saved/);
    assert.match(page.body, /“lunch” in Newcastle upon Tyne/);
    assert.match(page.body, /“allotment” anywhere/);

    // A programme matching the first alert opens: one email, with the link that stops that alert only.
    await programmes.openProgramme(ctx, w.staff.actor, {
      funder: w.funder.id, title: `Lunch clubs fund ${w.tag}`, purpose: 'Hot lunches for older neighbours.', areas: ['E08000021'], recipientTypes: ['charity'],
      minPence: 10_000, maxPence: 50_000, budgetPence: 200_000, opensOn: day(0), closesOn: day(30), criteria: [{ label: 'Need', weight: 1 }],
    });
    const mails = (await listOutbox(ctx.db, { to: seeker.email })).filter((m) => m.kind === ALERT_KIND);
    assert.equal(mails.length, 1);
    const links = [...mails[0]!.text.matchAll(/\/grants\/programmes\/alerts\/unsubscribe\?token=([0-9a-f]+)/g)];
    assert.equal(links.length, 1, 'one unsubscribe link: the alert it matched');
    assert.match(mails[0]!.text, /alert “lunch” in Newcastle upon Tyne/);
    const token = links[0]![1]!;

    // Opening the link (a mail scanner, twice) changes nothing.
    const visitor = new TestAgent(app, '10.9.4.2');
    for (let i = 0; i < 2; i++) {
      const open = await visitor.get(`/grants/programmes/alerts/unsubscribe?token=${token}`);
      assert.equal(open.statusCode, 200);
      assert.match(open.body, /Unsubscribe from this alert/);
    }
    assert.equal((await programmes.myProgrammeAlerts(ctx.db, seeker.actor)).length, 2);
    // Without the form's CSRF token: refused, nothing changed.
    assert.equal((await visitor.post('/grants/programmes/alerts/unsubscribe', { token }, { csrf: null })).statusCode, 403);
    assert.equal((await programmes.myProgrammeAlerts(ctx.db, seeker.actor)).length, 2);
    const done = await visitor.post('/grants/programmes/alerts/unsubscribe', { token });
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /You are unsubscribed/);
    assert.deepEqual((await programmes.myProgrammeAlerts(ctx.db, seeker.actor)).map((a) => a.words), ['allotment']);
    // The link used again, or made up: 404, nothing changed.
    assert.equal((await visitor.post('/grants/programmes/alerts/unsubscribe', { token })).statusCode, 404);
    assert.equal((await visitor.get(`/grants/programmes/alerts/unsubscribe?token=${token}`)).statusCode, 404);
    assert.equal((await visitor.get('/grants/programmes/alerts/unsubscribe?token=nonsense')).statusCode, 404);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'grants.programme-alert.unsubscribed').execute();
    assert.equal(audit.length, 1);

    // Deleting from the page: someone else cannot; the owner can.
    const [left] = await programmes.myProgrammeAlerts(ctx.db, seeker.actor);
    const other = await signedIn(app, w.outsider.email, '10.9.4.3');
    await other.get('/grants/programmes/alerts');
    assert.equal((await other.post(`/grants/programmes/alerts/${left!.id}/delete`, {})).statusCode, 404);
    assert.equal((await programmes.myProgrammeAlerts(ctx.db, seeker.actor)).length, 1);
    await agent.get('/grants/programmes/alerts');
    const del = await agent.post(`/grants/programmes/alerts/${left!.id}/delete`, {});
    assert.equal(del.statusCode, 303);
    const after = await agent.get('/grants/programmes/alerts?notice=deleted');
    assert.match(after.body, /The alert is deleted/);
    assert.match(after.body, /You have no alerts/);
    // Signed out, the list is not shown.
    assert.notEqual((await new TestAgent(app, '10.9.4.4').get('/grants/programmes/alerts')).statusCode, 200);
  });
});
