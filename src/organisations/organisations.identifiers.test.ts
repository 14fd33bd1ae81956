import { it } from 'node:test';
import assert from 'node:assert/strict';
import { formatOrgId, parseOrgId } from './organisations.identifiers.ts';

it('parses and normalises the UK org-id schemes', () => {
  assert.deepEqual(parseOrgId('gb-chc-1128267'), { scheme: 'GB-CHC', identifier: '1128267' });
  assert.deepEqual(parseOrgId(' GB-LAE-net '), { scheme: 'GB-LAE', identifier: 'NET' });
  assert.deepEqual(parseOrgId('GB-SC-sc012345'), { scheme: 'GB-SC', identifier: 'SC012345' });
  assert.deepEqual(parseOrgId('GB-COH-6825798'), { scheme: 'GB-COH', identifier: '06825798' }, 'company numbers are eight characters');
  assert.deepEqual(parseOrgId('GB-COH-sc123456'), { scheme: 'GB-COH', identifier: 'SC123456' });
  assert.deepEqual(parseOrgId('GB-GOR-D1198'), { scheme: 'GB-GOR', identifier: 'D1198' });
  assert.equal(formatOrgId({ scheme: 'GB-LAS', identifier: 'EDH' }), 'GB-LAS-EDH');
});

it('explains what is wrong with a bad identifier', () => {
  assert.match((parseOrgId('1128267') as { error: string }).error, /expected a scheme and an identifier/);
  assert.match((parseOrgId('GB-XYZ-123') as { error: string }).error, /not a scheme Commonweal knows/);
  assert.match((parseOrgId('GB-CHC-12') as { error: string }).error, /not a valid Charity Commission/);
  assert.match((parseOrgId('GB-LAE-NEWC') as { error: string }).error, /Local Authorities in England/);
  assert.match((parseOrgId('GB-SC-123456') as { error: string }).error, /Scottish Charity Regulator/);
});
