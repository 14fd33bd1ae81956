// The place finder on the shipped data (IoD2019, SIMD2020, the ONS LSOA→ward lookup and the NSPL extract), on
// both engines: postcodes in any spelling, sectors, wards with several small areas, Scottish postcodes,
// terminated postcodes, postcodes we don't have, and text that cannot be a postcode.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { seedPlaces } from './places.demo.ts';
import { findPlace, type PlaceMatch } from './places.finder.ts';
import { importWards } from './places.lookups.ts';
import { cliActor } from '../platform/actor.ts';

function kind<K extends PlaceMatch['kind']>(m: PlaceMatch, k: K): Extract<PlaceMatch, { kind: K }> {
  assert.equal(m.kind, k, m.summary);
  return m as Extract<PlaceMatch, { kind: K }>;
}

eachEngine('the place finder', (t) => {
  before(async () => {
    await seedPlaces(t().ctx);
  });

  it('finds a live postcode in any spacing and case: its small area, ward and local authority', async () => {
    const { db } = t().ctx;
    for (const typed of ['SR1 1AE', 'sr11ae', '  sr1   1ae ', 'Sr1 1Ae']) {
      const m = kind(await findPlace(db, typed), 'postcode');
      assert.equal(m.postcode, 'SR1 1AE');
      assert.equal(m.area.code, 'E01008836');
      assert.equal(m.localAuthority.code, 'E08000024');
      assert.equal(m.localAuthority.name, 'Sunderland');
      assert.equal(m.terminated, null);
      assert.ok(m.area.ward, 'the area has its ward');
      assert.equal(m.area.label, `${m.area.ward!.name} (${m.area.name})`);
      assert.match(m.summary, /^SR1 1AE is in .+ \(Sunderland \d{3}[A-Z]\), Sunderland\.$/);
    }
  });

  it('resolves a terminated postcode to where it was, with a note', async () => {
    const m = kind(await findPlace(t().ctx.db, 'SR1 1AA'), 'postcode');
    assert.equal(m.terminated, '199912');
    assert.equal(m.area.code, 'E01008703');
    assert.match(m.summary, /SR1 1AA was terminated in December 1999: this is where it was\./);
  });

  it('finds a Scottish postcode: its data zone and council area', async () => {
    const m = kind(await findPlace(t().ctx.db, 'fk1 1aa'), 'postcode');
    assert.equal(m.area.kind, 'datazone2011');
    assert.match(m.area.code, /^S01\d{6}$/);
    assert.equal(m.area.country, 'scotland');
    assert.equal(m.area.index, 'simd2020');
    assert.equal(m.localAuthority.name, 'Falkirk');
  });

  it('finds a sector and an outward code: the small areas of their live postcodes', async () => {
    const { db } = t().ctx;
    const sector = kind(await findPlace(db, 'sr1 1'), 'sector');
    assert.equal(sector.sector, 'SR1 1');
    assert.ok(sector.areas.length >= 2);
    assert.ok(sector.areas.some((a) => a.code === 'E01008836'));
    assert.ok(sector.areas.every((a) => a.localAuthority.code === 'E08000024'));
    const outward = kind(await findPlace(db, 'SR1'), 'outward');
    assert.ok(outward.areas.length > sector.areas.length);
  });

  it('finds a ward by name with all its small areas, and words inside ward names', async () => {
    const { db } = t().ctx;
    const byker = kind(await findPlace(db, 'Byker'), 'names');
    const ward = byker.wards.find((w) => w.name === 'Byker' && w.localAuthority?.name === 'Newcastle upon Tyne');
    assert.ok(ward, byker.summary);
    assert.equal(ward.areas.length, 6);
    assert.ok(ward.areas.some((a) => a.code === 'E01008304' && a.label === 'Byker (Newcastle upon Tyne 026C)'));
    assert.match(byker.summary, /Byker/);
    const walker = kind(await findPlace(db, 'walker'), 'names');
    const names = walker.wards.map((w) => w.name);
    assert.ok(names.includes('Walker') && names.includes('Walkergate'), names.join(', '));
    assert.equal(walker.wards[0]!.name, 'Walker', 'the exact name comes first');
    assert.equal(walker.wards[0]!.areas.length, 7);
  });

  it('finds local authorities by name and code, and small areas by code', async () => {
    const { db } = t().ctx;
    const sunderland = kind(await findPlace(db, 'Sunderland'), 'names');
    assert.ok(sunderland.localAuthorities.some((l) => l.code === 'E08000024'));
    assert.ok(sunderland.totalAreas > 100, 'small areas named "Sunderland 0…"');
    kind(await findPlace(db, 'e08000021'), 'local-authority');
    const area = kind(await findPlace(db, 'E01008304'), 'area');
    assert.equal(area.area.label, 'Byker (Newcastle upon Tyne 026C)');
  });

  it('says plainly when a well-formed postcode is not loaded, with its sector when known', async () => {
    const { db } = t().ctx;
    const unknown = kind(await findPlace(db, 'NE99 9ZZ'), 'postcode-unknown');
    assert.equal(unknown.postcode, 'NE99 9ZZ');
    assert.equal(unknown.sector, null);
    assert.match(unknown.summary, /^We don't have NE99 9ZZ: it is not in the 31,469 postcodes loaded here\. Check the postcode, or choose your local authority\.$/);
    const inKnownSector = kind(await findPlace(db, 'SR1 1ZZ'), 'postcode-unknown');
    assert.equal(inKnownSector.sector?.sector, 'SR1 1');
    assert.ok((inKnownSector.sector?.areas.length ?? 0) >= 2);
  });

  it('gives a validation message for text that cannot be a postcode, and says when nothing matches', async () => {
    const { db } = t().ctx;
    for (const typed of ['NE6 1A', 'NE6 1AAA', '12345', 'SR1 1A2']) {
      const m = kind(await findPlace(db, typed), 'invalid');
      assert.match(m.message, /Enter a full postcode, like NE6 1AA/);
    }
    kind(await findPlace(db, '   '), 'empty');
    kind(await findPlace(db, 'Xyzzyville'), 'nothing');
    kind(await findPlace(db, 'ZZ9 9'), 'nothing');
  });

  // Last, since it replaces the shipped ward lookup: names are answered from an in-memory index, which must
  // follow an import made after it was built (any process's import rewrites the places_imports row it keys on).
  it('answers names from what is loaded now: a new ward lookup replaces the old names at once', async () => {
    const { ctx } = t();
    const before = kind(await findPlace(ctx.db, 'Byker'), 'names');
    assert.ok(before.wards.some((w) => w.name === 'Byker'));
    kind(await findPlace(ctx.db, 'Ouseburn Riverside'), 'nothing');
    const lookup = ['FID,LSOA11CD,LSOA11NM,WD19CD,WD19NM,LAD19CD,LAD19NM', '1,E01008304,Newcastle upon Tyne 026C,E05099999,Ouseburn Riverside,E08000021,Newcastle upon Tyne'];
    await importWards(ctx, cliActor, { bytes: Buffer.from(lookup.join('\n')) });
    const after = kind(await findPlace(ctx.db, 'ouseburn'), 'names');
    assert.deepEqual(after.wards.map((w) => [w.name, w.areas.map((a) => a.code)]), [['Ouseburn Riverside', ['E01008304']]]);
    assert.equal(after.wards[0]!.areas[0]!.label, 'Ouseburn Riverside (Newcastle upon Tyne 026C)');
    const byker = await findPlace(ctx.db, 'Byker');
    assert.ok(byker.kind === 'nothing' || (byker.kind === 'names' && byker.wards.length === 0), byker.summary);
  });
});
