import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalEmail, countWords, normalisePostcode, normaliseTag } from './voice.rules.ts';

describe('voice rules', () => {
  it('canonical email: lower case, +tags dropped everywhere, dots ignored only at Gmail', () => {
    assert.equal(canonicalEmail(' Jo.Bloggs+Petition@GMail.com '), 'jobloggs@gmail.com');
    assert.equal(canonicalEmail('j.o.bloggs@googlemail.com'), 'jobloggs@gmail.com');
    assert.equal(canonicalEmail('Jo.Bloggs+x@outlook.com'), 'jo.bloggs@outlook.com');
    assert.equal(canonicalEmail('jo.bloggs@example.org'), 'jo.bloggs@example.org');
    assert.notEqual(canonicalEmail('jo.bloggs@example.org'), canonicalEmail('jobloggs@example.org'));
    // A local part that is only a +tag keeps it: nothing would be left.
    assert.equal(canonicalEmail('+x@example.org'), '+x@example.org');
  });

  it('UK postcodes: shaped like one, written in the usual form', () => {
    for (const [input, out] of [['ne14st', 'NE1 4ST'], ['NE1 4ST', 'NE1 4ST'], ['sw1a 1aa', 'SW1A 1AA'], ['EH1  1YZ', 'EH1 1YZ'], ['GIR0AA', 'GIR 0AA'], ['W1A 0AX', 'W1A 0AX'], ['M1 1AE', 'M1 1AE']] as const) {
      assert.equal(normalisePostcode(input), out, input);
    }
    for (const bad of ['', 'NE1', '12345', 'NE1 4S', 'QE1 4ST', 'NE1 4CI', '<script>', 'NE1 4ST extra']) assert.equal(normalisePostcode(bad), null, bad);
  });

  it('words and tags', () => {
    assert.equal(countWords('  one two\nthree\t four  '), 4);
    assert.equal(countWords('   '), 0);
    assert.equal(normaliseTag(' Home Care! '), 'home-care');
    assert.equal(normaliseTag('<script>'), 'script');
    assert.equal(normaliseTag('!!!'), null);
    assert.equal(normaliseTag('a'.repeat(60))!.length, 40);
  });
});
