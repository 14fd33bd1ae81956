// Outcomes' OCDS implementation releases, minted and stored as published.
//
// A release is minted once, in the transaction that changes what it describes (a payment recorded, an outcome
// added, the payers or the link changed), and stored append-only in outcome_releases: the database refuses to
// change or delete one. Its id is `<ocid>-outcomes-<contract>-<seq>` and its date the moment of that change.
// A change that leaves the published content as it was (the same payers set again) mints nothing: each
// release keeps the SHA-256 of its content without id and date. Reading the export builds nothing: it returns
// the stored releases, so any number of reads give the same bytes until something changes.
//
// Concurrency: minting takes the contract's row lock (SELECT … FOR UPDATE) before it reads the last release,
// so writers on one contract mint one after another, each from the state the one before committed; the primary
// key (contract, seq) and the unique release id are the database's refusal of a duplicate should that ever fail.
import { createHash } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { inTransaction } from '../platform/transaction.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { OCDS_VERSION, validateRelease } from '../commissioning/commissioning.ocds.ts';
import * as repo from './outcomes.repository.ts';
import { presentContract } from './outcomes.service.ts';
import { buildOcdsRelease, ocdsTarget } from './outcomes.exports.ts';

/** JSON with object keys sorted, so the same content always hashes the same (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of what a release says: everything but its id and date. */
export function releaseContentSha256(release: Record<string, unknown>): string {
  const { id: _id, date: _date, ...content } = release;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/**
 * Mints the contract's next implementation release if what it would say differs from the last one published
 * under the same ocid; returns its id, or null when nothing changed or the contract is not linked. Call it inside
 * the transaction that made the change, after the change. Validated against OCDS 1.1.5 before it is stored.
 */
export async function publishOcdsRelease(trx: Db, contract: repo.ContractRow, at: Date = new Date()): Promise<string | null> {
  if (!contract.commissioning_contract_id) return null;
  const c = await repo.lockContract(trx, contract);
  if (!c.commissioning_contract_id) return null;
  const view = presentContract(c);
  const { summary, awardId } = await ocdsTarget(trx, view);
  const seq = (await repo.lastReleaseSeq(trx, c)) + 1;
  const releaseId = `${summary.ocid}-outcomes-${c.id}-${String(seq).padStart(4, '0')}`;
  const release = await buildOcdsRelease(trx, view, summary, { awardId, releaseId, date: at }) as unknown as Record<string, unknown>;
  const sha = releaseContentSha256(release);
  const last = (await repo.releasesOf(trx, c, summary.ocid)).at(-1);
  if (last && last.content_sha256 === sha) return null;
  const problems = validateRelease(release);
  if (problems.length) throw new AppError('internal', `The OCDS release for ${summary.ocid} is not valid: ${problems.slice(0, 5).join('; ')}`);
  await repo.insertRelease(trx, { contract: c, seq, ocid: summary.ocid, releaseId, contentSha256: sha, release, publishedAt: at });
  return releaseId;
}

export interface OcdsExport {
  /** The release package, as it is sent. */
  body: string;
  /** A strong validator of the body, for conditional GETs. */
  etag: string;
  releaseCount: number;
}

/**
 * Every implementation release the contract has published under its linked commissioning contract's ocid, oldest
 * first, as an OCDS 1.1.5 release package (422 when not linked). Nothing is built on read: the package is the
 * stored releases, so the bytes only change when a release is added (or the publisher's name changes). A
 * contract linked before releases were stored gets its first one here, once, dated from its own records (its
 * latest outcome or payment), under its row lock: concurrent first readers mint one release, the same one.
 */
export async function ocdsExport(db: Db, contractId: string, baseUrl: string): Promise<OcdsExport> {
  const found = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(contractId) ? await repo.findContract(db, contractId.toLowerCase()) : null;
  if (!found) throw new AppError('not_found', `No outcomes contract has the id ${contractId}`);
  const { summary } = await ocdsTarget(db, presentContract(found));
  let rows = await repo.releasesOf(db, found, summary.ocid);
  if (rows.length === 0) {
    await inTransaction(db, async (trx) => {
      const c = await repo.lockContract(trx, found);
      if (c.commissioning_contract_id !== found.commissioning_contract_id) return;
      if ((await repo.releasesOf(trx, c, summary.ocid)).length === 0) await publishOcdsRelease(trx, c, await repo.latestRecordedChange(trx, c));
    });
    rows = await repo.releasesOf(db, found, summary.ocid);
  }
  const publisher = await getOrganisation(db, found.organisation_id);
  const first = publisher.identifiers[0];
  const cut = first ? first.lastIndexOf('-') : -1;
  const pkg = {
    uri: `${baseUrl}/api/v1/outcomes/contracts/${found.id}/ocds`,
    version: OCDS_VERSION,
    publishedDate: rows.length ? rows[rows.length - 1]!.published_at.toISOString() : found.created_at.toISOString(),
    publisher: { name: publisher.name, ...(first && cut > 0 ? { scheme: first.slice(0, cut), uid: first.slice(cut + 1) } : {}) },
    license: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
    releases: rows.map((r) => r.release),
  };
  const body = JSON.stringify(pkg);
  return { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`, releaseCount: rows.length };
}
