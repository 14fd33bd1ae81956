import { it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeCli } from '../platform/testing.ts';

describeCli('the spend command line: drafts and withdrawal', (ws) => {
  it('holds an import as a draft unless --yes, publishes it naming its warnings, and withdraws a file', async () => {
    const { run, dir } = ws();
    assert.equal((await run('org', 'create', '--name', 'Anytown Council', '--identifier', 'GB-LAE-ANY', '--legal-form', 'local-authority', '--verified')).code, 0);
    let csv = 'Date,Department,Expense Type,Net Amount\n';
    for (let i = 0; i < 30; i++) csv += `${String(1 + i).padStart(2, '0')}/01/2024,Dept ${i % 3},Type ${i % 4},${1000 + i * 37}.00\n`;
    const file = join(dir, 'anytown-2024-01.csv');
    writeFileSync(file, csv);
    const drafted = await run('spend', 'import', file, '--publisher', 'GB-LAE-ANY');
    assert.equal(drafted.code, 0, drafted.stderr);
    assert.match(drafted.json.check, /\/spend\/anytown-council\/drafts\/[0-9a-f-]{36}$/);
    assert.deepEqual(drafted.json.warnings.map((w: { code: string }) => w.code), ['no-supplier']);
    assert.match(drafted.json.next, /--acknowledge no-supplier/);
    assert.equal((await run('spend', 'files', '--publisher', 'GB-LAE-ANY')).json.files.length, 0, 'nothing published yet');
    const listed = await run('spend', 'drafts', '--publisher', 'GB-LAE-ANY');
    assert.deepEqual(listed.json.drafts.map((d: { id: string }) => d.id), [drafted.json.draftId]);
    const refused = await run('spend', 'drafts', 'publish', drafted.json.draftId);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Tick to confirm you have checked: No column says who was paid/);
    const published = await run('spend', 'drafts', 'publish', drafted.json.draftId, '--acknowledge', 'no-supplier');
    assert.equal(published.code, 0, published.stderr);
    assert.equal(published.json.rowsImported, 30);
    const again = await run('spend', 'drafts', 'publish', drafted.json.draftId, '--acknowledge', 'no-supplier');
    assert.equal(again.code, 1);
    assert.equal(JSON.parse(again.stderr).code, 'conflict');

    const withdrawn = await run('spend', 'withdraw', '--publisher', 'GB-LAE-ANY', '--file', published.json.fileId, '--reason', 'Sent without suppliers');
    assert.equal(withdrawn.code, 0, withdrawn.stderr);
    const files = (await run('spend', 'files', '--publisher', 'GB-LAE-ANY')).json.files;
    assert.deepEqual(files.map((f: { status: string }) => f.status), ['withdrawn']);

    // --yes publishes at once, as before.
    writeFileSync(file, csv.replace('Net Amount', 'Net Amount,Supplier').split('\n').map((l, i) => (i === 0 || !l ? l : `${l},Acme Ltd`)).join('\n'));
    const direct = await run('spend', 'import', file, '--publisher', 'GB-LAE-ANY', '--yes');
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(direct.json.outcome, 'imported');
    assert.equal(direct.json.version, 2);
  });
});
