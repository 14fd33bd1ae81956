import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openCliWorkspace, runCli as cli, testEngines } from './platform/testing.ts';

for (const engine of testEngines()) {
  describe(`the commonweal command line [${engine}]`, () => {
    let dir: string;
    let env: Record<string, string | undefined>;
    let close = async () => {};
    before(async () => {
      ({ dir, env, close } = await openCliWorkspace(engine));
    });
    after(() => close());

    it('creates a user, an organisation, a membership and a token, each printing one JSON object', async () => {
      const user = await cli(['user', 'create', '--email', 'Officer@Example.org', '--name', 'Fin Officer', '--password-stdin', '--json', '--data-dir', dir], env, 'a long enough password\n');
      assert.equal(user.code, 0, user.stderr);
      const { id } = JSON.parse(user.stdout);
      assert.match(id, /^[0-9a-f-]{36}$/);

      const org = await cli(['org', 'create', '--name', 'Newcastle City Council', '--identifier', 'GB-LAE-NET', '--legal-form', 'local-authority', '--json', '--data-dir', dir], env);
      assert.equal(org.code, 0, org.stderr);
      const orgId = JSON.parse(org.stdout).id;

      const member = await cli(['member', 'add', '--org', 'GB-LAE-NET', '--user', 'officer@example.org', '--role', 'finance', '--json', '--data-dir', dir], env);
      assert.equal(member.code, 0, member.stderr);
      assert.deepEqual(JSON.parse(member.stdout), { organisationId: orgId, userId: id, role: 'finance', added: true });

      const token = await cli(['token', 'create', '--user', 'officer@example.org', '--json', '--data-dir', dir], env);
      assert.equal(token.code, 0, token.stderr);
      assert.match(JSON.parse(token.stdout).token, /^cw_[\w-]{43}$/);
    });

    it('names the option at fault and exits non-zero, writing nothing', async () => {
      const bad = await cli(['org', 'create', '--name', 'Bad Charity', '--identifier', 'GB-CHC-12', '--legal-form', 'registered-charity', '--data-dir', dir], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--identifiers: "12" is not a valid Charity Commission/);
      const list = await cli(['org', 'list', '--q', 'Bad Charity', '--json', '--data-dir', dir], env);
      assert.equal(JSON.parse(list.stdout).total, 0);
      const taken = await cli(['user', 'create', '--email', 'officer@example.org', '--name', 'Again', '--json', '--data-dir', dir], env);
      assert.equal(taken.code, 1);
      assert.equal(JSON.parse(taken.stderr).code, 'email_taken');
    });

    it('refuses unknown commands and options with usage', async () => {
      const unknown = await cli(['frobnicate', '--data-dir', dir], env);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /Unknown command: frobnicate/);
      const badOption = await cli(['org', 'create', '--colour', 'red', '--data-dir', dir], env);
      assert.equal(badOption.code, 2);
      assert.match(badOption.stderr, /Usage: commonweal org create/);
      const negative = await cli(['org', 'list', '--q', '-120', '--json', '--data-dir', dir], env);
      assert.equal(negative.code, 0, 'a negative number after an option is its value');
      assert.equal(JSON.parse(negative.stdout).total, 0);
      const help = await cli(['--help'], env);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /user create/);
    });
  });
}
