// Linking suppliers to the organisations registry. Registered numbers link by themselves (at import). A name
// alone only ever makes a suggestion; a site administrator confirms it, or links another organisation, or undoes
// a link, and each of those is audited. Suppliers are shared by every publisher that paid them, so no single
// publisher's staff decides what the supplier is for everyone else. Redacted and individual payees are never linked.
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { getOrganisation, organisationNames, searchOrganisations } from '../organisations/organisations.service.ts';
import { isIndividualPayee, isRedactedSupplier, keyFromSlug, nameMatchKey, suggestMatch, supplierSlug, type MatchCandidate } from './spend.suppliers.ts';
import * as repo from './spend.repository.ts';
import type { FileSuppliers } from './spend.filesuppliers.ts';

/** The registry by name-match key, read through the organisations module's public search, a page at a time. */
async function registryByName(db: Db): Promise<Map<string, MatchCandidate[]>> {
  const byName = new Map<string, MatchCandidate[]>();
  for (let page = 1; ; page++) {
    const { items, total, pageSize } = await searchOrganisations(db, { page, pageSize: 100 });
    for (const o of items) {
      const key = nameMatchKey(o.name);
      if (!key) continue;
      const list = byName.get(key) ?? [];
      list.push({ id: o.id, name: o.name, identifiers: o.identifiers });
      byName.set(key, list);
    }
    if (page * pageSize >= total || items.length === 0) break;
  }
  return byName;
}

/** Suggests links for the file's suppliers that have none (called by the import, in its transaction). */
export async function suggestSupplierLinks(db: Db, fileSuppliers: FileSuppliers): Promise<number> {
  const suppliers = await repo.unlinkedSuppliersOfFile(db, fileSuppliers);
  if (suppliers.length === 0) return 0;
  const byName = await registryByName(db);
  let suggested = 0;
  for (const s of suppliers) {
    const match = suggestMatch({ name: s.name, companyNumber: s.company_number, charityNumber: s.charity_number }, byName);
    if (!match || match.organisation.id === s.rejected_organisation_id) continue;
    await repo.setSuggestion(db, s.key, match.organisation.id, match.reason);
    suggested++;
  }
  return suggested;
}

function requireSiteAdmin(actor: Actor): void {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can link a supplier to an organisation: suppliers are shared by every publisher');
}

async function lockedSupplier(db: Db, slug: string): Promise<repo.SupplierRow> {
  const supplier = await repo.findSupplierForUpdate(db, keyFromSlug(slug.slice(0, 500)));
  if (!supplier) throw new AppError('not_found', 'No supplier by that name has been paid in the published spending');
  return supplier;
}

export interface SupplierLinkView {
  supplier: { slug: string; name: string };
  organisation: { id: string; name: string; slug: string } | null;
  method: 'identifier' | 'confirmed' | null;
}

/**
 * Links a supplier to an organisation: the suggested one, or the one named (id, org-id identifier or slug).
 * Site administrators only; refused for a redacted or individual payee.
 */
export async function confirmSupplierLink(db: Db, actor: Actor, slug: string, organisationRef?: string | null): Promise<SupplierLinkView> {
  requireSiteAdmin(actor);
  return inTransaction(db, async (trx) => {
    const supplier = await lockedSupplier(trx, slug);
    if (isRedactedSupplier(supplier.name) || isIndividualPayee(supplier.name)) {
      throw new AppError('conflict', 'This payee reads as a private individual or a redaction: it is never linked to an organisation');
    }
    const organisationId = organisationRef ? (await getOrganisation(trx, organisationRef)).id : supplier.suggested_organisation_id;
    if (!organisationId) throw AppError.validation([{ field: 'organisation', message: 'There is no suggested organisation: name the organisation to link' }]);
    await repo.linkSupplier(trx, supplier.key, organisationId, actor.userId);
    const names = await organisationNames(trx, [organisationId]);
    const view: SupplierLinkView = {
      supplier: { slug: supplierSlug(supplier.key), name: supplier.name },
      organisation: { id: organisationId, name: names.get(organisationId)?.name ?? '', slug: names.get(organisationId)?.slug ?? '' }, method: 'confirmed',
    };
    await recordAudit(trx, actor, {
      action: 'spend.supplier.linked', entityType: 'spend_supplier', entityId: null,
      before: { key: supplier.key, organisationId: supplier.organisation_id, method: supplier.link_method, suggested: supplier.suggested_organisation_id },
      after: { key: supplier.key, organisationId, method: 'confirmed', suggestionAccepted: !organisationRef || organisationId === supplier.suggested_organisation_id },
    });
    return view;
  });
}

/** Undoes a link (by number or by name) or turns down a suggestion; that organisation is not linked again by itself. */
export async function undoSupplierLink(db: Db, actor: Actor, slug: string): Promise<SupplierLinkView> {
  requireSiteAdmin(actor);
  return inTransaction(db, async (trx) => {
    const supplier = await lockedSupplier(trx, slug);
    const organisationId = supplier.organisation_id ?? supplier.suggested_organisation_id;
    if (!organisationId) throw new AppError('conflict', 'This supplier is not linked to an organisation, and none is suggested');
    await repo.unlinkSupplier(trx, supplier.key, organisationId, actor.userId);
    await recordAudit(trx, actor, {
      action: supplier.organisation_id ? 'spend.supplier.unlinked' : 'spend.supplier.suggestion-rejected', entityType: 'spend_supplier', entityId: null,
      before: { key: supplier.key, organisationId: supplier.organisation_id, method: supplier.link_method, suggested: supplier.suggested_organisation_id },
      after: { key: supplier.key, organisationId: null, rejectedOrganisationId: organisationId },
    });
    return { supplier: { slug: supplierSlug(supplier.key), name: supplier.name }, organisation: null, method: null };
  });
}

/** Suggested links waiting for a site administrator. */
export async function supplierSuggestions(db: Db, limit = 500) {
  const rows = await repo.pendingSuggestions(db, limit);
  const names = await organisationNames(db, [...new Set(rows.map((r) => r.suggested_organisation_id!))]);
  return rows.map((r) => ({
    slug: supplierSlug(r.key), name: r.name, reason: r.suggestion_reason ?? '',
    organisation: { id: r.suggested_organisation_id!, name: names.get(r.suggested_organisation_id!)?.name ?? '', slug: names.get(r.suggested_organisation_id!)?.slug ?? '' },
  }));
}
