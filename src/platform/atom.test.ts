import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { atomFeed, xmlText } from './atom.ts';

const base = {
  id: 'http://localhost:3000/voice/feed',
  title: 'Stories',
  link: 'http://localhost:3000/voice',
  selfLink: 'http://localhost:3000/voice/feed.atom',
};

describe('Atom feeds', () => {
  it('has the elements RFC 4287 requires of a feed and of each entry', () => {
    const xml = atomFeed({
      ...base,
      entries: [
        { id: 'urn:uuid:1', title: 'First', link: 'http://localhost:3000/a', updated: '2026-01-02T03:04:05Z', summary: 'Hello' },
        { id: 'urn:uuid:2', title: 'Second', link: 'http://localhost:3000/b', updated: new Date('2026-03-01T00:00:00Z') },
      ],
    });
    assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom">/);
    // The feed's updated is its newest entry's.
    assert.match(xml, /<feed[^]*?<updated>2026-03-01T00:00:00\.000Z<\/updated>[^]*?<entry>/);
    assert.equal((xml.match(/<entry>/g) ?? []).length, 2);
    assert.match(xml, /<author><name>Commonweal<\/name><\/author>/);
    assert.match(xml, /<link rel="self" type="application\/atom\+xml" href="http:\/\/localhost:3000\/voice\/feed\.atom"\/>/);
    for (const entry of xml.split('<entry>').slice(1)) {
      for (const tag of ['id', 'title', 'updated']) assert.match(entry, new RegExp(`<${tag}[ >]`));
    }
  });

  it('escapes markup in every field and never sends HTML content', () => {
    const evil = '<script>alert("x")</script> & \'q\'';
    const xml = atomFeed({
      ...base,
      title: evil,
      entries: [{ id: 'urn:uuid:1', title: evil, link: 'http://x/"><script>', updated: '2026-01-01', summary: evil, content: evil, author: { name: evil }, categories: [{ term: evil, label: evil }] }],
    });
    assert.doesNotMatch(xml, /<script>/);
    assert.doesNotMatch(xml, /type="html"/);
    assert.match(xml, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &apos;q&apos;/);
  });

  it('drops characters XML 1.0 forbids, keeps tabs, newlines and emoji', () => {
    assert.equal(xmlText('a\u0000b\u0008c\td\ne\u{1F600}\uD800'), 'abc\td\ne\u{1F600}');
  });

  it('an empty feed still carries updated; a date-only value is midnight UTC', () => {
    const xml = atomFeed({ ...base, entries: [], fallbackUpdated: '2026-11-23' });
    assert.match(xml, /<updated>2026-11-23T00:00:00\.000Z<\/updated>/);
    assert.throws(() => atomFeed({ ...base, entries: [{ id: 'x', title: 't', link: 'l', updated: 'not a date' }] }), /not a date/);
  });
});
