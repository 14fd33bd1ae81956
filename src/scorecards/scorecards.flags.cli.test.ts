// The command line of the worst 10% and peer reviewer registration, on both engines: `scorecards flags --json`
// prints the period, the kind and every flag; bad input names the option; a registered peer reviewer is listed;
// `scorecards recompute` stores the flags too.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCli } from '../platform/testing.ts';

describeCli('commonweal scorecards flags and peer-reviewers', (ws) => {
  it('registers a peer reviewer for a kind of service, refusing an unknown kind or organisation', async () => {
    const { run } = ws();
    const org = await run('org', 'create', '--name', 'CLI Peer Reviewers', '--legal-form', 'registered-charity');
    assert.equal(org.code, 0, org.stderr);
    const bad = await run('scorecards', 'peer-reviewers', 'add', '--org', org.json.id, '--kind', 'hotels');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /kind of service the organisation may review/);
    const nobody = await run('scorecards', 'peer-reviewers', 'add', '--org', 'no-such-org', '--kind', 'technical');
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /No organisation has that name/);
    const added = await run('scorecards', 'peer-reviewers', 'add', '--org', org.json.id, '--kind', 'technical');
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual([added.json.kind, added.json.added], ['technical', true]);
    const again = await run('scorecards', 'peer-reviewers', 'add', '--org', org.json.id, '--kind', 'technical');
    assert.equal(again.json.added, false);
    const list = await run('scorecards', 'peer-reviewers', 'list');
    assert.deepEqual(list.json, [{ organisationId: org.json.id, name: 'CLI Peer Reviewers', kind: 'technical' }]);
  });

  it('prints the flags of a period as JSON, and names a bad period or kind', async () => {
    const { run } = ws();
    const none = await run('scorecards', 'flags', '--period', '2026', '--kind', 'involvement');
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(none.json, { period: '2026', kind: 'involvement', flags: [] });
    const badPeriod = await run('scorecards', 'flags', '--period', '26');
    assert.equal(badPeriod.code, 1);
    assert.match(badPeriod.stderr, /year as four digits/);
    const badKind = await run('scorecards', 'flags', '--kind', 'hotels');
    assert.equal(badKind.code, 1);
    assert.match(badKind.stderr, /kind of service/);
  });

  it('recomputes the scorecards and then the flags of the two calendar years a financial year spans', async () => {
    const { run } = ws();
    const r = await run('scorecards', 'recompute', '--period', '2025-26', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([r.json.periods, r.json.flags.periods, r.json.flags.flags], [['2025-26'], ['2025', '2026'], 0]);
    const bad = await run('scorecards', 'recompute', '--period', '2025');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /financial year/);
  });
});
