// Work finds its people, in voice: a moderator is emailed when a story waits, follows the email's link,
// publishes it, and it leaves their inbox; the council's staff are then emailed that a story about their
// service is published, follow the link, answer it, and it leaves theirs. Turning a kind off stops its email.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { emailsOf, inboxOf, jobLink, onlyEmail, postPairs, signInAs, testPassword } from '../platform/inbox.test-support.ts';
import { loadPlaces, voiceWorld } from './voice.test-support.ts';
import * as service from './voice.service.ts';
import { answerKind, moderateKind } from './voice.work.ts';

eachEngine('voice work in the inbox', (t) => {
  it('walks a moderator and a responder from their emails to the finished jobs, and each item then leaves the inbox', async () => {
    const { app, ctx } = t();
    await loadPlaces(ctx);
    const w = await voiceWorld(ctx, 'inbox1');
    const moderator = await signInAs(app, w.people.moderator.email);
    const staff = await signInAs(app, w.people.newcastleStaff.email);
    assert.deepEqual((await inboxOf(moderator))[moderateKind] ?? [], []);

    // A citizen tells a story about home care, through the form.
    const citizen = new TestAgent(app, '10.88.1.1');
    await citizen.get('/voice/stories/new');
    const sent = await citizen.post('/voice/stories', { title: 'Carers never on time', body: 'The carers came two hours late every day this week.', pseudonym: 'Jo', email: 'jo@example.org', services: w.services.homeCare.id });
    assert.equal(sent.statusCode, 303, sent.body.slice(0, 500));

    // The moderator's email names the story and links to the page where it is moderated.
    const email = await onlyEmail(ctx, w.people.moderator.email, moderateKind);
    assert.match(email.subject, /Carers never on time/);
    const link = jobLink(ctx, email);
    assert.match(link, /^\/voice\/moderation\/stories\/[0-9a-f-]{36}$/);
    assert.equal((await emailsOf(ctx, w.people.newcastleModerator.email, moderateKind)).length, 0, 'a council’s own moderator is not a voice moderator');
    assert.equal((await emailsOf(ctx, w.people.newcastleStaff.email, moderateKind)).length, 0);
    assert.deepEqual((await inboxOf(moderator))[moderateKind], ['Moderate the story “Carers never on time”']);
    const header = await moderator.get('/voice');
    assert.match(header.body, /href="\/inbox">Inbox <span class="cw-count">1<\/span>/);
    assert.match((await moderator.get('/inbox')).body, new RegExp(`href="${link}"`));

    // Following the link, the moderator publishes the story: it leaves the inbox.
    const page = await moderator.get(link);
    assert.equal(page.statusCode, 200);
    const done = await moderator.post(link, { decision: 'publish', title: 'Carers never on time', body: 'The carers came two hours late every day this week.', tags: '', criticality: '' });
    assert.equal(done.statusCode, 303, done.body.slice(0, 500));
    assert.equal((await inboxOf(moderator))[moderateKind], undefined);

    // The council's staff are told a story about their service is published; Gateshead's are not.
    const staffEmail = await onlyEmail(ctx, w.people.newcastleStaff.email, answerKind);
    assert.match(staffEmail.subject, /Home care/);
    assert.equal((await emailsOf(ctx, w.people.gatesheadStaff.email, answerKind)).length, 0);
    const storyLink = jobLink(ctx, staffEmail);
    assert.deepEqual((await inboxOf(staff))[answerKind], ['Answer the story “Carers never on time”']);
    const storyPage = await staff.get(storyLink);
    assert.match(storyPage.body, /id="respond"/);
    const answered = await staff.post(`${storyLink}/responses`, { organisation: w.newcastle.id, body: 'We are sorry. We have changed the rota so that visits start on time.' });
    assert.equal(answered.statusCode, 303, answered.body.slice(0, 500));
    assert.equal((await inboxOf(staff))[answerKind], undefined, 'answered (waiting for moderation): no longer waiting for the council');

    // The answer now waits for the moderator, who is emailed about it too.
    assert.equal((await emailsOf(ctx, w.people.moderator.email, moderateKind)).length, 2);
    assert.equal((await inboxOf(moderator))[moderateKind]!.length, 1);
  });

  it('sends no email of a kind the person turned off, while the work still shows in their inbox', async () => {
    const { app, ctx } = t();
    const w = await voiceWorld(ctx, 'inbox2');
    const moderator = await signInAs(app, w.people.moderator.email);
    const settings = await moderator.get('/account/notifications');
    assert.match(settings.body, /Stories and responses to moderate/);
    assert.match(settings.body, new RegExp(`value="${moderateKind}" checked`));
    // Everything but moderation stays on.
    const others = (ctx.lookups.work ?? []).map((k) => k.kind).filter((k) => k !== moderateKind);
    assert.equal((await postPairs(moderator, '/account/notifications', others.map((k) => ['email', k]))).statusCode, 303);
    assert.doesNotMatch((await moderator.get('/account/notifications')).body, new RegExp(`value="${moderateKind}" checked`));
    await service.submitStory(ctx.db, { userId: null, tokenId: null, isAdmin: false, via: 'anonymous' }, { title: 'Bins left out', body: 'Nobody came for the bins.', pseudonym: 'Sam', email: 'sam@example.org', services: [w.services.bins.id] }, { baseUrl: ctx.config.baseUrl });
    assert.equal((await emailsOf(ctx, w.people.moderator.email, moderateKind)).length, 0, 'turned off: no email');
    assert.ok((await inboxOf(moderator))[moderateKind]!.includes('Moderate the story “Bins left out”'), 'still in the inbox');
    // Another moderator who kept the default is emailed.
    const second = await registerUser(ctx.db, cliActor, { email: 'second-moderator.inbox2@example.org', name: 'Second', password: testPassword });
    await ctx.db.insertInto('memberships').values({ organisation_id: w.moderating.id, user_id: second.id, role: 'moderator' }).execute();
    await service.submitStory(ctx.db, { userId: null, tokenId: null, isAdmin: false, via: 'anonymous' }, { title: 'Library shut', body: 'The library was shut on Saturday.', pseudonym: 'Al', services: [w.services.bins.id], email: 'al@example.org' }, { baseUrl: ctx.config.baseUrl });
    assert.equal((await emailsOf(ctx, 'second-moderator.inbox2@example.org', moderateKind)).length, 1);
    assert.equal((await emailsOf(ctx, w.people.moderator.email, moderateKind)).length, 0);
  });

  it('lets only a site administrator choose the moderating organisation on a page, with clear errors', async () => {
    const { app, ctx } = t();
    const w = await voiceWorld(ctx, 'inbox3');
    const moderator = await signInAs(app, w.people.moderator.email);
    assert.equal((await moderator.get('/voice/moderators')).statusCode, 403);
    assert.equal((await moderator.post('/voice/moderators', { organisation: w.newcastle.slug })).statusCode, 403);
    assert.equal((await service.moderatingOrganisation(ctx.db))!.id, w.moderating.id, 'refused: nothing changed');
    await registerUser(ctx.db, cliActor, { email: 'site-admin.inbox3@example.org', name: 'Site admin', password: testPassword, isAdmin: true });
    const admin = await signInAs(app, 'site-admin.inbox3@example.org');
    const page = await admin.get('/voice/moderators');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(w.moderating.name));
    assert.match(page.body, new RegExp(w.people.moderator.name));
    const bad = await admin.post('/voice/moderators', { organisation: 'no-such-organisation' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<title>Error: /);
    assert.match(bad.body, /href="#organisation"/);
    assert.match(bad.body, /No registered organisation is called “no-such-organisation”/);
    // By name: the page asks for a name, and several matches are offered as a choice (never an id).
    assert.match(page.body, /Its registered name/);
    assert.doesNotMatch(page.body, /org-id|GB-CHC/);
    const several = await admin.post('/voice/moderators', { organisation: 'council inbox3' });
    assert.equal(several.statusCode, 400);
    assert.match(several.body, /2 registered organisations match “council inbox3”: choose one/);
    assert.match(several.body, /href="#choice"/);
    assert.match(several.body, new RegExp(`value="${w.gateshead.id}"`));
    assert.equal((await admin.post('/voice/moderators', { organisation: 'council inbox3', choice: w.gateshead.id })).statusCode, 303);
    assert.equal((await service.moderatingOrganisation(ctx.db))!.id, w.gateshead.id);
    assert.equal((await admin.post('/voice/moderators', { organisation: `newcastle council inbox3` })).statusCode, 303, 'one match by name');
    assert.equal((await service.moderatingOrganisation(ctx.db))!.id, w.newcastle.id);
    assert.equal((await admin.post('/voice/moderators', { organisation: w.gateshead.slug })).statusCode, 303, 'its address still works');
    assert.equal((await service.moderatingOrganisation(ctx.db))!.id, w.gateshead.id);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'voice.moderators.set').execute();
    assert.ok(audit.length >= 2);
  });
});
