// The commissioning commands as a person runs them, on both engines.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCli } from '../platform/testing.ts';
import { opportunityBody, assertValidOcds } from './commissioning.test-support.ts';

const example = fileURLToPath(new URL('../../schemas/ocds-1.1.5/examples/ocds-213czf-000-00001-02-tender.json', import.meta.url));

describeCli('the commissioning command line', (ws) => {
  const run = (args: string[], stdin = '') => ws().runWith(stdin, ...args);

  it('validates OCDS packages: the official example passes; an unknown tag fails naming where, with exit code 1', async () => {
    const ok = await run(['commissioning', 'validate', '--file', example]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.json.valid, true);
    const bad = { uri: 'https://example.org/p.json', version: '1.1', publishedDate: '2026-11-23T00:00:00Z', publisher: { name: 'x' }, releases: [{ ocid: 'ocds-x', id: '1', date: '2026-11-23T00:00:00Z', tag: ['sealed'], initiationType: 'tender' }] };
    const r = await run(['commissioning', 'validate', '--file', '-'], JSON.stringify(bad));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/releases\/0\/tag\/0 must be equal to one of the allowed values/);
    const notJson = await run(['commissioning', 'validate', '--file', '-'], '{ nope');
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /Not valid JSON/);
  });

  it('creates and publishes an opportunity from a JSON file, lists it and prints its OCDS', async () => {
    const org = await run(['org', 'create', '--name', 'Example Borough Council', '--legal-form', 'local-authority', '--identifier', 'GB-GOR-T400001', '--verified']);
    assert.equal(org.code, 0, org.stderr);
    const file = join(ws().dir, 'opportunity.json');
    writeFileSync(file, JSON.stringify(opportunityBody(org.json.id, new Date(Date.now() + 86_400_000))));
    const created = await run(['commissioning', 'create', '--file', file, '--publish']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.json.status, 'open');
    assert.equal(created.json.releaseId, `${created.json.ocid}-0001`);
    const list = await run(['commissioning', 'list', '--status', 'open']);
    assert.deepEqual(list.json.items.map((o: { id: string }) => o.id), [created.json.id]);
    const ocds = await run(['commissioning', 'ocds', '--ocid', created.json.ocid]);
    assert.equal(ocds.code, 0, ocds.stderr);
    assertValidOcds(ocds.json);
    const publisher = await run(['commissioning', 'ocds', '--org', org.json.id]);
    assertValidOcds(publisher.json);
    assert.equal(publisher.json.releases.length, 1);
    writeFileSync(file, JSON.stringify({ ...opportunityBody(org.json.id, new Date(Date.now() + 86_400_000)), criteria: [] }));
    const refused = await run(['commissioning', 'create', '--file', file]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /criteria/);
  });
});
