import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { OrgId } from './organisations.identifiers.ts';

export interface OrganisationRecord {
  id: string;
  name: string;
  slug: string;
  legalForm: string;
  distributesProfit: boolean;
  sector: string;
  website: string | null;
  description: string | null;
  locality: string | null;
  verified: boolean;
  createdAt: Date;
  updatedAt: Date;
  identifiers: OrgId[];
}

type Row = {
  id: string; name: string; slug: string; legal_form: string; distributes_profit: boolean; sector: string;
  website: string | null; description: string | null; address_locality: string | null; verified: boolean;
  created_at: Date; updated_at: Date;
};

function toRecord(r: Row, identifiers: OrgId[]): OrganisationRecord {
  return {
    id: r.id, name: r.name, slug: r.slug, legalForm: r.legal_form, distributesProfit: r.distributes_profit,
    sector: r.sector, website: r.website, description: r.description, locality: r.address_locality,
    verified: r.verified, createdAt: r.created_at, updatedAt: r.updated_at, identifiers,
  };
}

async function identifiersFor(db: Db, ids: string[]): Promise<Map<string, OrgId[]>> {
  const map = new Map<string, OrgId[]>();
  if (ids.length === 0) return map;
  const rows = await db.selectFrom('organisation_identifiers').selectAll().where('organisation_id', 'in', ids)
    .orderBy('scheme').orderBy('identifier').execute();
  for (const r of rows) {
    const list = map.get(r.organisation_id) ?? [];
    list.push({ scheme: r.scheme, identifier: r.identifier });
    map.set(r.organisation_id, list);
  }
  return map;
}

export type NewOrganisation = Omit<OrganisationRecord, 'id' | 'createdAt' | 'updatedAt' | 'identifiers'>;

export async function insertOrganisation(db: Db, org: NewOrganisation, identifiers: OrgId[]): Promise<OrganisationRecord> {
  const row = await db.insertInto('organisations').values({
    name: org.name, slug: org.slug, legal_form: org.legalForm, distributes_profit: org.distributesProfit,
    sector: org.sector, website: org.website, description: org.description, address_locality: org.locality,
    verified: org.verified,
  }).returningAll().executeTakeFirstOrThrow();
  if (identifiers.length) {
    await db.insertInto('organisation_identifiers')
      .values(identifiers.map((i) => ({ organisation_id: row.id, scheme: i.scheme, identifier: i.identifier }))).execute();
  }
  return toRecord(row, identifiers);
}

export async function updateOrganisation(db: Db, id: string, changes: Partial<NewOrganisation>): Promise<void> {
  await db.updateTable('organisations').set({
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.legalForm !== undefined && { legal_form: changes.legalForm }),
    ...(changes.distributesProfit !== undefined && { distributes_profit: changes.distributesProfit }),
    ...(changes.sector !== undefined && { sector: changes.sector }),
    ...(changes.website !== undefined && { website: changes.website }),
    ...(changes.description !== undefined && { description: changes.description }),
    ...(changes.locality !== undefined && { address_locality: changes.locality }),
    ...(changes.verified !== undefined && { verified: changes.verified }),
    updated_at: new Date(),
  }).where('id', '=', id).execute();
}

export async function replaceIdentifiers(db: Db, id: string, identifiers: OrgId[]): Promise<void> {
  await db.deleteFrom('organisation_identifiers').where('organisation_id', '=', id).execute();
  if (identifiers.length) {
    await db.insertInto('organisation_identifiers')
      .values(identifiers.map((i) => ({ organisation_id: id, scheme: i.scheme, identifier: i.identifier }))).execute();
  }
}

export async function findById(db: Db, id: string): Promise<OrganisationRecord | null> {
  const row = await db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row, (await identifiersFor(db, [row.id])).get(row.id) ?? []) : null;
}

export async function findBySlug(db: Db, slug: string): Promise<OrganisationRecord | null> {
  const row = await db.selectFrom('organisations').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row ? toRecord(row, (await identifiersFor(db, [row.id])).get(row.id) ?? []) : null;
}

export async function findByIdentifier(db: Db, id: OrgId): Promise<OrganisationRecord | null> {
  const hit = await db.selectFrom('organisation_identifiers').select('organisation_id')
    .where('scheme', '=', id.scheme).where('identifier', '=', id.identifier).executeTakeFirst();
  return hit ? findById(db, hit.organisation_id) : null;
}

/** Which of these identifiers already belong to an organisation other than `exceptId`. */
export async function identifiersTaken(db: Db, ids: OrgId[], exceptId?: string): Promise<{ id: OrgId; organisationId: string }[]> {
  if (ids.length === 0) return [];
  let q = db.selectFrom('organisation_identifiers').select(['scheme', 'identifier', 'organisation_id'])
    .where((eb) => eb.or(ids.map((i) => eb.and([eb('scheme', '=', i.scheme), eb('identifier', '=', i.identifier)]))));
  if (exceptId) q = q.where('organisation_id', '!=', exceptId);
  return (await q.execute()).map((r) => ({ id: { scheme: r.scheme, identifier: r.identifier }, organisationId: r.organisation_id }));
}

export async function slugExists(db: Db, slug: string): Promise<boolean> {
  return !!(await db.selectFrom('organisations').select('id').where('slug', '=', slug).executeTakeFirst());
}

export interface SearchOptions {
  q?: string;
  sector?: string;
  legalForm?: string;
  limit: number;
  offset: number;
}

export async function search(db: Db, options: SearchOptions): Promise<{ total: number; items: OrganisationRecord[] }> {
  let q = db.selectFrom('organisations');
  if (options.q) {
    const pattern = `%${options.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([
      eb(sql`lower(name)`, 'like', pattern),
      eb.exists(eb.selectFrom('organisation_identifiers as i').select('i.organisation_id')
        .whereRef('i.organisation_id', '=', 'organisations.id')
        .where(sql`lower(i.scheme || '-' || i.identifier)`, 'like', pattern)),
    ]));
  }
  if (options.sector) q = q.where('sector', '=', options.sector);
  if (options.legalForm) q = q.where('legal_form', '=', options.legalForm);
  const [{ total }, rows] = await Promise.all([
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    q.selectAll().orderBy(sql`lower(name)`).orderBy('id').limit(options.limit).offset(options.offset).execute(),
  ]);
  const ids = await identifiersFor(db, rows.map((r) => r.id));
  return { total: Number(total), items: rows.map((r) => toRecord(r, ids.get(r.id) ?? [])) };
}

export async function countOrganisations(db: Db): Promise<number> {
  const r = await db.selectFrom('organisations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function namesByIds(db: Db, ids: string[]): Promise<Map<string, { name: string; slug: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('organisations').select(['id', 'name', 'slug']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, { name: r.name, slug: r.slug }]));
}
