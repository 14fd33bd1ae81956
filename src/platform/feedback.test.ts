// The header names the service once, and the phase banner links to a real feedback form: what is sent is kept
// for the site's administrators and emailed to each of them; on both engines.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from './testing.ts';
import { cliActor } from './actor.ts';
import { registerUser } from './auth/auth.service.ts';
import { setUserAdmin } from './auth/auth.repository.ts';
import { feedbackPage } from './feedback.ts';

eachEngine('feedback and the header', (t) => {
  it('names the service once; the phase banner links to the feedback form, with the page it came from', async () => {
    const agent = new TestAgent(t().app, '10.73.0.1');
    for (const url of ['/', '/about-the-data']) {
      const page = await agent.get(url);
      assert.equal(page.statusCode, 200);
      const header = /<header class="govuk-template__header">[\s\S]*?<\/header>/.exec(page.body)![0];
      assert.equal(header.match(/Commonweal/g)?.length, 1, `${url}: the header names the service once`);
      assert.doesNotMatch(header, /govuk-service-navigation__service-name/);
      assert.ok(page.body.includes(`href="/feedback?from=${encodeURIComponent(url)}">feedback</a>`), url);
    }
  });

  it('keeps feedback for the administrators and emails it to each of them; refuses an empty one or a bad address', async () => {
    const { app, ctx } = t();
    const admin = await registerUser(ctx.db, cliActor, { email: 'feedback-admin@example.org', name: 'Site Admin', password: 'a long enough password' });
    await setUserAdmin(ctx.db, admin.id, true);
    const agent = new TestAgent(app, '10.73.0.2');
    const form = await agent.get('/feedback?from=%2Fspend%3Fpage%3D2');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /name="page" value="\/spend\?page=2"/);
    const empty = await agent.post('/feedback', { page: '/spend?page=2', body: ' ', email: 'not an address' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#body"/);
    assert.match(empty.body, /href="#email"/);
    assert.equal((await ctx.db.selectFrom('feedback').select('id').execute()).length, 0, 'nothing half-written');
    const sent = await agent.post('/feedback', { page: '/spend?page=2', body: 'The supplier filter shows slugs.', email: 'Someone@Example.org' });
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /Thank you for your feedback/);
    assert.match(sent.body, /href="\/spend\?page=2">Go back/);
    const rows = await ctx.db.selectFrom('feedback').selectAll().execute();
    assert.deepEqual(rows.map((r) => [r.page, r.body, r.email]), [['/spend?page=2', 'The supplier filter shows slugs.', 'someone@example.org']]);
    const mail = await ctx.db.selectFrom('outbox').selectAll().where('kind', '=', 'feedback').execute();
    assert.deepEqual(mail.map((m) => m.to_address), ['feedback-admin@example.org']);
    assert.match(mail[0]!.body_text, /The supplier filter shows slugs\.[\s\S]*reply at someone@example\.org/);
    // Only administrators read the list.
    assert.notEqual((await agent.get('/admin/feedback')).statusCode, 200);
  });

  it('keeps only a path on this site as the page feedback came from', () => {
    assert.equal(feedbackPage('/voice?x=1'), '/voice?x=1');
    for (const bad of ['https://evil.example/', '//evil.example', 'javascript:alert(1)', '/a b', 42]) assert.equal(feedbackPage(bad), '', String(bad));
  });
});
