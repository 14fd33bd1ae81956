// Atom 1.0 feeds (RFC 4287), shared by every module that publishes one. All text is treated as untrusted: it is
// escaped, characters XML 1.0 forbids are removed, and content is only ever sent as type="text" (never HTML),
// so a feed reader cannot be made to run anything a person typed.
import type { FastifyReply } from 'fastify';
import { escapeXml } from './charts.ts';

export interface AtomPerson {
  name: string;
  uri?: string;
}

export interface AtomEntry {
  /** A permanent, unique IRI, e.g. the entry's page URL or a `urn:uuid:` — never reused. */
  id: string;
  title: string;
  /** The entry's page (absolute URL). */
  link: string;
  updated: Date | string;
  published?: Date | string;
  author?: AtomPerson;
  /** Plain text; shown as a summary. */
  summary?: string;
  /** Plain text body. */
  content?: string;
  categories?: { term: string; label?: string }[];
}

export interface AtomFeed {
  /** A permanent IRI for the feed (its canonical URL is fine). */
  id: string;
  title: string;
  subtitle?: string;
  /** The HTML page the feed mirrors (absolute URL). */
  link: string;
  /** The feed's own URL (absolute), for rel="self". */
  selfLink: string;
  /** Defaults to the newest entry's `updated`, or `fallbackUpdated` for an empty feed. */
  updated?: Date | string;
  /** An Atom feed must always carry `updated`; used when there are no entries and `updated` is not given. */
  fallbackUpdated?: Date | string;
  author?: AtomPerson;
  entries: AtomEntry[];
}

export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';

// Characters not allowed in XML 1.0 documents (C0 controls other than tab, LF, CR; lone surrogates; U+FFFE/F).
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for an XML element or attribute, dropping characters XML 1.0 cannot carry. */
export function xmlText(text: string): string {
  return escapeXml(text.replace(INVALID_XML, ''));
}

function isoDate(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) throw new Error(`Atom: not a date: ${String(value)}`);
  return date.toISOString();
}

function person(tag: 'author', p: AtomPerson, indent: string): string {
  const uri = p.uri ? `<uri>${xmlText(p.uri)}</uri>` : '';
  return `${indent}<${tag}><name>${xmlText(p.name || 'Anonymous')}</name>${uri}</${tag}>\n`;
}

/** Renders a feed as an Atom 1.0 document. */
export function atomFeed(feed: AtomFeed): string {
  const newest = feed.entries.reduce<number | null>((max, e) => {
    const t = new Date(isoDate(e.updated)).getTime();
    return max === null || t > max ? t : max;
  }, null);
  const updated = feed.updated ?? (newest !== null ? new Date(newest) : feed.fallbackUpdated ?? new Date(0));
  let xml = '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n';
  xml += `  <id>${xmlText(feed.id)}</id>\n`;
  xml += `  <title type="text">${xmlText(feed.title)}</title>\n`;
  if (feed.subtitle) xml += `  <subtitle type="text">${xmlText(feed.subtitle)}</subtitle>\n`;
  xml += `  <updated>${isoDate(updated)}</updated>\n`;
  xml += `  <link rel="alternate" type="text/html" href="${xmlText(feed.link)}"/>\n`;
  xml += `  <link rel="self" type="application/atom+xml" href="${xmlText(feed.selfLink)}"/>\n`;
  // A feed whose entries may lack an author must name one itself (RFC 4287 §4.1.1).
  xml += person('author', feed.author ?? { name: 'Commonweal' }, '  ');
  xml += '  <generator>Commonweal</generator>\n';
  for (const e of feed.entries) {
    xml += '  <entry>\n';
    xml += `    <id>${xmlText(e.id)}</id>\n`;
    xml += `    <title type="text">${xmlText(e.title)}</title>\n`;
    xml += `    <link rel="alternate" type="text/html" href="${xmlText(e.link)}"/>\n`;
    xml += `    <updated>${isoDate(e.updated)}</updated>\n`;
    if (e.published) xml += `    <published>${isoDate(e.published)}</published>\n`;
    if (e.author) xml += person('author', e.author, '    ');
    for (const c of e.categories ?? []) {
      xml += `    <category term="${xmlText(c.term)}"${c.label ? ` label="${xmlText(c.label)}"` : ''}/>\n`;
    }
    if (e.summary) xml += `    <summary type="text">${xmlText(e.summary)}</summary>\n`;
    if (e.content) xml += `    <content type="text">${xmlText(e.content)}</content>\n`;
    xml += '  </entry>\n';
  }
  return `${xml}</feed>\n`;
}

/** Sends a feed with the Atom media type. */
export function sendAtom(reply: FastifyReply, feed: AtomFeed): FastifyReply {
  return reply.type(ATOM_CONTENT_TYPE).send(atomFeed(feed));
}

/** The `<link rel="alternate">` a page puts in its head so browsers and readers discover the feed. */
export interface FeedLink {
  href: string;
  title: string;
}
