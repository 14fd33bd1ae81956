import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCli, runCli } from './platform/testing.ts';

describeCli('the commonweal command line', (ws) => {
  const cli = (args: string[], stdin?: string) => runCli(args, ws().env, stdin);

  it('creates a user, an organisation, a membership and a token, each printing one JSON object', async () => {
    const user = await cli(['user', 'create', '--email', 'Officer@Example.org', '--name', 'Fin Officer', '--password-stdin', '--json', '--data-dir', ws().dir], 'a long enough password\n');
    assert.equal(user.code, 0, user.stderr);
    const { id } = JSON.parse(user.stdout);
    assert.match(id, /^[0-9a-f-]{36}$/);

    const org = await cli(['org', 'create', '--name', 'Newcastle City Council', '--identifier', 'GB-LAE-NET', '--legal-form', 'local-authority', '--json', '--data-dir', ws().dir]);
    assert.equal(org.code, 0, org.stderr);
    const orgId = JSON.parse(org.stdout).id;
    assert.equal(JSON.parse(org.stdout).verified, false, 'registered without --verified: a claim waiting to be checked');
    const verified = await cli(['org', 'verify', '--org', 'GB-LAE-NET', '--reason', 'Checked against the GB-LAE register', '--json', '--data-dir', ws().dir]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(JSON.parse(verified.stdout).verified, true);
    const second = await cli(['org', 'create', '--name', 'Newcastle City Council', '--identifier', 'GB-LAE-NET', '--legal-form', 'local-authority', '--json', '--data-dir', ws().dir]);
    assert.equal(second.code, 1);
    assert.match(JSON.parse(second.stderr).detail ?? second.stderr, /GB-LAE-NET is held by Newcastle City Council, a verified organisation/);
    const claim = await cli(['org', 'create', '--name', 'Gateshead Council', '--identifier', 'GB-LAE-GAT', '--legal-form', 'local-authority', '--json', '--data-dir', ws().dir]);
    assert.equal(claim.code, 0, claim.stderr);
    const noReason = await cli(['org', 'verify', '--org', 'GB-LAE-GAT', '--reject', '--data-dir', ws().dir]);
    assert.equal(noReason.code, 1);
    assert.match(noReason.stderr, /reason/);
    const rejected = await cli(['org', 'verify', '--org', 'GB-LAE-GAT', '--reject', '--reason', 'Not on the register as this body', '--json', '--data-dir', ws().dir]);
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.deepEqual(JSON.parse(rejected.stdout).identifiers, [], 'a rejected claim loses the identifiers it claimed');
    const operator = await cli(['org', 'create', '--name', 'Sunderland City Council', '--identifier', 'GB-LAE-SND', '--legal-form', 'local-authority', '--verified', '--json', '--data-dir', ws().dir]);
    assert.equal(JSON.parse(operator.stdout).verified, true);

    const member = await cli(['member', 'add', '--org', 'GB-LAE-NET', '--user', 'officer@example.org', '--role', 'finance', '--json', '--data-dir', ws().dir]);
    assert.equal(member.code, 0, member.stderr);
    assert.deepEqual(JSON.parse(member.stdout), { organisationId: orgId, userId: id, role: 'finance', added: true });

    const token = await cli(['token', 'create', '--user', 'officer@example.org', '--json', '--data-dir', ws().dir]);
    assert.equal(token.code, 0, token.stderr);
    assert.match(JSON.parse(token.stdout).token, /^cw_[\w-]{43}$/);
  });

  it('names the option at fault and exits non-zero, writing nothing', async () => {
    const bad = await cli(['org', 'create', '--name', 'Bad Charity', '--identifier', 'GB-CHC-12', '--legal-form', 'registered-charity', '--data-dir', ws().dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--identifiers: "12" is not a valid Charity Commission/);
    const list = await cli(['org', 'list', '--q', 'Bad Charity', '--json', '--data-dir', ws().dir]);
    assert.equal(JSON.parse(list.stdout).total, 0);
    const taken = await cli(['user', 'create', '--email', 'officer@example.org', '--name', 'Again', '--json', '--data-dir', ws().dir]);
    assert.equal(taken.code, 1);
    assert.equal(JSON.parse(taken.stderr).code, 'email_taken');
  });

  it('refuses unknown commands and options with usage', async () => {
    const unknown = await cli(['frobnicate', '--data-dir', ws().dir]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command: frobnicate/);
    const badOption = await cli(['org', 'create', '--colour', 'red', '--data-dir', ws().dir]);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /Usage: commonweal org create/);
    const negative = await cli(['org', 'list', '--q', '-120', '--json', '--data-dir', ws().dir]);
    assert.equal(negative.code, 0, 'a negative number after an option is its value');
    assert.equal(JSON.parse(negative.stdout).total, 0);
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /user create/);
  });
});
