// The voice commands as a person runs them, on both engines: each prints one JSON object, and a mistake is a
// non-zero exit with a message naming the field.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeCli } from '../platform/testing.ts';
import { placesFiles, NEWCASTLE } from './voice.test-support.ts';

describeCli('the voice command line', (ws) => {

  it('chooses the moderators, adds a service, sets petition thresholds and reports metrics', async () => {
    const { run, dir } = ws();
    const files = placesFiles();
    writeFileSync(join(dir, 'domains.csv.gz'), files.domains);
    writeFileSync(join(dir, 'population.csv'), files.population);
    assert.equal((await run('places', 'import-iod2019', '--domains', join(dir, 'domains.csv.gz'), '--population', join(dir, 'population.csv'))).code, 0);
    assert.equal((await run('org', 'create', '--name', 'Newcastle City Council', '--identifier', 'GB-LAE-NET', '--legal-form', 'local-authority', '--verified')).code, 0);
    assert.equal((await run('org', 'create', '--name', 'Tyneside Moderators', '--legal-form', 'community-group')).code, 0);

    assert.deepEqual((await run('voice', 'moderators')).json, { organisationId: null, name: null });
    const mods = await run('voice', 'moderators', '--org', 'tyneside-moderators');
    assert.equal(mods.code, 0, mods.stderr);
    assert.equal(mods.json.name, 'Tyneside Moderators');

    const bad = await run('voice', 'service', 'create', '--org', 'GB-LAE-NET', '--name', 'Street lighting', '--decision', 'technical', '--area', 'E99999999');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /E99999999 is not a local authority or small area code we know/);
    const svc = await run('voice', 'service', 'create', '--org', 'GB-LAE-NET', '--name', 'Street lighting', '--decision', 'technical', '--area', NEWCASTLE, '--area', 'E01008300');
    assert.equal(svc.code, 0, svc.stderr);
    assert.deepEqual(svc.json.areas, [NEWCASTLE, 'E01008300']);
    const list = await run('voice', 'service', 'list', '--area', NEWCASTLE);
    assert.deepEqual(list.json.items.map((s: { name: string }) => s.name), ['Street lighting']);

    const settings = await run('voice', 'petition', 'settings', '--org', 'GB-LAE-NET', '--response', '500', '--debate', '2000', '--days', '90');
    assert.equal(settings.code, 0, settings.stderr);
    assert.equal(settings.json.responseThreshold, 500);
    assert.equal((await run('voice', 'petition', 'settings', '--org', 'GB-LAE-NET')).json.openDays, 90);
    const wrong = await run('voice', 'petition', 'settings', '--org', 'GB-LAE-NET', '--response', 'lots');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /whole number/);

    const metrics = await run('voice', 'metrics', '--org', 'GB-LAE-NET');
    assert.equal(metrics.code, 0, metrics.stderr);
    assert.equal(metrics.json.stories, 0);
    assert.equal(metrics.json.shareAnswered, null);
    assert.notEqual((await run('voice', 'petition', 'show', 'not-an-id')).code, 0);
    const dry = await run('voice', 'petition', 'invalidate', 'not-an-id', '--dry-run', '--network', '10.0.0.1');
    assert.notEqual(dry.code, 0);
    assert.match(dry.stderr, /network as the surge report shows it/);
    assert.notEqual((await run('voice', 'petition', 'surge', 'not-an-id')).code, 0);
  });
});
