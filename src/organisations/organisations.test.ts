import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine, TestAgent, userWithToken } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { registerUser } from '../platform/auth/auth.service.ts';
import { seedDemo } from '../app.ts';
import * as service from './organisations.service.ts';
import { demoOrganisations } from './organisations.demo.ts';

const password = 'a long enough password';


eachEngine('organisations', (t) => {
  it('registers an organisation over the API; its creator becomes its administrator; the change is audited', async () => {
    const { app, ctx } = t();
    const { user, auth } = await userWithToken(ctx.db, 'founder@example.org');
    const res = await app.inject({
      method: 'POST', url: '/api/v1/organisations', headers: auth,
      payload: { name: 'Byker Community Trust', legalForm: 'community-benefit-society', identifiers: ['GB-MPR-30162R'], locality: 'Newcastle upon Tyne' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const org = res.json();
    assert.equal(org.slug, 'byker-community-trust');
    assert.equal(org.sector, 'vcse');
    assert.equal(org.distributesProfit, false);
    assert.equal(org.verified, false, 'a self-registered organisation is unverified');
    assert.deepEqual(org.identifiers, ['GB-MPR-30162R']);

    const members = await app.inject({ method: 'GET', url: `/api/v1/organisations/${org.id}/members`, headers: auth });
    assert.deepEqual(members.json().map((m: { role: string; userId: string }) => [m.userId, m.role]), [[user.id, 'admin']]);
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('entity_id', '=', org.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['organisation.created', 'organisation.verification_requested'], 'its claim to GB-MPR-30162R waits for a site administrator');
    assert.equal(audit[0]!.actor_user_id, user.id);
    assert.equal(audit[0]!.actor_via, 'token');

    const byIdentifier = await app.inject({ method: 'GET', url: '/api/v1/organisations/gb-mpr-30162r' });
    assert.equal(byIdentifier.json().id, org.id);
  });

  it('lets two unverified organisations claim one identifier, but refuses a claim on one held verified, writing nothing', async () => {
    const { app, ctx } = t();
    const { auth } = await userWithToken(ctx.db, 'dup@example.org');
    const first = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: auth, payload: { name: 'Age UK Test', legalForm: 'charitable-company', identifiers: ['GB-CHC-1128267'] } });
    assert.equal(first.statusCode, 201);
    // A squatter's unchecked claim must not lock the real body out of the registry.
    const rival = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: auth, payload: { name: 'Age UK Rival', legalForm: 'charitable-company', identifiers: ['GB-CHC-1128267'] } });
    assert.equal(rival.statusCode, 201, rival.body);
    await service.verifyOrganisation(ctx.db, cliActor, first.json().id);
    const count = await service.countOrganisations(ctx.db);
    const second = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: auth, payload: { name: 'Impostor', legalForm: 'charitable-company', identifiers: ['gb-chc-1128267'] } });
    assert.equal(second.statusCode, 409);
    assert.equal(second.json().code, 'conflict');
    assert.equal(second.json().errors[0].field, 'identifiers');
    assert.match(second.json().errors[0].message, /GB-CHC-1128267 is held by Age UK Test, a verified organisation: ask its administrators to invite you/);
    assert.equal(await service.countOrganisations(ctx.db), count);
  });

  it('validates the body against its schema and names the field', async () => {
    const { app, ctx } = t();
    const { auth } = await userWithToken(ctx.db, 'schema@example.org');
    const res = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: auth, payload: { name: 'X', legalForm: 'llama-farm' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'validation_failed');
    assert.ok(res.json().errors.some((e: { field: string }) => e.field === 'legalForm'));
    const badId = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: auth, payload: { name: 'X', legalForm: 'community-group', identifiers: ['GB-CHC-abc'] } });
    assert.equal(badId.statusCode, 400);
    assert.match(badId.json().errors[0].message, /not a valid Charity Commission/);
  });

  it('lets only the organisation’s administrators change it or add members', async () => {
    const { app, ctx } = t();
    const owner = await userWithToken(ctx.db, 'owner@example.org');
    const stranger = await userWithToken(ctx.db, 'stranger@example.org');
    const org = (await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: owner.auth, payload: { name: 'Walker Youth Club', legalForm: 'community-group' } })).json();

    const denied = await app.inject({ method: 'PATCH', url: `/api/v1/organisations/${org.id}`, headers: stranger.auth, payload: { name: 'Hijacked' } });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().code, 'forbidden');
    const anonymous = await app.inject({ method: 'PATCH', url: `/api/v1/organisations/${org.id}`, payload: { name: 'Hijacked' } });
    assert.equal(anonymous.statusCode, 401, 'no token and no session: asked to sign in, before the body is read');
    assert.equal((await service.getOrganisation(ctx.db, org.id)).name, 'Walker Youth Club');

    const added = await app.inject({ method: 'POST', url: `/api/v1/organisations/${org.id}/members`, headers: owner.auth, payload: { email: 'stranger@example.org', role: 'staff' } });
    assert.equal(added.statusCode, 201);
    const stillDenied = await app.inject({ method: 'PATCH', url: `/api/v1/organisations/${org.id}`, headers: stranger.auth, payload: { name: 'Hijacked' } });
    assert.equal(stillDenied.statusCode, 403, 'staff are not administrators');
    const renamed = await app.inject({ method: 'PATCH', url: `/api/v1/organisations/${org.id}`, headers: owner.auth, payload: { name: 'Walker Young People’s Club' } });
    assert.equal(renamed.statusCode, 200);
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('entity_id', '=', org.id).where('action', '=', 'organisation.updated').executeTakeFirstOrThrow();
    assert.equal((audit.before as { name: string }).name, 'Walker Youth Club');
    assert.equal((audit.after as { name: string }).name, 'Walker Young People’s Club');

    const unknownPerson = await app.inject({ method: 'POST', url: `/api/v1/organisations/${org.id}/members`, headers: owner.auth, payload: { email: 'nobody@example.org', role: 'staff' } });
    assert.equal(unknownPerson.statusCode, 400);
    assert.match(unknownPerson.json().errors[0].message, /No one has registered/);
  });

  it('manages an organisation through its pages, without JavaScript', async () => {
    const { app, ctx } = t();
    const agent = new TestAgent(app, '10.1.0.1');
    await agent.register(ctx.db, { name: 'Page User', email: 'pages@example.org', password });
    await agent.get('/organisations/new');
    const invalid = await agent.post('/organisations', { name: '', legalForm: '', identifiers: 'GB-CHC-1' });
    assert.equal(invalid.statusCode, 400);
    assert.match(invalid.body, /Enter the organisation’s name/);
    assert.match(invalid.body, /Select a legal form/);
    assert.match(invalid.body, /not a valid Charity Commission/);
    const created = await agent.post('/organisations', { name: 'Elswick Community Pantry', legalForm: 'cic-guarantee', identifiers: '', locality: 'Newcastle upon Tyne' });
    assert.equal(created.statusCode, 303);
    const page = await agent.get(String(created.headers.location));
    assert.match(page.body, /Elswick Community Pantry/);
    assert.match(page.body, /Community interest company limited by guarantee/);
    assert.match(page.body, /Give someone a role/);
    await registerUser(ctx.db, cliActor, { email: 'volunteer@example.org', name: 'Val Volunteer', password });
    const member = await agent.post('/organisations/elswick-community-pantry/members', { email: 'volunteer@example.org', role: 'coordinator' });
    assert.equal(member.statusCode, 303);
    assert.match((await agent.get('/organisations/elswick-community-pantry')).body, /Val Volunteer/);
    const me = await ctx.db.selectFrom('users').select('id').where('email', '=', 'pages@example.org').executeTakeFirstOrThrow();
    const lastAdmin = await agent.post('/organisations/elswick-community-pantry/members/remove', { userId: me.id, role: 'admin' });
    assert.equal(lastAdmin.statusCode, 409);
    assert.match(lastAdmin.body, /cannot remove the last administrator/);
    const garbage = await agent.post('/organisations/elswick-community-pantry/members/remove', { userId: 'not-a-uuid', role: 'staff' });
    assert.equal(garbage.statusCode, 404);
    const anonymousView = await app.inject({ method: 'GET', url: '/organisations/elswick-community-pantry' });
    assert.ok(!anonymousView.body.includes('volunteer@example.org'), 'members are shown only to administrators');
  });

  it('lets only a site administrator verify an organisation, and audits it', async () => {
    const { app, ctx } = t();
    const owner = new TestAgent(app, '10.1.0.2');
    await owner.register(ctx.db, { name: 'Owner', email: 'verify-owner@example.org', password });
    await owner.get('/organisations/new');
    await owner.post('/organisations', { name: 'Fenham Food Bank', legalForm: 'registered-charity', identifiers: 'GB-CHC-1099999', evidence: 'I am its chair; see fenhamfoodbank.example.org/trustees' });
    const refused = await owner.post('/organisations/fenham-food-bank/verify', { verified: 'yes' });
    assert.equal(refused.statusCode, 403);
    await registerUser(ctx.db, cliActor, { email: 'site-admin@example.org', name: 'Site Admin', password, isAdmin: true });
    const admin = new TestAgent(app, '10.1.0.3');
    await admin.get('/sign-in');
    await admin.post('/sign-in', { email: 'site-admin@example.org', password });
    const page = await admin.get('/organisations/fenham-food-bank');
    assert.match(page.body, /Mark as verified/);
    assert.equal((await admin.post('/organisations/fenham-food-bank/verify', { verified: 'yes' })).statusCode, 303);
    const org = await service.getOrganisation(ctx.db, 'fenham-food-bank');
    assert.equal(org.verified, true);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', org.id).where('action', '=', 'organisation.verified').execute();
    assert.equal(audit.length, 1);
  });

  it('loads the real demo organisations once, however often it runs', async () => {
    const { app, ctx } = t();
    await seedDemo(ctx);
    const after1 = await service.countOrganisations(ctx.db);
    await seedDemo(ctx);
    assert.equal(await service.countOrganisations(ctx.db), after1);
    const newcastle = await service.getOrganisation(ctx.db, 'GB-LAE-NET');
    assert.equal(newcastle.name, 'Newcastle City Council');
    assert.equal(newcastle.verified, true);
    const list = await app.inject({ method: 'GET', url: '/api/v1/organisations?q=council&pageSize=100' });
    assert.ok(list.json().total >= demoOrganisations.filter((o) => o.legalForm === 'local-authority').length);
    const search = await app.inject({ method: 'GET', url: '/organisations?q=GB-LAE-GAT' });
    assert.match(search.body, /Gateshead Council/);
  });
});
