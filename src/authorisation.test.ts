// The authorisation matrix: every route that changes data (POST, PUT, PATCH, DELETE; API and pages), taken from
// the app's own route table, called by four callers — nobody, a signed-in person with no role, another
// organisation's administrator, and the person whose job it is. The three wrong callers must be refused (401,
// 403 or 404; a page may send them to sign in) and must change nothing: every table of the schema is compared
// before and after. The right caller must not be refused, and where the body is a valid one, must succeed.
//
// A route added without an entry in `cases` fails the first test, which names it and says what to add.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { testEngines, openTestContext, multipartBody } from './platform/testing.ts';
import { buildApp } from './platform/http.ts';
import { allModules } from './modules.ts';
import type { App, AppContext, CommonwealModule } from './platform/module.ts';
import type { Engine } from './platform/db.ts';
import { cliActor, type Actor } from './platform/actor.ts';
import { createApiToken, registerUser, requestRegistration, startSession } from './platform/auth/auth.service.ts';
import { insertMembership } from './platform/auth/auth.repository.ts';
import type { Role } from './platform/auth/policy.ts';
import { decideGroups } from './grants/grants.groups.ts';
import { createOrganisation, inviteMember, latestVerificationRequest, withdrawVerification } from './organisations/organisations.service.ts';
import { isPublicBodyForm, type LegalForm } from './organisations/organisations.forms.ts';
import { testIdentifier, verifiedPublicBody } from './organisations/organisations.test-support.ts';
import * as commissioning from './commissioning/commissioning.service.ts';
import { opportunityBody, waitUntil } from './commissioning/commissioning.test-support.ts';
import * as outcomes from './outcomes/outcomes.service.ts';
import * as agreements from './outcomes/outcomes.agreements.ts';
import * as investmentService from './investment/investment.service.ts';
import * as timebank from './timebank/timebank.service.ts';
import * as exchanges from './timebank/timebank.exchanges.ts';
import * as partners from './timebank/timebank.partners.ts';
import * as voice from './voice/voice.service.ts';
import * as petitions from './voice/voice.petitions.ts';
import { loadPlaces, NEWCASTLE } from './voice/voice.test-support.ts';
import { importSpendFile } from './spend/spend.import.ts';
import * as salaries from './spend/spend.salaries.ts';
import { createSpendDraft } from './spend/spend.drafts.ts';
import { createSalaryDraft } from './spend/spend.salarydrafts.ts';
import { SPEND_FIELDS } from './spend/spend.mapping.ts';
import { supplierSlug } from './spend/spend.suppliers.ts';
import { createGrantsDraft, importGrantsFile } from './grants/grants.service.ts';
import { listOutbox } from './platform/outbox.repository.ts';
import { peerReviewMatrix } from './scorecards/scorecards.peer-review.test-support.ts';
import { requestPeerReviewerScope } from './scorecards/scorecards.peer-reviewer-requests.ts';
import * as grantsProgrammes from './grants/grants.programmes.ts';
import * as grantsApplications from './grants/grants.applications.ts';
import * as grantsAssessment from './grants/grants.assessment.ts';
import * as grantsAwards from './grants/grants.awards.ts';
import * as grantsFiles from './grants/grants.application-files.ts';

/** Someone who calls the app: an API token and a browser session (with its CSRF token). */
interface Caller {
  label: string;
  userId: string | null;
  email: string;
  auth: Record<string, string>;
  cookie: string;
  csrf: string;
  ip: string;
}

type World = Awaited<ReturnType<typeof buildWorld>>;
type WrongCaller = 'anonymous' | 'unrelated' | 'otherAdmin';
const wrongCallers: WrongCaller[] = ['anonymous', 'unrelated', 'otherAdmin'];

interface Case {
  /** The person whose job it is (a key of `world.people`). */
  as: keyof World['people'];
  url: (w: World) => string;
  /** A JSON body (API) or form fields (pages; arrays repeat a field). */
  body?: (w: World) => Record<string, unknown>;
  /** A page's file upload (multipart), or an API's raw body. */
  file?: (w: World) => { filename: string; content: string };
  raw?: (w: World) => { contentType: string; payload: string };
  /** The wrong callers that must be refused. Default: all three. A public route lists none. */
  refused?: WrongCaller[];
  /** The right caller's status when the body is a valid one; otherwise it need only not be refused. */
  status?: number;
}

const csv = (lines: string[]) => `${lines.join('\r\n')}\r\n`;
const spendCsv = (supplier: string) => csv([
  'Body Name,Service Area,Expenses Type,Date,Transaction Number,Amount,Supplier Name',
  `Test Council,Adult Social Care,Consultancy,15/01/2024,T1,1200.00,${supplier}`,
  `Test Council,Adult Social Care,Consultancy,20/01/2024,T2,800.00,${supplier}`,
]);
const grantsJson = (id: string) => JSON.stringify({ grants: [{
  id: `360G-matrix-${id}`, title: 'A grant', description: 'For a project', currency: 'GBP', amountAwarded: 500, awardDate: '2024-04-01',
  fundingOrganization: [{ id: 'GB-CHC-1', name: 'A Trust' }], recipientOrganization: [{ id: 'GB-CHC-2', name: 'A Group' }],
}] });
const salaryCsv = csv(['Job title,Salary from,Salary to,Name', 'Chief Executive,180000,184999,A Person']);
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/**
 * One entry per mutating route: `'METHOD /path/:param'` as Fastify knows it. A route's right caller is the
 * narrowest role that does its job; bodies are valid unless the entry says otherwise (no `status`).
 */
const cases: Record<string, Case> = {
  // ---- platform: accounts (public forms; signing in and out changes only the caller's own session) ----
  'POST /register': { as: 'visitor', refused: [], url: () => '/register', body: () => ({ email: `new-${randomUUID().slice(0, 8)}@example.org`, name: 'New Person', password: 'a long enough password' }), status: 200 },
  'POST /register/confirm': { as: 'confirmer', refused: [], url: () => '/register/confirm', body: (w) => ({ token: w.ids.registrationToken }), status: 303 },
  'POST /sign-in': { as: 'signer', refused: [], url: () => '/sign-in', body: (w) => ({ email: w.people.signer.email, password: 'a long enough password' }), status: 303 },
  'POST /sign-out': { as: 'leaver', refused: [], url: () => '/sign-out', status: 303 },
  'POST /forgot-password': { as: 'anonymous', refused: [], url: () => '/forgot-password', body: (w) => ({ email: w.people.unrelated.email }), status: 200 },
  'POST /reset-password': { as: 'anonymous', refused: [], url: () => '/reset-password', body: () => ({ token: 'not-a-real-token', password: 'a long enough password' }) },
  'POST /account/tokens': { as: 'unrelated', refused: ['anonymous'], url: () => '/account/tokens', body: () => ({ name: 'Matrix' }), status: 201 },
  'POST /account/notifications': { as: 'unrelated', refused: ['anonymous'], url: () => '/account/notifications', body: () => ({ email: ['voice.story-to-moderate'] }), status: 303 },
  'POST /account/tokens/:id/revoke': { as: 'orgAdmin', url: (w) => `/account/tokens/${w.ids.spareTokenId}/revoke`, status: 303 },

  // ---- organisations ----
  'POST /api/v1/organisations': { as: 'unrelated', refused: ['anonymous'], url: () => '/api/v1/organisations', body: () => ({ name: `Matrix Group ${randomUUID().slice(0, 6)}`, legalForm: 'community-group' }), status: 201 },
  'PATCH /api/v1/organisations/:ref': { as: 'orgAdmin', url: (w) => `/api/v1/organisations/${w.org.id}`, body: () => ({ description: 'Changed by its administrator' }), status: 200 },
  'POST /api/v1/organisations/:ref/members': { as: 'orgAdmin', url: (w) => `/api/v1/organisations/${w.org.id}/members`, body: (w) => ({ email: w.people.recruit.email, role: 'staff' }), status: 201 },
  'POST /api/v1/organisations/:ref/verification-requests': { as: 'orgAdmin', url: (w) => `/api/v1/organisations/${w.ids.claimableApi}/verification-requests`, body: () => ({ evidence: 'The register lists our chief executive' }), status: 201 },
  'POST /api/v1/organisations/verification-requests/:id/decision': { as: 'siteAdmin', url: (w) => `/api/v1/organisations/verification-requests/${w.ids.verificationClaimApi}/decision`, body: () => ({ decision: 'verify', reason: 'Checked against the register' }), status: 200 },
  'POST /api/v1/organisations/:ref/invitations': { as: 'orgAdmin', url: (w) => `/api/v1/organisations/${w.org.id}/invitations`, body: () => ({ email: `invited-${randomUUID().slice(0, 6)}@example.org`, role: 'staff' }), status: 201 },
  'POST /api/v1/organisations/invitations/accept': { as: 'inviteeApi', url: () => '/api/v1/organisations/invitations/accept', body: (w) => ({ token: w.ids.invitationApi }), status: 200 },
  'POST /organisations': { as: 'unrelated', refused: ['anonymous'], url: () => '/organisations', body: () => ({ name: `Matrix Page Group ${randomUUID().slice(0, 6)}`, legalForm: 'community-group' }), status: 303 },
  'POST /organisations/:slug/edit': { as: 'orgAdmin', url: (w) => `/organisations/${w.org.slug}/edit`, body: (w) => ({ name: w.org.name, legalForm: 'local-authority', identifiers: w.org.identifiers.join(' '), description: 'Edited on its page' }), status: 303 },
  'POST /organisations/:slug/members': { as: 'orgAdmin', url: (w) => `/organisations/${w.org.slug}/members`, body: (w) => ({ email: w.people.recruit.email, role: 'finance' }), status: 303 },
  'POST /organisations/:slug/verify': { as: 'siteAdmin', url: (w) => `/organisations/${w.org.slug}/verify`, body: () => ({ verified: 'yes' }), status: 303 },
  'POST /organisations/:slug/verification': { as: 'orgAdmin', url: (w) => `/organisations/${w.ids.claimablePage}/verification`, body: () => ({ evidence: 'Our entry on the register names us' }), status: 303 },
  'POST /organisations/:slug/invitations': { as: 'orgAdmin', url: (w) => `/organisations/${w.org.slug}/invitations`, body: () => ({ email: `page-invited-${randomUUID().slice(0, 6)}@example.org`, role: 'finance' }), status: 303 },
  'POST /invitations/:token': { as: 'inviteePage', url: (w) => `/invitations/${w.ids.invitationPage}`, status: 303 },
  'POST /admin/organisations/lookalikes/:organisationId/:resemblesId': { as: 'siteAdmin', url: (w) => `/admin/organisations/lookalikes/${w.ids.lookalikeId}/${w.ids.lookalikeOfId}`, body: () => ({ note: 'A different body of a similar name' }), status: 303 },
  'POST /admin/organisations/claims/:id': { as: 'siteAdmin', url: (w) => `/admin/organisations/claims/${w.ids.verificationClaimPage}`, body: () => ({ decision: 'reject', reason: 'Not on the register' }), status: 303 },
  'POST /organisations/:slug/governance': { as: 'orgAdmin', url: (w) => `/organisations/${w.org.slug}/governance`, body: () => ({ profitUse: 'no-profit', boardSize: '7' }), status: 303 },
  'POST /organisations/:slug/members/remove': { as: 'orgAdmin', url: (w) => `/organisations/${w.org.slug}/members/remove`, body: (w) => ({ userId: w.people.departing.userId!, role: 'staff' }), status: 303 },

  // ---- grants (a verified organisation's staff publish) ----
  'POST /api/v1/grants/files': { as: 'orgStaff', url: (w) => `/api/v1/grants/files?publisher=${w.org.id}`, raw: () => ({ contentType: 'application/json', payload: grantsJson('upload-api') }), status: 201 },
  'POST /api/v1/grants/drafts/:id/publish': { as: 'orgStaff', url: (w) => `/api/v1/grants/drafts/${w.ids.grantsDraftPublishApi}/publish`, status: 201 },
  'DELETE /api/v1/grants/drafts/:id': { as: 'orgStaff', url: (w) => `/api/v1/grants/drafts/${w.ids.grantsDraftDiscardApi}`, status: 200 },
  'POST /grants/check': { as: 'anonymous', refused: [], url: () => '/grants/check', file: () => ({ filename: 'grants.json', content: grantsJson('check-page') }), status: 200 },
  'POST /grants/:publisher/upload': { as: 'orgStaff', url: (w) => `/grants/${w.org.slug}/upload`, file: () => ({ filename: 'grants.json', content: grantsJson('upload-page') }), status: 303 },
  'POST /grants/:publisher/drafts/:id/publish': { as: 'orgStaff', url: (w) => `/grants/${w.org.slug}/drafts/${w.ids.grantsDraftPublishPage}/publish`, status: 303 },
  'POST /grants/:publisher/drafts/:id/discard': { as: 'orgStaff', url: (w) => `/grants/${w.org.slug}/drafts/${w.ids.grantsDraftDiscardPage}/discard`, status: 303 },
  // Regranting chains: the intermediary (the pot's recipient, here the council) links its onward grants.
  'POST /grants/:publisher/pots/:grant/onward': { as: 'orgStaff', url: (w) => `/grants/${w.ids.grantsFunderSlug}/pots/360G-matrix-pot/onward`, body: () => ({ link: '360G-matrix-onward' }), status: 303 },
  'POST /api/v1/grants/publishers/:publisher/pots/:grant/links': { as: 'orgStaff', url: (w) => `/api/v1/grants/publishers/${w.ids.grantsFunderSlug}/pots/360G-matrix-pot/links`, body: () => ({ link: ['360G-matrix-onward'] }), status: 200 },

  'POST /api/v1/grants/publishers/:publisher/files/:id/withdraw': { as: 'orgStaff', url: (w) => `/api/v1/grants/publishers/${w.org.id}/files/${w.ids.grantsFileWithdrawApi}/withdraw`, body: () => ({ reason: 'Published twice' }), status: 200 },
  // Grant programmes: a verified funder's staff open one and choose assessors; anyone signed in may apply (an
  // unregistered group) and save alerts; the applicant saves and submits; the funder screens; the programme's
  // assessor scores; its panel chair decides.
  'POST /api/v1/grants/programmes': { as: 'orgStaff', url: () => '/api/v1/grants/programmes', body: (w) => ({ funder: w.org.id, title: 'Matrix API programme', purpose: 'Matrix', recipientTypes: ['charity'], minPence: 10_000, maxPence: 20_000, budgetPence: 50_000, opensOn: day(0), closesOn: day(10), criteria: [{ label: 'Need', weight: 2 }] }), status: 201 },
  'POST /grants/programmes/new': { as: 'orgStaff', url: () => '/grants/programmes/new', body: (w) => ({ funder: w.org.id, title: 'Matrix page programme', purpose: 'Matrix', recipientTypes: ['charity', 'unregistered-group'], min: '100', max: '200', budget: '500', 'opensOn-day': day(0).slice(8, 10), 'opensOn-month': day(0).slice(5, 7), 'opensOn-year': day(0).slice(0, 4), 'closesOn-day': day(9).slice(8, 10), 'closesOn-month': day(9).slice(5, 7), 'closesOn-year': day(9).slice(0, 4), criteria: '2: Need', confirm: 'yes' }), status: 303 },
  'POST /grants/programmes/alerts': { as: 'unrelated', refused: ['anonymous'], url: () => '/grants/programmes/alerts', body: () => ({ words: 'lunch club' }), status: 303 },
  'POST /grants/programmes/alerts/:id/delete': { as: 'orgStaff', url: (w) => `/grants/programmes/alerts/${w.ids.grantsAlertToDelete}/delete`, status: 303 },
  'POST /grants/programmes/alerts/unsubscribe': { as: 'anonymous', refused: [], url: () => '/grants/programmes/alerts/unsubscribe', body: (w) => ({ token: w.ids.grantsAlertUnsubscribeToken }), status: 200 },
  'POST /grants/programmes/:id/applications': { as: 'unrelated', refused: ['anonymous'], url: (w) => `/grants/programmes/${w.ids.grantsProgramme}/applications`, body: () => ({ organisation: 'group', groupName: 'Matrix Street Friends', bankAccount: 'yes', signatory1: 'Ann Lee', signatory2: 'Bo Chan', unrelated: 'yes' }), status: 303 },
  'POST /grants/programmes/:id/assessors': { as: 'orgStaff', url: (w) => `/grants/programmes/${w.ids.grantsProgramme}/assessors`, body: (w) => ({ assessor: w.people.orgFinance.userId }), status: 303 },
  'POST /grants/applications/:id': { as: 'providerAdmin', url: (w) => `/grants/applications/${w.ids.grantsAppDraft}`, body: () => ({ title: 'Matrix saved', amount: '200', postcode: 'NE1 1AA', action: 'save' }), status: 303 },
  'POST /grants/applications/:id/files/:key': { as: 'providerAdmin', url: (w) => `/grants/applications/${w.ids.grantsAppDraft}/files/${w.ids.grantsFileQuestion}`, file: () => ({ filename: 'accounts.csv', content: 'item,cost\nHall hire,100\n' }), status: 303 },
  'POST /grants/applications/:id/files/:key/remove': { as: 'providerAdmin', url: (w) => `/grants/applications/${w.ids.grantsAppWithFile}/files/${w.ids.grantsFileQuestion}/remove`, status: 303 },
  'POST /grants/applications/:id/submit': { as: 'providerAdmin', url: (w) => `/grants/applications/${w.ids.grantsAppComplete}/submit`, status: 200 },
  'POST /grants/applications/:id/screen': { as: 'orgStaff', url: (w) => `/grants/applications/${w.ids.grantsAppSubmitted}/screen`, body: () => ({ eligible: 'yes' }), status: 303 },
  'POST /grants/applications/:id/assess': { as: 'programmeAssessor', url: (w) => `/grants/applications/${w.ids.grantsAppEligible}/assess`, body: (w) => ({ action: 'score', [`s_${w.ids.grantsCriterion}`]: '3', recommendation: 'maybe' }), status: 303 },
  'POST /grants/applications/:id/decide': { as: 'programmeChair', url: (w) => `/grants/applications/${w.ids.grantsAppScored}/decide`, body: () => ({ decision: 'decline', reasons: 'Matrix reasons', feedback: 'Matrix feedback' }), status: 303 },
  'POST /grants/awards/:id/payments/:number': { as: 'orgStaff', url: (w) => `/grants/awards/${w.ids.grantsAwardOpen}/payments/1`, body: () => ({ paidOn: '' }), status: 303 },
  'POST /grants/awards/:id/reports/:number': { as: 'providerAdmin', url: (w) => `/grants/awards/${w.ids.grantsAwardOpen}/reports/1`, body: () => ({ text: 'Matrix report' }), status: 303 },
  'POST /grants/awards/:id/variations': { as: 'orgStaff', url: (w) => `/grants/awards/${w.ids.grantsAwardOpen}/variations`, body: () => ({ reason: 'Matrix variation', conditions: 'Matrix conditions' }), status: 303 },
  'POST /grants/awards/:id/close': { as: 'orgStaff', url: (w) => `/grants/awards/${w.ids.grantsAwardToClose}/close`, status: 303 },
  'POST /grants/:publisher/groups': { as: 'orgAdmin', url: (w) => `/grants/${w.org.slug}/groups`, body: () => ({ group: '360G-matrix-group-b', into: '360G-matrix-group-a', decision: 'merged' }), status: 303 },
  'POST /grants/:publisher/groups/:decision/undo': { as: 'orgAdmin', url: (w) => `/grants/${w.org.slug}/groups/${w.ids.grantsGroupDecision}/undo`, status: 303 },
  'POST /grants/:publisher/files/:id/withdraw': { as: 'orgStaff', url: (w) => `/grants/${w.org.slug}/files/${w.ids.grantsFileWithdrawPage}/withdraw`, body: () => ({ reason: 'Published twice' }), status: 303 },

  // ---- scorecards (a public calculation: the file is read and drawn, nothing is stored) ----
  'POST /scorecards/funnel': { as: 'anonymous', refused: [], url: () => '/scorecards/funnel', body: () => ({ statistic: 'proportion' }), file: () => ({ filename: 'units.csv', content: csv(['unit,numerator,denominator', 'North,40,100', 'South,60,100']) }), status: 200 },

  // ---- places (public calculations: nothing is stored) ----
  'POST /api/v1/places/fairness': { as: 'unrelated', refused: [], url: () => '/api/v1/places/fairness', body: () => ({ amounts: [{ areaCode: 'E01008300', amount: 100 }, { areaCode: 'E01008160', amount: 50 }] }), status: 200 },
  'POST /api/v1/places/custom-index': { as: 'unrelated', refused: [], url: () => '/api/v1/places/custom-index', body: () => ({ transform: 'exponential', indicators: [{ id: 'income', weight: 1, domain: 'income' }] }), status: 200 },
  'POST /places/fairness': { as: 'anonymous', refused: [], url: () => '/places/fairness', body: () => ({ csv: 'E01008300,100\nE01008160,50' }), status: 200 },
  'POST /places/custom-index': { as: 'anonymous', refused: [], url: () => '/places/custom-index', body: () => ({ la: NEWCASTLE, domains: ['income'], transform: 'exponential' }), status: 200 },

  // ---- spend ----
  'POST /api/v1/spend/files': { as: 'orgFinance', url: (w) => `/api/v1/spend/files?publisher=${w.org.id}&period=2024-02`, raw: () => ({ contentType: 'text/csv', payload: spendCsv('Matrix Supplies Ltd').replace(/\/01\/2024/g, '/02/2024') }), status: 201 },
  'PUT /api/v1/spend/publishers/:publisher/pay-multiple': { as: 'orgFinance', url: (w) => `/api/v1/spend/publishers/${w.org.id}/pay-multiple`, body: () => ({ asAt: '2024-03-31', highest: '180000', median: '25000' }), status: 200 },
  'PUT /api/v1/spend/suppliers/:slug/link': { as: 'siteAdmin', url: (w) => `/api/v1/spend/suppliers/${w.ids.supplierSlug}/link`, body: (w) => ({ organisation: w.ids.supplierOrgId }), status: 200 },
  'DELETE /api/v1/spend/suppliers/:slug/link': { as: 'siteAdmin', url: (w) => `/api/v1/spend/suppliers/${w.ids.supplierSlug}/link`, status: 200 },
  'POST /spend/suppliers/:slug/link': { as: 'siteAdmin', url: (w) => `/spend/suppliers/${w.ids.supplierSlug}/link`, body: (w) => ({ organisation: w.ids.supplierOrgId }), status: 303 },
  'POST /spend/suppliers/:slug/unlink': { as: 'siteAdmin', url: (w) => `/spend/suppliers/${w.ids.supplierSlug}/unlink`, status: 303 },
  'POST /spend/:publisher/upload': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/upload`, body: () => ({ period: '2024-03' }), file: () => ({ filename: 'march.csv', content: spendCsv('Matrix Page Supplies').replace(/\/01\/2024/g, '/03/2024') }), status: 303 },
  'POST /spend/:publisher/salaries/new': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/salaries/new`, body: () => ({ asAt: '31/03/2024', jobTitle: 'Director of Care', salaryFrom: '120000', salaryTo: '124999' }), status: 200 },
  'POST /spend/:publisher/salaries/new/publish': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/salaries/new/publish`, body: () => ({ asAt: '31/03/2024', jobTitle: 'Director of Adults', salaryFrom: '120000', salaryTo: '124999' }), status: 303 },
  'POST /spend/:publisher/salaries/pay-multiple': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/salaries/pay-multiple`, body: () => ({ asAt: '31/03/2024', highest: '182,500', median: '24,313' }), status: 303 },
  'POST /spend/:publisher/salaries/upload': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/salaries/upload`, body: () => ({ asAt: '2024-03-31' }), file: () => ({ filename: 'salaries.csv', content: salaryCsv }), status: 303 },
  'POST /spend/:publisher/salaries/:id/remove': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/salaries/${w.ids.salaryPostId}/remove`, status: 303 },
  'PATCH /api/v1/spend/drafts/:id': { as: 'orgFinance', url: (w) => `/api/v1/spend/drafts/${w.ids.draftRemapApi}`, body: (w) => ({ mapping: w.ids.draftMapping }), status: 200 },
  'POST /api/v1/spend/drafts/:id/publish': { as: 'orgFinance', url: (w) => `/api/v1/spend/drafts/${w.ids.draftPublishApi}/publish`, body: () => ({ acknowledge: [] }), status: 201 },
  'DELETE /api/v1/spend/drafts/:id': { as: 'orgFinance', url: (w) => `/api/v1/spend/drafts/${w.ids.draftDiscardApi}`, status: 200 },
  'POST /api/v1/spend/salary-drafts/:id/publish': { as: 'orgFinance', url: (w) => `/api/v1/spend/salary-drafts/${w.ids.salaryDraftPublishApi}/publish`, status: 201 },
  'DELETE /api/v1/spend/salary-drafts/:id': { as: 'orgFinance', url: (w) => `/api/v1/spend/salary-drafts/${w.ids.salaryDraftDiscardApi}`, status: 200 },
  'POST /api/v1/spend/publishers/:publisher/files/:id/withdraw': { as: 'orgFinance', url: (w) => `/api/v1/spend/publishers/${w.org.id}/files/${w.ids.fileWithdrawApi}/withdraw`, body: () => ({ reason: 'Published for the wrong month' }), status: 200 },
  'POST /spend/:publisher/drafts/:id/mapping': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/drafts/${w.ids.draftRemapPage}/mapping`, body: (w) => Object.fromEntries(Object.entries(w.ids.draftMapping).map(([f, column]) => [f, column ?? ''])), status: 303 },
  'POST /spend/:publisher/drafts/:id/publish': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/drafts/${w.ids.draftPublishPage}/publish`, status: 303 },
  'POST /spend/:publisher/drafts/:id/discard': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/drafts/${w.ids.draftDiscardPage}/discard`, status: 303 },
  'POST /spend/:publisher/files/:id/withdraw': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/files/${w.ids.fileWithdrawPage}/withdraw`, body: () => ({ reason: 'Duplicated lines' }), status: 303 },
  'POST /spend/:publisher/salaries/drafts/:id/publish': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/salaries/drafts/${w.ids.salaryDraftPublishPage}/publish`, status: 303 },
  'POST /spend/:publisher/salaries/drafts/:id/discard': { as: 'orgFinance', url: (w) => `/spend/${w.org.slug}/salaries/drafts/${w.ids.salaryDraftDiscardPage}/discard`, status: 303 },
  'POST /spend/:publisher/limits': { as: 'siteAdmin', url: (w) => `/spend/${w.org.slug}/limits`, body: () => ({ maxMegabytes: '500', maxLines: '2,000,000' }), status: 303 },
  'POST /api/v1/spend/publishers/:publisher/salaries': { as: 'orgFinance', url: (w) => `/api/v1/spend/publishers/${w.org.id}/salaries?asAt=2024-06-30`, raw: () => ({ contentType: 'text/csv', payload: salaryCsv }), status: 201 },

  // ---- voice ----
  'POST /api/v1/voice/services': { as: 'orgStaff', url: () => '/api/v1/voice/services', body: (w) => ({ organisation: w.org.id, name: 'Matrix service', decisionType: 'involvement', areas: [NEWCASTLE] }), status: 201 },
  'POST /api/v1/voice/stories': { as: 'unrelated', refused: [], url: () => '/api/v1/voice/stories', body: (w) => ({ title: 'Waiting for a carer', body: 'The carer came late every day this week.', pseudonym: 'Matrix', email: 'matrix-teller@example.org', services: [w.ids.serviceId] }), status: 202 },
  'POST /api/v1/voice/stories/:id/responses': { as: 'orgStaff', url: (w) => `/api/v1/voice/stories/${w.ids.storyId}/responses`, body: (w) => ({ organisation: w.org.id, body: 'We are sorry; we have changed the rota.' }), status: 201 },
  'POST /api/v1/voice/stories/:id/moderation': { as: 'moderator', url: (w) => `/api/v1/voice/stories/${w.ids.pendingStoryApi}/moderation`, body: () => ({ decision: 'publish' }), status: 200 },
  'POST /api/v1/voice/responses/:id/moderation': { as: 'moderator', url: (w) => `/api/v1/voice/responses/${w.ids.pendingResponseApi}/moderation`, body: () => ({ decision: 'publish' }), status: 200 },
  'POST /api/v1/voice/petitions': { as: 'unrelated', refused: ['anonymous'], url: () => '/api/v1/voice/petitions', body: (w) => ({ organisation: w.org.id, title: 'Open the library on Sundays', background: 'Many people work in the week.' }), status: 201 },
  'POST /api/v1/voice/petitions/:id/moderation': { as: 'moderator', url: (w) => `/api/v1/voice/petitions/${w.ids.pendingPetitionApi}/moderation`, body: () => ({ decision: 'open' }), status: 200 },
  'POST /api/v1/voice/petitions/:id/invalidations/preview': { as: 'moderator', url: (w) => `/api/v1/voice/petitions/${w.ids.openPetition}/invalidations/preview`, body: () => ({ emailDomain: 'throwaway.example' }), status: 200 },
  'POST /api/v1/voice/petitions/:id/invalidations': { as: 'moderator', url: (w) => `/api/v1/voice/petitions/${w.ids.openPetition}/invalidations`, body: () => ({ reason: 'Signatures from a throwaway domain', emailDomain: 'throwaway.example' }), status: 201 },
  'PUT /api/v1/voice/petitions/:id/response': { as: 'orgStaff', url: (w) => `/api/v1/voice/petitions/${w.ids.openPetition}/response`, body: () => ({ text: 'The council will consult on Sunday opening.' }), status: 200 },
  'POST /api/v1/voice/petitions/:id/signatures': { as: 'unrelated', refused: [], url: (w) => `/api/v1/voice/petitions/${w.ids.openPetition}/signatures`, body: () => ({ name: 'A Signer', email: `signer-${randomUUID().slice(0, 6)}@example.org`, postcode: 'NE1 1AA', localAuthority: NEWCASTLE, consent: true }), status: 202 },
  'POST /voice/stories': { as: 'anonymous', refused: [], url: () => '/voice/stories', body: (w) => ({ title: 'Bins missed', body: 'The bins were missed twice this month.', pseudonym: 'Matrix page', email: 'matrix-page-teller@example.org', services: [w.ids.serviceId] }), status: 303 },
  'POST /voice/stories/:id/me-too': { as: 'unrelated', refused: [], url: (w) => `/voice/stories/${w.ids.storyId}/me-too`, status: 303 },
  'POST /voice/me-too/confirm': { as: 'anonymous', refused: [], url: () => '/voice/me-too/confirm', body: (w) => ({ token: w.ids.meTooToken }), status: 303 },
  'POST /voice/stories/:id/responses': { as: 'orgStaff', url: (w) => `/voice/stories/${w.ids.storyId}/responses`, body: (w) => ({ organisation: w.org.id, body: 'Thank you; we are looking into it.' }), status: 303 },
  'POST /voice/responses/confirm': { as: 'anonymous', refused: [], url: () => '/voice/responses/confirm', body: (w) => ({ token: w.ids.responseConfirmToken }), status: 303 },
  'POST /voice/services': { as: 'orgStaff', url: () => '/voice/services', body: (w) => ({ organisation: w.org.id, name: 'Matrix page service', decisionType: 'technical', areas: NEWCASTLE }), status: 303 },
  'POST /voice/services/:id/edit': { as: 'orgStaff', url: (w) => `/voice/services/${w.ids.serviceId}/edit`, body: () => ({ name: 'Home care (edited)', decisionType: 'involvement', areas: NEWCASTLE }), status: 303 },
  'POST /voice/moderation/stories/:id': { as: 'moderator', url: (w) => `/voice/moderation/stories/${w.ids.pendingStoryPage}`, body: () => ({ decision: 'publish' }), status: 303 },
  'POST /voice/moderation/responses/:id': { as: 'moderator', url: (w) => `/voice/moderation/responses/${w.ids.pendingResponsePage}`, body: () => ({ decision: 'publish' }), status: 303 },
  'POST /voice/moderators': { as: 'siteAdmin', url: () => '/voice/moderators', body: (w) => ({ organisation: w.ids.moderatingSlug }), status: 303 },
  'POST /feedback': { as: 'anonymous', refused: [], url: () => '/feedback', body: () => ({ page: '/spend', body: 'The totals are hard to read on a phone.' }), status: 200 },
  'POST /voice/alerts': { as: 'unrelated', refused: ['anonymous'], url: () => '/voice/alerts', body: (w) => ({ scope: 'service', value: w.ids.serviceId }), status: 303 },
  'POST /voice/alerts/:id/remove': { as: 'orgStaff', url: (w) => `/voice/alerts/${w.ids.alertId}/remove`, status: 303 },
  'POST /voice/petitions': { as: 'unrelated', refused: ['anonymous'], url: () => '/voice/petitions', body: (w) => ({ organisation: w.org.id, title: 'More benches in the park', background: 'Older people need to rest.' }), status: 303 },
  'POST /voice/petitions/new': { as: 'unrelated', refused: ['anonymous'], url: () => '/voice/petitions/new', body: () => ({ title: 'Changing my mind' }), status: 200 },
  'POST /voice/petitions/check': { as: 'unrelated', refused: ['anonymous'], url: () => '/voice/petitions/check', body: (w) => ({ organisation: w.org.id, title: 'More benches in the park', background: 'Older people need to rest.' }), status: 200 },
  'POST /voice/petitions/settings/:slug': { as: 'orgAdmin', url: (w) => `/voice/petitions/settings/${w.org.slug}`, body: () => ({ responseThreshold: '100', debateThreshold: '1000', openDays: '180', requiredSupporters: '0' }), status: 303 },
  'POST /voice/petitions/confirm': { as: 'anonymous', refused: [], url: () => '/voice/petitions/confirm', body: (w) => ({ token: w.ids.signatureConfirmToken }), status: 303 },
  'POST /voice/petitions/:id/sign': { as: 'anonymous', refused: [], url: (w) => `/voice/petitions/${w.ids.openPetition}/sign`, body: () => ({ name: 'A Page Signer', email: `page-signer-${randomUUID().slice(0, 6)}@example.org`, postcode: 'NE1 1AA', localAuthority: NEWCASTLE, consent: 'yes' }), status: 303 },
  'POST /voice/petitions/:id/moderate': { as: 'moderator', url: (w) => `/voice/petitions/${w.ids.pendingPetitionPage}/moderate`, body: () => ({ decision: 'open' }), status: 303 },
  'POST /voice/petitions/:id/invalidate/preview': { as: 'moderator', url: (w) => `/voice/petitions/${w.ids.openPetition}/invalidate/preview`, body: () => ({ emailDomain: 'dupes.example' }), status: 200 },
  'POST /voice/petitions/:id/invalidate': { as: 'moderator', url: (w) => `/voice/petitions/${w.ids.openPetition}/invalidate`, body: () => ({ reason: 'Duplicates', emailDomain: 'dupes.example' }), status: 303 },
  'POST /voice/petitions/:id/response': { as: 'orgStaff', url: (w) => `/voice/petitions/${w.ids.openPetition}/response`, body: () => ({ text: 'We will answer at the next cabinet.' }), status: 303 },

  // ---- time bank ----
  'POST /api/v1/timebank/transfers': { as: 'member0', url: () => '/api/v1/timebank/transfers', body: (w) => ({ id: randomUUID(), from: w.ids.account0, to: w.ids.account1, minutes: 15, reason: 'Thanks for the lift' }), status: 201 },
  'POST /api/v1/timebank/transfers/:id/reversal': { as: 'coordinator', url: (w) => `/api/v1/timebank/transfers/${w.ids.transferId}/reversal`, body: () => ({ id: randomUUID(), reason: 'Recorded twice' }), status: 201 },
  'POST /api/v1/timebank/group-exchanges': { as: 'coordinator', url: () => '/api/v1/timebank/group-exchanges', body: (w) => ({ id: randomUUID(), reason: 'Litter pick', transfers: [{ id: randomUUID(), from: w.ids.issuer, to: w.ids.account2, minutes: 60 }] }), status: 201 },
  'POST /api/v1/timebank/banks': { as: 'orgAdmin', url: () => '/api/v1/timebank/banks', body: (w) => ({ name: 'Matrix bank', organisation: w.org.id }), status: 201 },
  'POST /api/v1/timebank/banks/:id/partners': { as: 'coordinator', url: (w) => `/api/v1/timebank/banks/${w.ids.bankId}/partners`, body: (w) => ({ organisation: w.org.id, role: 'earn' }), status: 201 },
  'POST /api/v1/timebank/banks/:id/join': { as: 'joinerApi', refused: ['anonymous'], url: (w) => `/api/v1/timebank/banks/${w.ids.bankId}/join`, body: () => ({ name: 'Newcomer' }), status: 201 },
  'POST /api/v1/timebank/accounts/:id/approve': { as: 'coordinator', url: (w) => `/api/v1/timebank/accounts/${w.ids.pendingApi}/approve`, body: () => ({}), status: 200 },
  'POST /api/v1/timebank/accounts/:id/suspend': { as: 'coordinator', url: (w) => `/api/v1/timebank/accounts/${w.ids.account2}/suspend`, body: () => ({ reason: 'Asked to pause' }), status: 200 },
  'POST /api/v1/timebank/accounts/:id/reinstate': { as: 'coordinator', url: (w) => `/api/v1/timebank/accounts/${w.ids.account2}/reinstate`, body: () => ({}), status: 200 },
  'POST /api/v1/timebank/accounts/:id/refuse': { as: 'coordinator', url: (w) => `/api/v1/timebank/accounts/${w.ids.refuseApi}/refuse`, body: () => ({ reason: 'The bank is for people who live in Heaton' }), status: 200 },
  'POST /api/v1/timebank/banks/:id/listings': { as: 'member0', url: (w) => `/api/v1/timebank/banks/${w.ids.bankId}/listings`, body: () => ({ kind: 'offer', category: 'transport', title: 'Lifts to the shops', area: 'Heaton' }), status: 201 },
  'POST /api/v1/timebank/listings/:id/close': { as: 'member0', url: (w) => `/api/v1/timebank/listings/${w.ids.listingApi}/close`, status: 200 },
  'POST /api/v1/timebank/exchanges': { as: 'member1', url: () => '/api/v1/timebank/exchanges', body: (w) => ({ id: randomUUID(), listingId: w.ids.listingOpen, minutes: 30, description: 'A lift to hospital' }), status: 201 },
  'POST /api/v1/timebank/exchanges/:id/confirm': { as: 'member0', url: (w) => `/api/v1/timebank/exchanges/${w.ids.exchangeApi}/confirm`, status: 200 },
  'POST /api/v1/timebank/exchanges/:id/decline': { as: 'member0', url: (w) => `/api/v1/timebank/exchanges/${w.ids.exchangeDecline}/decline`, status: 200 },
  'POST /api/v1/timebank/partners/:id/credits': { as: 'partnerStaff', url: (w) => `/api/v1/timebank/partners/${w.ids.earnPartner}/credits`, body: (w) => ({ id: randomUUID(), memberCode: w.ids.memberCode0, minutes: 60, reason: 'Volunteered at the food bank' }), status: 201 },
  'POST /api/v1/timebank/partners/:id/activities': { as: 'partnerStaff', url: (w) => `/api/v1/timebank/partners/${w.ids.spendPartner}/activities`, body: () => ({ title: 'Swim session', minutes: 60 }), status: 201 },
  'POST /api/v1/timebank/activities/:id/redeem': { as: 'partnerStaff', url: (w) => `/api/v1/timebank/activities/${w.ids.activityId}/redeem`, body: (w) => ({ id: randomUUID(), memberCode: w.ids.memberCode0 }), status: 201 },
  'POST /api/v1/timebank/banks/:id/members': { as: 'coordinator', url: (w) => `/api/v1/timebank/banks/${w.ids.bankId}/members`, body: () => ({ email: `member-${randomUUID().slice(0, 6)}@example.org`, name: 'Added Member' }), status: 201 },
  'POST /timebank/accounts/:id/transfers/:transfer/reverse': { as: 'coordinator', url: (w) => `/timebank/accounts/${w.ids.account0}/transfers/${w.ids.transferPage}/reverse`, body: () => ({ id: randomUUID(), reason: 'Wrong amount' }), status: 303 },
  'POST /timebank/accounts/:id/transfers': { as: 'member0', url: (w) => `/timebank/accounts/${w.ids.account0}/transfers`, body: (w) => ({ id: randomUUID(), to: w.ids.account1, minutes: '10', reason: 'Thank you' }), status: 303 },
  'POST /timebank/banks/:id/join': { as: 'joinerPage', refused: ['anonymous'], url: (w) => `/timebank/banks/${w.ids.bankId}/join`, body: () => ({ name: 'Page joiner' }), status: 303 },
  'POST /timebank/accounts/:id/approve': { as: 'coordinator', url: (w) => `/timebank/accounts/${w.ids.pendingPage}/approve`, status: 303 },
  'POST /timebank/accounts/:id/suspend': { as: 'coordinator', url: (w) => `/timebank/accounts/${w.ids.account2}/suspend`, body: () => ({ reason: 'Paused' }), status: 303 },
  'POST /timebank/accounts/:id/reinstate': { as: 'coordinator', url: (w) => `/timebank/accounts/${w.ids.account2}/reinstate`, status: 303 },
  'POST /timebank/banks/:id/approval': { as: 'coordinator', url: (w) => `/timebank/banks/${w.ids.bankId}/approval`, body: () => ({ requiresApproval: 'yes' }), status: 303 },
  'POST /timebank/banks/new': { as: 'orgAdmin', url: () => '/timebank/banks/new', body: (w) => ({ organisation: w.org.id, name: 'Matrix page bank', requiresApproval: 'yes', memberLimitHours: '5' }), status: 303 },
  'POST /timebank/banks/:id/settings': { as: 'coordinator', url: (w) => `/timebank/banks/${w.ids.bankId}/settings`, body: () => ({ hours: '8' }), status: 303 },
  'POST /timebank/accounts/:id/limit': { as: 'coordinator', url: (w) => `/timebank/accounts/${w.ids.account1}/limit`, body: () => ({ hours: '10' }), status: 303 },
  'POST /timebank/accounts/:id/refuse': { as: 'coordinator', url: (w) => `/timebank/accounts/${w.ids.refusePage}/refuse`, body: () => ({ reason: 'Not in the area we serve' }), status: 303 },
  'POST /timebank/banks/:id/listings': { as: 'member1', url: (w) => `/timebank/banks/${w.ids.bankId}/listings`, body: () => ({ kind: 'request', category: 'garden', title: 'Help with a hedge', area: 'Byker' }), status: 303 },
  'POST /timebank/listings/:id/exchanges': { as: 'member1', url: (w) => `/timebank/listings/${w.ids.listingOpen}/exchanges`, body: () => ({ id: randomUUID(), minutes: '20', description: 'A short lift' }), status: 303 },
  'POST /timebank/listings/:id/messages': { as: 'member1', url: (w) => `/timebank/listings/${w.ids.listingOpen}/messages`, body: () => ({ body: 'Could you help on Saturday morning?' }), status: 303 },
  'POST /timebank/listings/:id/close': { as: 'member0', url: (w) => `/timebank/listings/${w.ids.listingPage}/close`, status: 303 },
  'POST /timebank/accounts/:id/exchanges': { as: 'member0', url: (w) => `/timebank/accounts/${w.ids.account0}/exchanges`, body: (w) => ({ id: randomUUID(), role: 'gave', with: w.ids.account1, minutes: '30', category: 'company', description: 'A cup of tea and a chat' }), status: 303 },
  'POST /timebank/exchanges/:id/:decision': { as: 'member0', url: (w) => `/timebank/exchanges/${w.ids.exchangePage}/confirm`, status: 303 },
  'POST /timebank/banks/:id/exchanges': { as: 'coordinator', url: (w) => `/timebank/banks/${w.ids.bankId}/exchanges`, body: (w) => ({ id: randomUUID(), provider: w.ids.account0, receiver: w.ids.account1, minutes: '30', category: 'practical', description: 'Fixed a shelf' }), status: 303 },
  'POST /timebank/accounts/:id/credits': { as: 'partnerStaff', url: (w) => `/timebank/accounts/${w.ids.earnPartner}/credits`, body: (w) => ({ id: randomUUID(), memberCode: w.ids.memberCode0, minutes: '30', reason: 'Helped at the fair' }), status: 303 },
  'POST /timebank/accounts/:id/activities': { as: 'partnerStaff', url: (w) => `/timebank/accounts/${w.ids.spendPartner}/activities`, body: () => ({ title: 'Cinema ticket', minutes: '120' }), status: 303 },
  'POST /timebank/activities/:id/redeem': { as: 'partnerStaff', url: (w) => `/timebank/activities/${w.ids.activityId}/redeem`, body: (w) => ({ id: randomUUID(), memberCode: w.ids.memberCode0 }), status: 303 },

  // ---- commissioning (the buyer's commissioners run a process; providers' administrators bid) ----
  'POST /api/v1/commissioning/opportunities': { as: 'commissioner', url: () => '/api/v1/commissioning/opportunities', body: (w) => opportunityBody(w.buyer.id, new Date(Date.now() + 86_400_000)), status: 201 },
  'POST /api/v1/commissioning/opportunities/:id/publish': { as: 'commissioner', url: (w) => `/api/v1/commissioning/opportunities/${w.ids.draftApi}/publish`, status: 200 },
  'POST /api/v1/commissioning/opportunities/:id/amendments': { as: 'commissioner', url: (w) => `/api/v1/commissioning/opportunities/${w.ids.openProcess}/amendments`, body: () => ({ rationale: 'A clearer description', description: 'Outcomes: fewer people feel lonely.' }), status: 200 },
  'POST /api/v1/commissioning/opportunities/:id/questions': { as: 'providerAdmin', refused: ['anonymous'], url: (w) => `/api/v1/commissioning/opportunities/${w.ids.openProcess}/questions`, body: () => ({ question: 'Can we bid for both lots?' }), status: 201 },
  'POST /api/v1/commissioning/questions/:id/answer': { as: 'commissioner', url: (w) => `/api/v1/commissioning/questions/${w.ids.questionApi}/answer`, body: () => ({ answer: 'Yes.' }), status: 200 },
  'POST /api/v1/commissioning/opportunities/:id/interest': { as: 'providerAdmin', url: (w) => `/api/v1/commissioning/opportunities/${w.ids.openProcess}/interest`, body: (w) => ({ organisation: w.provider.id, seekingPartners: true }), status: 201 },
  'POST /api/v1/commissioning/opportunities/:id/bids': { as: 'providerAdmin', url: (w) => `/api/v1/commissioning/opportunities/${w.ids.openProcess}/bids`, body: (w) => ({ lotId: w.ids.openLot2, organisation: w.provider.id, pricePence: 1_000_000, approach: 'A telephone line run by volunteers', socialValue: 'Local jobs' }), status: 201 },
  'POST /api/v1/commissioning/bids/:id/withdraw': { as: 'providerAdmin', url: (w) => `/api/v1/commissioning/bids/${w.ids.openBidApi}/withdraw`, status: 200 },
  'POST /api/v1/commissioning/bids/:id/consent': { as: 'rivalAdmin', url: (w) => `/api/v1/commissioning/bids/${w.ids.consortiumBidApi}/consent`, body: (w) => ({ organisation: w.ids.rivalId, decision: 'accept' }), status: 200 },
  'POST /api/v1/commissioning/bids/:id/evaluators': { as: 'commissioner', url: (w) => `/api/v1/commissioning/bids/${w.ids.closedBid1}/evaluators`, body: (w) => ({ email: w.people.evaluator2.email }), status: 200 },
  'POST /api/v1/commissioning/bids/:id/conflict': { as: 'evaluator2', url: (w) => `/api/v1/commissioning/bids/${w.ids.closedBid3}/conflict`, body: () => ({ note: 'I used to work there' }), status: 200 },
  'POST /api/v1/commissioning/bids/:id/scores': { as: 'evaluator1', url: (w) => `/api/v1/commissioning/bids/${w.ids.closedBid1}/scores`, body: (w) => ({ scores: w.ids.criteria.map((criterionId) => ({ criterionId, score: 7, reason: 'Sound' })) }), status: 200 },
  'POST /api/v1/commissioning/bids/:id/moderation': { as: 'commissioner', url: (w) => `/api/v1/commissioning/bids/${w.ids.closedBid1}/moderation`, body: (w) => ({ criterionId: w.ids.criteria[0]!, score: 6, reason: 'Agreed at moderation' }), status: 200 },
  'POST /api/v1/commissioning/contracts/:id/milestones/:milestoneId': { as: 'commissioner', url: (w) => `/api/v1/commissioning/contracts/${w.ids.contractId}/milestones/${w.ids.milestoneId}`, body: () => ({ status: 'met', dateMet: '2027-06-20' }), status: 200 },
  'POST /api/v1/commissioning/needs': { as: 'commissioner', url: () => '/api/v1/commissioning/needs', body: (w) => ({ organisation: w.buyer.id, title: 'Loneliness', description: 'Older people report loneliness.', outcomes: ['Fewer people feel lonely'], decisionType: 'technical', measures: ['UCLA loneliness score | 10% lower | national survey'] }), status: 201 },
  'POST /api/v1/commissioning/open-calls': { as: 'commissioner', url: () => '/api/v1/commissioning/open-calls', body: (w) => ({ organisation: w.buyer.id, title: 'Ideas for the east end', description: 'Tell us what is needed.' }), status: 201 },
  'POST /api/v1/commissioning/open-calls/:id/proposals': { as: 'providerAdmin', url: (w) => `/api/v1/commissioning/open-calls/${w.ids.openCallId}/proposals`, body: (w) => ({ organisation: w.provider.id, title: 'Lunch clubs', need: 'People eat alone', proposal: 'Weekly lunch clubs' }), status: 201 },
  'POST /api/v1/commissioning/proposals/:id/opportunity': { as: 'commissioner', url: (w) => `/api/v1/commissioning/proposals/${w.ids.proposalApi}/opportunity`, body: () => ({ valuePence: 5_000_000, bidDeadline: new Date(Date.now() + 30 * 86_400_000).toISOString() }), status: 201 },
  'POST /commissioning/needs': { as: 'commissioner', url: () => '/commissioning/needs', body: (w) => ({ organisation: w.buyer.id, title: 'Isolation', description: 'People are isolated.', outcomes: 'Fewer people isolated', decisionType: 'technical', measures: 'Isolation score | 10% lower | national survey' }), status: 303 },
  'POST /commissioning/opportunities': {
    as: 'commissioner', url: () => '/commissioning/opportunities', status: 303,
    body: (w) => {
      const d = new Date(Date.now() + 20 * 86_400_000);
      return {
        organisation: w.buyer.id, title: 'Befriending', description: 'Fewer people lonely.', value: '100000', deadlineDate: d.toISOString().slice(0, 10), deadlineTime: '12:00',
        contractStart: '2027-04-01', contractEnd: '2028-03-31', standstillDays: '0', lot0Title: 'Befriending', lot0Description: 'Volunteers', lot0Value: '100000', lot0Sme: 'yes', lot0Vcse: 'yes',
        criterion0Kind: 'quality', criterion0Title: 'Quality', criterion0Weight: '70', criterion1Kind: 'social-value', criterion1Title: 'Social value', criterion1Weight: '30',
      };
    },
  },
  'POST /commissioning/opportunities/:id/edit': {
    as: 'commissioner', url: (w) => `/commissioning/opportunities/${w.ids.draftEdit}/edit`, status: 303,
    body: (w) => ({
      organisation: w.buyer.id, title: 'Befriending, edited', description: 'Fewer people lonely.', value: '100000', deadlineDate: new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10), deadlineTime: '12:00',
      standstillDays: '0', lot0Title: 'Befriending', lot0Value: '100000', lot0Sme: 'yes', lot0Vcse: 'yes',
      criterion0Kind: 'quality', criterion0Title: 'Quality', criterion0Weight: '70', criterion1Kind: 'social-value', criterion1Title: 'Social value', criterion1Weight: '30',
    }),
  },
  'POST /commissioning/opportunities/:id/publish': { as: 'commissioner', url: (w) => `/commissioning/opportunities/${w.ids.draftPage}/publish`, status: 303 },
  'POST /commissioning/opportunities/:id/bids': { as: 'providerAdmin', url: (w) => `/commissioning/opportunities/${w.ids.openProcess}/bids`, body: (w) => ({ lotId: w.ids.openLot1, organisation: w.provider.id, price: '90000', approach: 'Befrienders', socialValue: 'Volunteering' }), status: 303 },
  'POST /commissioning/opportunities/:id/withdrawals': { as: 'rivalAdmin', url: (w) => `/commissioning/opportunities/${w.ids.openProcess}/withdrawals`, body: (w) => ({ bidId: w.ids.openBidPage }), status: 303 },
  'POST /commissioning/bids/:id/consent': { as: 'rivalAdmin', url: (w) => `/commissioning/bids/${w.ids.consortiumBidPage}/consent`, body: (w) => ({ organisation: w.ids.rivalId, decision: 'decline' }), status: 303 },
  'POST /commissioning/opportunities/:id/interest': { as: 'providerAdmin', url: (w) => `/commissioning/opportunities/${w.ids.openProcess}/interest`, body: (w) => ({ interestOrganisation: w.provider.id, note: 'Keen to partner' }), status: 303 },
  'POST /commissioning/opportunities/:id/questions': { as: 'providerAdmin', refused: ['anonymous'], url: (w) => `/commissioning/opportunities/${w.ids.openProcess}/questions`, body: () => ({ question: 'Is TUPE expected?' }), status: 303 },
  'POST /commissioning/opportunities/:id/answers': { as: 'commissioner', url: (w) => `/commissioning/opportunities/${w.ids.openProcess}/answers`, body: (w) => ({ questionId: w.ids.questionPage, answer: 'No.' }), status: 303 },
  'POST /commissioning/opportunities/:id/amendments': { as: 'commissioner', url: (w) => `/commissioning/opportunities/${w.ids.openProcess}/amendments`, body: () => ({ rationale: 'Typo', newDescription: 'Outcomes: fewer lonely people.' }), status: 303 },
  'POST /commissioning/opportunities/:id/contract': { as: 'commissioner', url: (w) => `/commissioning/opportunities/${w.ids.closedProcess}/contract`, body: (w) => ({ awardId: w.ids.awardId, milestone0: 'Live', milestone0Due: '2027-06-30' }) },
  'POST /commissioning/opportunities/:id/evaluation/evaluators': { as: 'commissioner', url: (w) => `/commissioning/opportunities/${w.ids.closedProcess}/evaluation/evaluators`, body: (w) => ({ bidId: w.ids.closedBid2, email: w.people.evaluator1.email }), status: 303 },
  'POST /commissioning/opportunities/:id/evaluation/scores': { as: 'evaluator1', url: (w) => `/commissioning/opportunities/${w.ids.closedProcess}/evaluation/scores`, body: (w) => ({ bidId: w.ids.closedBid1, ...Object.fromEntries(w.ids.criteria.flatMap((c) => [[`score-${c}`, '8'], [`reason-${c}`, 'Strong']])) }), status: 303 },
  'POST /commissioning/opportunities/:id/evaluation/conflicts': { as: 'evaluator1', url: (w) => `/commissioning/opportunities/${w.ids.closedProcess}/evaluation/conflicts`, body: (w) => ({ bidId: w.ids.closedBid3, note: 'A friend runs it' }), status: 303 },
  'POST /commissioning/opportunities/:id/evaluation/moderation': { as: 'commissioner', url: (w) => `/commissioning/opportunities/${w.ids.closedProcess}/evaluation/moderation`, body: (w) => ({ bidId: w.ids.closedBid1, criterionId: w.ids.criteria[1]!, score: '5', reason: 'Agreed' }), status: 303 },
  'POST /api/v1/commissioning/opportunities/:id/awards': { as: 'commissioner', url: (w) => `/api/v1/commissioning/opportunities/${w.ids.closedProcess}/awards`, body: (w) => ({ bidId: w.ids.closedBid1, rationale: 'Highest weighted score' }), status: 201 },
  'POST /api/v1/commissioning/awards/:id/contract': { as: 'commissioner', url: (w) => `/api/v1/commissioning/awards/${w.ids.awardId}/contract`, body: () => ({ milestones: [{ title: 'Live', dueDate: '2027-06-30' }] }) },
  'POST /commissioning/opportunities/:id/evaluation/awards': { as: 'commissioner', url: (w) => `/commissioning/opportunities/${w.ids.closedProcess}/evaluation/awards`, body: (w) => ({ bidId: w.ids.closedBid1, rationale: 'Best value' }) },
  'POST /commissioning/contracts/:id/kpis/:kpiId/rating': { as: 'commissioner', url: (w) => `/commissioning/contracts/${w.ids.contractId}/kpis/${w.ids.kpiId}/rating`, body: () => ({ period: '2026-27', rating: 'good' }), status: 303 },
  'POST /commissioning/contracts/:id/milestones': { as: 'commissioner', url: (w) => `/commissioning/contracts/${w.ids.contractId}/milestones`, body: (w) => ({ milestoneId: w.ids.milestoneId, status: 'notMet' }), status: 303 },
  'POST /commissioning/open-calls': { as: 'commissioner', url: () => '/commissioning/open-calls', body: (w) => ({ organisation: w.buyer.id, title: 'Ideas for the west end', description: 'What is needed?' }), status: 303 },
  'POST /commissioning/open-calls/:id/proposals': { as: 'providerAdmin', url: (w) => `/commissioning/open-calls/${w.ids.openCallId}/proposals`, body: (w) => ({ organisation: w.provider.id, title: 'Walking groups', need: 'People do not get out', proposal: 'Weekly walks' }), status: 303 },
  'POST /commissioning/proposals/:id/opportunity': {
    as: 'commissioner', url: (w) => `/commissioning/proposals/${w.ids.proposalPage}/opportunity`, status: 303,
    body: () => {
      const d = new Date(Date.now() + 20 * 86_400_000);
      return { value: '50000', deadlineDate: d.toISOString().slice(0, 10), deadlineTime: '12:00' };
    },
  },

  // ---- outcomes ----
  'POST /api/v1/outcomes/contracts': { as: 'outcomesCommissioner', url: () => '/api/v1/outcomes/contracts', body: (w) => ({ organisation: w.council.id, provider: w.outcomesProvider.id, title: 'Matrix contract', startDate: '2025-04-01', endDate: '2027-03-31', capPence: 500_000 }), status: 201 },
  'POST /api/v1/outcomes/contracts/:id/link': { as: 'outcomesCommissioner', url: (w) => `/api/v1/outcomes/contracts/${w.ids.outcomesContract}/link`, body: () => ({ commissioningContractId: null }), status: 200 },
  'POST /api/v1/outcomes/contracts/:id/metrics': { as: 'outcomesCommissioner', url: (w) => `/api/v1/outcomes/contracts/${w.ids.outcomesContract}/metrics`, body: () => ({ code: 'O9', name: 'Back in work', definition: 'In work 13 weeks', validationMethod: 'Payslips', evidenceRequired: 'Payslip', pricePence: 50_000 }), status: 201 },
  'POST /api/v1/outcomes/contracts/:id/metrics/:metric/prices': { as: 'outcomesCommissioner', url: (w) => `/api/v1/outcomes/contracts/${w.ids.outcomesContract}/metrics/O1/prices`, body: () => ({ pricePence: 110_000, effectiveFrom: '2026-04-01', note: 'Inflation' }), status: 200 },
  'PUT /api/v1/outcomes/contracts/:id/payers': { as: 'outcomesCommissioner', url: (w) => `/api/v1/outcomes/contracts/${w.ids.outcomesContract}/payers`, body: (w) => ({ payers: [{ organisation: w.council.id, shareBasisPoints: 7000 }, { organisation: w.fund.id, shareBasisPoints: 3000 }] }), status: 200 },
  'POST /api/v1/outcomes/contracts/:id/claims': { as: 'outcomesProviderStaff', url: (w) => `/api/v1/outcomes/contracts/${w.ids.outcomesContract}/claims`, body: () => ({ metric: 'O1', participantRef: 'P-API', achievedOn: '2025-10-01', evidence: 'Landlord letter' }), status: 201 },
  'POST /api/v1/outcomes/claims/:id/decision': { as: 'outcomesEvaluator', url: (w) => `/api/v1/outcomes/claims/${w.ids.claimApi}/decision`, body: () => ({ decision: 'accept' }), status: 200 },
  'POST /api/v1/outcomes/contracts/:id/payments': { as: 'outcomesFinance', url: (w) => `/api/v1/outcomes/contracts/${w.ids.outcomesContract}/payments`, body: (w) => ({ claimIds: [w.ids.claimAccepted], paidOn: '2025-11-01' }), status: 201 },
  'POST /api/v1/outcomes/contracts/:id/comparisons': { as: 'outcomesCommissioner', url: (w) => `/api/v1/outcomes/contracts/${w.ids.outcomesContract}/comparisons`, body: () => ({ measure: 'Reconviction', periodStart: '2025-04-01', periodEnd: '2026-03-31', cohortSize: 100, cohortEvents: 20, comparisonSize: 100, comparisonEvents: 30, better: 'lower', thresholdBasisPoints: 1000 }), status: 201 },
  'POST /api/v1/outcomes/contracts/:id/investments': { as: 'outcomesCommissioner', url: (w) => `/api/v1/outcomes/contracts/${w.ids.outcomesContract}/investments`, body: (w) => ({ investor: w.fund.id, committedPence: 200_000 }), status: 201 },
  'POST /api/v1/outcomes/investments/:id/flows': { as: 'investorFinance', url: (w) => `/api/v1/outcomes/investments/${w.ids.investmentId}/flows`, body: () => ({ kind: 'drawdown', on: '2025-05-01', amountPence: 50_000 }), status: 201 },
  // ---- scorecards: peer review (each step by the person whose step it is) and the worst-10% decision ----
  'POST /scorecards/peer-reviews': { as: 'providerAdmin', url: () => '/scorecards/peer-reviews', body: (w) => ({ service: w.peerReview.flaggedService, scope: 'Matrix page scope' }), status: 303 },
  'POST /scorecards/peer-reviews/:id/reviewers': { as: 'providerAdmin', url: (w) => `/scorecards/peer-reviews/${w.peerReview.reviewToStaff}/reviewers`, body: (w) => ({ person: w.people.peerReviewer2.userId!, lead: 'yes' }), status: 303 },
  'POST /scorecards/peer-reviews/:id/conflicts': { as: 'peerReviewer', url: (w) => `/scorecards/peer-reviews/${w.peerReview.reviewToDeclare}/conflicts`, body: () => ({ conflict: 'no' }), status: 303 },
  'POST /scorecards/peer-reviews/:id/report': { as: 'peerReviewer', url: (w) => `/scorecards/peer-reviews/${w.peerReview.reviewToWrite}/report`, body: (w) => w.peerReview.report, status: 303 },
  'POST /scorecards/peer-reviews/:id/publish': { as: 'peerReviewer', url: (w) => `/scorecards/peer-reviews/${w.peerReview.reviewToPublish}/publish`, status: 303 },
  'POST /scorecards/peer-reviews/:id/actions': { as: 'providerAdmin', url: (w) => `/scorecards/peer-reviews/${w.peerReview.reviewPublished}/actions`, body: () => ({ action: 'Matrix action', dueOn: day(60) }), status: 303 },
  'POST /scorecards/peer-reviews/:id/progress': { as: 'peerReviewer', url: (w) => `/scorecards/peer-reviews/${w.peerReview.reviewPublished}/progress`, body: () => ({ notes: 'Matrix progress' }), status: 303 },
  'POST /scorecards/peer-reviewers/requests': { as: 'orgAdmin', url: () => '/scorecards/peer-reviewers/requests', body: (w) => ({ organisation: w.org.id, kinds: 'technical', statement: 'Matrix experience' }), status: 303 },
  'POST /scorecards/peer-reviewers/requests/:id/decision': { as: 'siteAdmin', url: (w) => `/scorecards/peer-reviewers/requests/${w.ids.peerReviewerRequest}/decision`, body: () => ({ decision: 'approve', note: 'Matrix approval' }), status: 303 },
  'POST /scorecards/flags/decisions': { as: 'commissioner', url: () => '/scorecards/flags/decisions', body: (w) => ({ service: w.peerReview.flaggedService, indicator: 'fft-positive', period: '2025', decision: 'improve', reason: 'Matrix decision' }), status: 303 },
  // ---- investment ----
  'POST /api/v1/investment/cdfis': { as: 'siteAdmin', url: () => '/api/v1/investment/cdfis', body: (w) => ({ organisation: w.ids.cdfiToAccredit, accreditedFrom: day(-10), applicationPence: 1_000_000 }), status: 201 },
  'POST /api/v1/investment/cdfis/:id/investments': { as: 'cdfiFinance', url: (w) => `/api/v1/investment/cdfis/${w.ids.cdfi}/investments`, body: (w) => ({ investor: w.investor.id, kind: 'shares', amountPence: 100_000, investedOn: day(-1) }), status: 201 },
  'POST /api/v1/investment/cdfis/:id/investments/:inv/certificate': { as: 'cdfiFinance', url: (w) => `/api/v1/investment/cdfis/${w.ids.cdfi}/investments/${w.ids.citrCertApi}/certificate`, body: () => ({}), status: 201 },
  'POST /api/v1/investment/cdfis/:id/investments/:inv/repayments': { as: 'cdfiFinance', url: (w) => `/api/v1/investment/cdfis/${w.ids.cdfi}/investments/${w.ids.citrLoan}/repayments`, body: () => ({ repaidOn: day(0), amountPence: 1_000 }), status: 201 },
  'POST /api/v1/investment/deals': { as: 'cdfiFinance', url: () => '/api/v1/investment/deals', body: (w) => ({ investor: w.ids.cdfi, investee: w.outcomesProvider.id, title: 'Matrix API loan', loanPence: 100_000, termMonths: 12, startsOn: day(-60) }), status: 201 },
  'POST /api/v1/investment/deals/:id/repayments': { as: 'cdfiFinance', url: (w) => `/api/v1/investment/deals/${w.ids.investmentDeal}/repayments`, body: () => ({ paidOn: day(-1), amountPence: 1_000 }), status: 201 },
  'POST /api/v1/investment/deals/:id/write-offs': { as: 'cdfiFinance', url: (w) => `/api/v1/investment/deals/${w.ids.investmentDeal}/write-offs`, body: () => ({ on: day(-1), amountPence: 1_000, reason: 'Matrix write-off' }), status: 201 },
  'POST /investment/accreditation/check': { as: 'siteAdmin', url: () => '/investment/accreditation/check', body: (w) => ({ organisation: w.ids.cdfiToAccredit, 'accreditedFrom-day': '1', 'accreditedFrom-month': '4', 'accreditedFrom-year': '2026', application: '10000' }), status: 200 },
  'POST /investment/accreditation': { as: 'siteAdmin', url: () => '/investment/accreditation', body: (w) => ({ organisation: w.ids.cdfiToAccredit, accreditedFrom: day(-10), application: '10000' }), status: 303 },
  'POST /investment/cdfis/:id/investments': { as: 'cdfiFinance', url: (w) => `/investment/cdfis/${w.ids.cdfi}/investments`, body: (w) => ({ investor: w.investor.id, kind: 'shares', amount: '100', investedOn: day(-1) }), status: 303 },
  'POST /investment/cdfis/:id/investments/:inv/certificate': { as: 'cdfiFinance', url: (w) => `/investment/cdfis/${w.ids.cdfi}/investments/${w.ids.citrCertPage}/certificate`, body: () => ({ issuedOn: '' }), status: 303 },
  'POST /investment/cdfis/:id/investments/:inv/repayments': { as: 'cdfiFinance', url: (w) => `/investment/cdfis/${w.ids.cdfi}/investments/${w.ids.citrLoan}/repayments`, body: () => ({ repaidOn: day(0), amount: '10' }), status: 303 },
  'POST /investment/deals': { as: 'cdfiFinance', url: () => '/investment/deals', body: (w) => ({ investor: w.ids.cdfi, investee: w.outcomesProvider.id, title: 'Matrix page loan', loan: '1000', termMonths: '12', startsOn: day(-60) }), status: 303 },
  'POST /investment/deals/:id/repayments': { as: 'cdfiFinance', url: (w) => `/investment/deals/${w.ids.investmentDeal}/repayments`, body: () => ({ paidOn: day(-1), amount: '10' }), status: 303 },
  'POST /investment/deals/:id/write-offs': { as: 'cdfiFinance', url: (w) => `/investment/deals/${w.ids.investmentDeal}/write-offs`, body: () => ({ on: day(-1), amount: '10', reason: 'Matrix write-off' }), status: 303 },
  'POST /api/v1/outcomes/agreements': { as: 'serviceStaff', url: () => '/api/v1/outcomes/agreements', body: (w) => ({ organisation: w.org.id, serviceName: 'Home care', title: 'Staying at home', partyKind: 'person', partyEmail: w.people.citizen.email, partyName: 'A Citizen', terms: [{ side: 'service', kind: 'commitment', text: 'Visit twice a day' }, { side: 'citizen', kind: 'outcome', text: 'Stay at home' }] }), status: 201 },
  'POST /api/v1/outcomes/agreements/:id/signatures': { as: 'citizen', url: (w) => `/api/v1/outcomes/agreements/${w.ids.agreementApi}/signatures`, status: 200 },
  'POST /api/v1/outcomes/agreements/:id/progress': { as: 'serviceStaff', url: (w) => `/api/v1/outcomes/agreements/${w.ids.agreementSigned}/progress`, body: (w) => ({ termId: w.ids.agreementTerm, status: 'on-track' }), status: 200 },
  'POST /api/v1/outcomes/agreements/:id/reviews': { as: 'serviceStaff', url: (w) => `/api/v1/outcomes/agreements/${w.ids.agreementSigned}/reviews`, body: () => ({ heldOn: day(0), summary: 'Going well' }), status: 201 },
  'POST /outcomes/contracts/new': { as: 'outcomesCommissioner', url: () => '/outcomes/contracts/new', body: (w) => ({ organisation: w.council.id, provider: w.outcomesProvider.id, title: 'Matrix page contract', startDate: '2025-04-01', endDate: '2027-03-31', capPounds: '5000' }), status: 303 },
  'POST /outcomes/contracts/:id/claims': { as: 'outcomesProviderStaff', url: (w) => `/outcomes/contracts/${w.ids.outcomesContract}/claims`, body: () => ({ metric: 'O1', participantRef: 'P-PAGE', achievedOn: '2025-10-02', evidence: 'Landlord letter' }), status: 303 },
  'POST /outcomes/contracts/:id/claims/:claim/decision': { as: 'outcomesEvaluator', url: (w) => `/outcomes/contracts/${w.ids.outcomesContract}/claims/${w.ids.claimPage}/decision`, body: () => ({ decision: 'reject', reason: 'No letter' }), status: 303 },
  'POST /outcomes/contracts/:id/payments': { as: 'outcomesFinance', url: (w) => `/outcomes/contracts/${w.ids.outcomesContract}/payments`, body: (w) => ({ claimIds: w.ids.claimAcceptedPage, paidOn: '2025-11-02' }), status: 303 },
  'POST /outcomes/agreements/new': { as: 'serviceStaff', url: () => '/outcomes/agreements/new', body: (w) => ({ organisation: w.org.id, serviceName: 'Home care', title: 'Eating well', partyKind: 'person', partyEmail: w.people.citizen.email, partyName: 'A Citizen', 'terms.0.side': 'service', 'terms.0.kind': 'commitment', 'terms.0.text': 'Bring meals', 'terms.1.side': 'citizen', 'terms.1.kind': 'outcome', 'terms.1.text': 'Eat well' }), status: 303 },
  'POST /outcomes/agreements/:id/sign': { as: 'citizen', url: (w) => `/outcomes/agreements/${w.ids.agreementPage}/sign`, status: 303 },
  'POST /outcomes/agreements/:id/progress': { as: 'serviceStaff', url: (w) => `/outcomes/agreements/${w.ids.agreementSigned}/progress`, body: (w) => ({ termId: w.ids.agreementTerm, status: 'achieved' }), status: 303 },
  'POST /outcomes/agreements/:id/reviews': { as: 'serviceStaff', url: (w) => `/outcomes/agreements/${w.ids.agreementSigned}/reviews`, body: () => ({ heldOn: day(0), summary: 'Reviewed together' }), status: 303 },
};

/** A test module, first in the list, that records every route as the app registers it. */
function routeRecorder(into: { method: string; url: string }[]): CommonwealModule {
  return {
    name: 'route-recorder',
    routes(app) {
      app.addHook('onRoute', (route) => {
        for (const method of ([] as string[]).concat(route.method)) {
          if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) into.push({ method, url: route.url });
        }
      });
    },
  };
}

let ipCounter = 10;
async function callerFor(ctx: AppContext, label: string, userId: string | null, email = ''): Promise<Caller> {
  const ip = `10.9.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;
  const session = await startSession(ctx.db, userId);
  const auth: Record<string, string> = userId ? { authorization: `Bearer ${(await createApiToken(ctx.db, cliActor, { userId, name: 'matrix' })).token}` } : {};
  return { label, userId, email, auth, cookie: session.token, csrf: session.csrfToken, ip };
}

const actorOf = (userId: string): Actor => ({ userId, tokenId: null, isAdmin: false, via: 'session' });

async function buildWorld(ctx: AppContext) {
  const db = ctx.db;
  const tag = randomUUID().slice(0, 6);
  // Public bodies are registered verified, as an operator does (only those may publish); the rest are not.
  const org = async (name: string, legalForm: LegalForm = 'charitable-company') => isPublicBodyForm(legalForm)
    ? verifiedPublicBody(db, `${name} ${tag}`, legalForm)
    : createOrganisation(db, cliActor, { name: `${name} ${tag}`, legalForm });
  const person = async (label: string, roles: [string, Role][] = [], options: { admin?: boolean } = {}) => {
    const email = `${label.toLowerCase()}-${tag}@example.org`;
    const user = await registerUser(db, cliActor, { email, name: label, password: 'a long enough password', isAdmin: options.admin });
    for (const [organisationId, role] of roles) await insertMembership(db, { organisationId, userId: user.id, role });
    return callerFor(ctx, label, user.id, email);
  };
  await loadPlaces(ctx);

  const council = await org('Matrix Council', 'local-authority');
  const other = await org('Other Council', 'local-authority');
  const buyer = await org('Buying Council', 'local-authority');
  const provider = await org('Provider Charity');
  const rival = await org('Rival Company', 'company-limited-by-shares');
  const moderating = await org('Moderators', 'community-group');
  const outcomesCouncil = await org('Outcomes Council', 'local-authority');
  const outcomesProvider = await org('Outcomes Provider');
  const validator = await org('Validators');
  const fund = await org('Outcomes Fund', 'other-public-body');
  const investor = await org('Investor');
  const venue = await org('Leisure Centre');
  const supplierOrg = await org('Matrix Supplies Registered', 'company-limited-by-shares');
  const cdfiOrg = await org('Matrix Community Finance', 'community-benefit-society');
  const cdfiToAccredit = await org('Matrix CDFI To Accredit', 'community-benefit-society');
  const peerReviewers = await org('Matrix Peer Reviewers');

  const people = {
    anonymous: await callerFor(ctx, 'anonymous', null),
    // Callers whose own session the route replaces or ends, or who become members: used by that route alone.
    visitor: await callerFor(ctx, 'visitor', null),
    confirmer: await callerFor(ctx, 'confirmer', null),
    // Invited by email to join the council: each accepts their own invitation.
    inviteeApi: await person('InviteeApi'),
    inviteePage: await person('InviteePage'),
    signer: await person('Signer'),
    leaver: await person('Leaver'),
    joinerApi: await person('JoinerApi'),
    joinerPage: await person('JoinerPage'),
    unrelated: await person('Unrelated'),
    otherAdmin: await person('OtherAdmin', [[other.id, 'admin']]),
    siteAdmin: await person('SiteAdmin', [], { admin: true }),
    orgAdmin: await person('OrgAdmin', [[council.id, 'admin']]),
    orgStaff: await person('OrgStaff', [[council.id, 'staff']]),
    orgFinance: await person('OrgFinance', [[council.id, 'finance']]),
    departing: await person('Departing', [[council.id, 'staff']]),
    serviceStaff: await person('ServiceStaff', [[council.id, 'staff']]),
    recruit: await person('Recruit'),
    citizen: await person('Citizen'),
    moderator: await person('Moderator', [[moderating.id, 'moderator']]),
    commissioner: await person('Commissioner', [[buyer.id, 'commissioner']]),
    evaluator1: await person('Evaluator1', [[buyer.id, 'evaluator']]),
    evaluator2: await person('Evaluator2', [[buyer.id, 'evaluator']]),
    providerAdmin: await person('ProviderAdmin', [[provider.id, 'admin']]),
    rivalAdmin: await person('RivalAdmin', [[rival.id, 'admin']]),
    outcomesCommissioner: await person('OutcomesCommissioner', [[outcomesCouncil.id, 'commissioner']]),
    outcomesFinance: await person('OutcomesFinance', [[outcomesCouncil.id, 'finance']]),
    outcomesProviderStaff: await person('OutcomesProviderStaff', [[outcomesProvider.id, 'staff']]),
    outcomesEvaluator: await person('OutcomesEvaluator', [[validator.id, 'evaluator']]),
    partnerStaff: await person('PartnerStaff', [[venue.id, 'staff']]),
    investorFinance: await person('InvestorFinance', [[investor.id, 'finance']]),
    cdfiFinance: await person('CdfiFinance', [[cdfiOrg.id, 'finance']]),
    peerReviewer: await person('PeerReviewer', [[peerReviewers.id, 'staff']]),
    peerReviewer2: await person('PeerReviewer2', [[peerReviewers.id, 'staff']]),
    programmeAssessor: await person('ProgrammeAssessor', [[council.id, 'evaluator']]),
    programmeChair: await person('ProgrammeChair', [[council.id, 'evaluator']]),
    coordinator: null as unknown as Caller,
    member0: null as unknown as Caller,
    member1: null as unknown as Caller,
  };
  const admin: Actor = { userId: people.siteAdmin.userId, tokenId: null, isAdmin: true, via: 'session' };
  const as = (c: Caller) => actorOf(c.userId!);
  /** The token in the last email to `to` (a link's `token=…`, or the path segment `pattern` captures). */
  const tokenIn = async (to: string, pattern = /token=([\w-]+)/) => (await listOutbox(db, { to, limit: 1 }))[0]!.text.match(pattern)![1]!;

  // Accounts: a registration waiting for its emailed link to be followed.
  await requestRegistration(db, { email: `confirmed-${tag}@example.org`, name: 'Confirmed', password: 'a long enough password' }, ctx.config.baseUrl);
  const registrationToken = await tokenIn(`confirmed-${tag}@example.org`);

  // Organisations: invitations to the council; claims waiting for a site administrator; organisations of the
  // council's administrator that claim identifiers but have no claim waiting (verified once, then withdrawn).
  const invitation = async (who: Caller) => {
    await inviteMember(db, as(people.orgAdmin), council.id, { email: who.email, role: 'staff' }, { baseUrl: ctx.config.baseUrl });
    return tokenIn(who.email, /\/invitations\/([\w-]+)/);
  };
  const invitationApi = await invitation(people.inviteeApi);
  const invitationPage = await invitation(people.inviteePage);
  const verificationClaim = async (name: string) => {
    const claimant = await createOrganisation(db, cliActor, { name: `${name} ${tag}`, legalForm: 'charitable-company', identifiers: [testIdentifier()] });
    return (await latestVerificationRequest(db, claimant.id))!.id;
  };
  const verificationClaimApi = await verificationClaim('Claimant (API)');
  const verificationClaimPage = await verificationClaim('Claimant (page)');
  const claimable = async (name: string) => {
    const o = await createOrganisation(db, cliActor, { name: `${name} ${tag}`, legalForm: 'local-authority', identifiers: [testIdentifier()], verified: true });
    await withdrawVerification(db, cliActor, o.id, { reason: 'To be claimed again' });
    await insertMembership(db, { organisationId: o.id, userId: people.orgAdmin.userId!, role: 'admin' });
    return o;
  };
  const claimableApi = (await claimable('Reclaiming Council (API)')).id;
  const claimablePage = (await claimable('Reclaiming Council (page)')).slug;
  // A look-alike of a verified council, flagged for the site administrators to review.
  const lookalikeOf = await createOrganisation(db, cliActor, { name: `Lookalike Borough Council ${tag}`, legalForm: 'local-authority', identifiers: [testIdentifier()], verified: true });
  const lookalike = await createOrganisation(db, as(people.unrelated), { name: `Lookalike Borough ${tag}`, legalForm: 'local-authority' });

  // Spend: a file with a supplier to link, a senior salary to remove.
  await importSpendFile(ctx, as(people.orgFinance), { publisher: council.id, source: { bytes: Buffer.from(spendCsv('Matrix Supplies Registered')) }, filename: 'january.csv' });
  const supplierKey = (await db.selectFrom('spend_suppliers').select('key').where('name', 'like', 'Matrix Supplies Registered%').executeTakeFirstOrThrow()).key;
  const salaryPost = await salaries.addSalaryPost(db, as(people.orgFinance), council.id, { asAt: '2023-03-31', jobTitle: 'Chief Executive', salaryFrom: '180000', salaryTo: '184999', name: 'A Person' });
  // Published files to withdraw, and drafts (each of its own month or date) to re-map, publish and discard.
  const monthCsv = (month: string, supplier: string) => spendCsv(supplier).replace(/\/01\/2024/g, `/${month}/2023`);
  const published = async (month: string) => (await importSpendFile(ctx, as(people.orgFinance), { publisher: council.id, source: { bytes: Buffer.from(monthCsv(month, 'Withdrawn Supplies')) }, filename: `${month}.csv` })).fileId;
  const fileWithdrawApi = await published('02');
  const fileWithdrawPage = await published('03');
  const draft = async (month: string) => (await createSpendDraft(ctx, as(people.orgFinance), { publisher: council.id, source: { bytes: Buffer.from(monthCsv(month, 'Draft Supplies')) }, filename: `draft-${month}.csv` })).draft;
  const draftRemapApi = await draft('04');
  const draftMapping = Object.fromEntries(SPEND_FIELDS.map((f) => [f, draftRemapApi.check.mapping[f]?.column ?? null]));
  const draftRemapPage = (await draft('05')).id;
  const draftPublishApi = (await draft('06')).id;
  const draftPublishPage = (await draft('07')).id;
  const draftDiscardApi = (await draft('08')).id;
  const draftDiscardPage = (await draft('09')).id;
  const grantsDraft = async (id: string) => (await createGrantsDraft(ctx, as(people.orgStaff), { publisher: council.id, source: { bytes: Buffer.from(grantsJson(id)) } })).draft.id;
  const grantsDraftPublishApi = await grantsDraft('publish-api');
  const grantsDraftPublishPage = await grantsDraft('publish-page');
  const grantsDraftDiscardApi = await grantsDraft('discard-api');
  const grantsDraftDiscardPage = await grantsDraft('discard-page');
  const grantsFile = async (id: string) => (await importGrantsFile(ctx, as(people.orgStaff), { publisher: council.id, source: { bytes: Buffer.from(grantsJson(id)) } })).fileId;
  const grantsFileWithdrawApi = await grantsFile('withdraw-api');
  const grantsFileWithdrawPage = await grantsFile('withdraw-page');
  // Unregistered groups of one name in one local authority under three ids: a pair to decide, a decision to undo.
  const groupGrant = (id: string, group: string) => ({ ...JSON.parse(grantsJson(id)).grants[0], recipientOrganization: [{ id: `360G-matrix-group-${group}`, name: 'Matrix Friends' }],
    beneficiaryLocation: [{ name: 'Newcastle upon Tyne', geoCode: 'E08000021', geoCodeType: 'LA' }] });
  await importGrantsFile(ctx, as(people.orgStaff), { publisher: council.id, source: { bytes: Buffer.from(JSON.stringify({ grants: [groupGrant('360G-matrix-g1', 'a'), groupGrant('360G-matrix-g2', 'a'), groupGrant('360G-matrix-g3', 'b'), groupGrant('360G-matrix-g4', 'c')] })) } });
  const grantsGroupDecision = (await decideGroups(db, cliActor, council.id, { group: '360G-matrix-group-c', into: '360G-matrix-group-a', decision: 'merged' })).id;
  const grantsFunder = await createOrganisation(db, cliActor, { name: `Matrix Grant Funder ${tag}`, legalForm: 'registered-charity', identifiers: [testIdentifier()], verified: true });
  const matrixGrant = (id: string, extra: Record<string, unknown>) => Buffer.from(JSON.stringify({ grants: [{ ...JSON.parse(grantsJson(id)).grants[0], id, ...extra }] }));
  await importGrantsFile(ctx, cliActor, { publisher: grantsFunder.id, source: { bytes: matrixGrant('360G-matrix-pot', { regrantType: 'FRG010', recipientOrganization: [{ id: council.identifiers[0], name: council.name }] }) } });
  await importGrantsFile(ctx, cliActor, { publisher: council.id, source: { bytes: matrixGrant('360G-matrix-onward', {}) } });
  const salaryDraft = async (asAt: string) => (await createSalaryDraft(ctx, as(people.orgFinance), council.id, { bytes: Buffer.from(salaryCsv), asAt })).id;
  const salaryDraftPublishApi = await salaryDraft('2019-03-31');
  const salaryDraftPublishPage = await salaryDraft('2020-03-31');
  const salaryDraftDiscardApi = await salaryDraft('2021-03-31');
  const salaryDraftDiscardPage = await salaryDraft('2022-03-31');

  // Voice: the moderating organisation, a service, stories and responses waiting for moderation, petitions, an alert.
  await voice.setModeratingOrganisation(db, admin, moderating.id);
  const service = await voice.createService(db, as(people.orgStaff), { organisation: council.id, name: 'Home care', decisionType: 'involvement', areas: [NEWCASTLE] });
  const story = async (title: string) => (await voice.submitStory(db, { userId: null, tokenId: null, isAdmin: false, via: 'session' } as Actor, { title, body: 'Something happened that I want to tell you about.', pseudonym: 'Teller', email: `teller-${tag}@example.org`, services: [service.id] }, { baseUrl: ctx.config.baseUrl })).id;
  const storyId = await story('A published story');
  await voice.moderateStory(db, as(people.moderator), storyId, { decision: 'publish' }, { baseUrl: ctx.config.baseUrl });
  const pendingStoryApi = await story('Waiting for moderation (API)');
  const pendingStoryPage = await story('Waiting for moderation (page)');
  const response = async () => (await voice.respondToStory(db, as(people.orgStaff), storyId, { organisation: council.id, body: 'We have changed it.', claimsChange: true }, { baseUrl: ctx.config.baseUrl })).id;
  const pendingResponseApi = await response();
  const pendingResponsePage = await response();
  // A published response that claims a change: its author is emailed a link to confirm it.
  await voice.moderateResponse(db, as(people.moderator), await response(), { decision: 'publish' }, { baseUrl: ctx.config.baseUrl });
  const responseConfirmToken = await tokenIn(`teller-${tag}@example.org`);
  // Petitions go straight to moderation (no supporters needed), as the council's administrator may set.
  await petitions.setPetitionSettings(db, as(people.orgAdmin), council.id, { requiredSupporters: 0 });
  const petition = async (title: string) => (await petitions.createPetition(db, as(people.unrelated), { organisation: council.id, title, background: 'Because it matters to us.' })).id;
  const openPetition = await petition('Keep the pool open');
  await petitions.moderatePetition(db, as(people.moderator), openPetition, { decision: 'open' });
  await petitions.signPetition(db, { userId: null, tokenId: null, isAdmin: false, via: 'session' }, openPetition, { name: 'Early Signer', email: `early-${tag}@example.org`, postcode: 'NE1 1AA', localAuthority: NEWCASTLE, consent: true }, { baseUrl: ctx.config.baseUrl });
  const signatureConfirmToken = await tokenIn(`early-${tag}@example.org`);
  // "Me too" from someone not signed in: counted once they follow the emailed link.
  await voice.requestMeToo(db, { userId: null, tokenId: null, isAdmin: false, via: 'session' }, storyId, { email: `me-too-${tag}@example.org` }, { baseUrl: ctx.config.baseUrl });
  const meTooToken = await tokenIn(`me-too-${tag}@example.org`);
  const pendingPetitionApi = await petition('Waiting (API)');
  const pendingPetitionPage = await petition('Waiting (page)');
  await voice.subscribe(db, as(people.orgStaff), { scope: 'service', value: service.id });
  const alert = await db.selectFrom('voice_subscriptions').select('id').where('user_id', '=', people.orgStaff.userId!).executeTakeFirstOrThrow();

  // Time bank: a bank of the council with a coordinator, three members, partners, listings, exchanges.
  const bank = await timebank.createBank(db, as(people.orgAdmin), { name: `Matrix bank ${tag}`, organisation: council.id });
  const coordinatorUser = await registerUser(db, cliActor, { email: `coordinator-${tag}@example.org`, name: 'Coordinator', password: 'a long enough password' });
  await insertMembership(db, { organisationId: council.id, userId: coordinatorUser.id, role: 'coordinator' });
  people.coordinator = await callerFor(ctx, 'Coordinator', coordinatorUser.id, coordinatorUser.email);
  const coord = as(people.coordinator);
  const members = [];
  for (let i = 0; i < 3; i++) members.push(await timebank.addMember(db, coord, bank.id, { email: `member${i}-${tag}@example.org`, name: `Member ${i}` }));
  people.member0 = await callerFor(ctx, 'Member0', members[0]!.userId, `member0-${tag}@example.org`);
  people.member1 = await callerFor(ctx, 'Member1', members[1]!.userId, `member1-${tag}@example.org`);
  const issuer = bank.issuerAccountId!;
  for (const m of members) await timebank.recordTransfer(db, coord, { id: randomUUID(), from: issuer, to: m.accountId, minutes: 600, reason: 'Welcome credits' });
  const transfer = await timebank.recordTransfer(db, coord, { id: randomUUID(), from: issuer, to: members[1]!.accountId, minutes: 60, reason: 'To reverse (API)' });
  const transferPage = await timebank.recordTransfer(db, coord, { id: randomUUID(), from: issuer, to: members[0]!.accountId, minutes: 30, reason: 'To reverse (page)' });
  const joiner = async (label: string) => {
    const u = await registerUser(db, cliActor, { email: `${label}-${tag}@example.org`, name: label, password: 'a long enough password' });
    return u.id;
  };
  await timebank.setRequiresApproval(db, coord, bank.id, true);
  const pendingApi = (await timebank.joinBank(db, actorOf(await joiner('pending-api')), bank.id, { name: 'Pending API' })).account.id;
  const pendingPage = (await timebank.joinBank(db, actorOf(await joiner('pending-page')), bank.id, { name: 'Pending page' })).account.id;
  const refuseApi = (await timebank.joinBank(db, actorOf(await joiner('refused-api')), bank.id, { name: 'Refused API' })).account.id;
  const refusePage = (await timebank.joinBank(db, actorOf(await joiner('refused-page')), bank.id, { name: 'Refused page' })).account.id;
  await timebank.setRequiresApproval(db, coord, bank.id, false);
  const earn = await timebank.addPartner(db, coord, bank.id, { organisation: venue.id, role: 'earn', minBalance: null });
  const spendVenue = await org('Cinema');
  await insertMembership(db, { organisationId: spendVenue.id, userId: people.partnerStaff.userId!, role: 'staff' });
  const spendPartner = await timebank.addPartner(db, coord, bank.id, { organisation: spendVenue.id, role: 'spend' });
  const activity = await partners.addActivity(db, as(people.partnerStaff), spendPartner.accountId, { title: 'Swimming', minutes: 30 });
  const m0 = as(people.member0);
  const m1 = as(people.member1);
  const listing = async (title: string) => (await exchanges.createListing(db, m0, bank.id, { kind: 'offer', category: 'transport', title, area: 'Heaton' })).id;
  const listingOpen = await listing('Lifts (stays open)');
  const listingApi = await listing('Lifts (closed by the API)');
  const listingPage = await listing('Lifts (closed on the page)');
  const exchange = async () => (await exchanges.recordExchange(db, m1, { id: randomUUID(), listingId: listingOpen, minutes: 20, description: 'A lift' })).exchange.id;
  const exchangeApi = await exchange();
  const exchangeDecline = await exchange();
  const exchangePage = await exchange();
  const account0 = await timebank.getAccount(db, coord, members[0]!.accountId);

  // Commissioning: an open process with bids; a closed one evaluated, awarded and contracted; an open call.
  const cm = as(people.commissioner);
  const process = async (deadline: Date) => {
    const { id } = await commissioning.createProcess(db, cm, opportunityBody(buyer.id, deadline));
    return id;
  };
  const openProcess = await process(new Date(Date.now() + 86_400_000));
  await commissioning.publishProcess(db, cm, openProcess);
  const draftApi = await process(new Date(Date.now() + 86_400_000));
  const draftPage = await process(new Date(Date.now() + 86_400_000));
  const draftEdit = await process(new Date(Date.now() + 86_400_000));
  const openOpp = await commissioning.getOpportunity(db, cm, openProcess);
  const bid = async (processId: string, lotId: string, who: Caller, orgId: string) =>
    (await commissioning.submitBid(db, as(who), processId, { lotId, organisation: orgId, pricePence: 900_000, approach: 'Our approach', socialValue: 'Our social value' })).bidId;
  // A process whose deadline passes while the rest of the world is built (a loaded machine is slow: 15 s).
  const closedDeadline = new Date(Date.now() + 15_000);
  const closedProcess = await process(closedDeadline);
  await commissioning.publishProcess(db, cm, closedProcess);
  const closed = await commissioning.getOpportunity(db, cm, closedProcess);
  const closedBid1 = await bid(closedProcess, closed.lots[0]!.id, people.providerAdmin, provider.id);
  const closedBid2 = await bid(closedProcess, closed.lots[1]!.id, people.providerAdmin, provider.id);
  const closedBid3 = await bid(closedProcess, closed.lots[0]!.id, people.rivalAdmin, rival.id);
  const openBidApi = await bid(openProcess, openOpp.lots[0]!.id, people.providerAdmin, provider.id);
  const openBidPage = await bid(openProcess, openOpp.lots[1]!.id, people.rivalAdmin, rival.id);
  // Consortium bids led by the provider that name the rival company as a member, waiting for its answer.
  const consortiumProcess = await process(new Date(Date.now() + 86_400_000));
  await commissioning.publishProcess(db, cm, consortiumProcess);
  const consortiumLots = (await commissioning.getOpportunity(db, cm, consortiumProcess)).lots;
  const consortiumBid = async (lotId: string) => (await commissioning.submitBid(db, as(people.providerAdmin), consortiumProcess, {
    lotId, organisation: provider.id, pricePence: 900_000, approach: 'Together', socialValue: 'Local jobs', leadSharePercent: 60, members: [{ organisation: rival.id, sharePercent: 40 }],
  })).bidId;
  const consortiumBidApi = await consortiumBid(consortiumLots[0]!.id);
  const consortiumBidPage = await consortiumBid(consortiumLots[1]!.id);
  const rivalCaller = people.rivalAdmin;
  const questionApi = (await commissioning.askQuestion(db, as(rivalCaller), openProcess, { question: 'How many lots?' })).id;
  const questionPage = (await commissioning.askQuestion(db, as(rivalCaller), openProcess, { question: 'When does it start?' })).id;
  await commissioning.assignEvaluator(db, cm, closedBid1, { email: people.evaluator1.email });
  await commissioning.assignEvaluator(db, cm, closedBid3, { email: people.evaluator1.email });
  await commissioning.assignEvaluator(db, cm, closedBid3, { email: people.evaluator2.email });
  const openCall = await commissioning.createOpenCall(db, cm, { organisation: buyer.id, title: 'What is needed?', description: 'Tell us.' });
  const proposal = async (title: string) => (await commissioning.submitProposal(db, as(people.providerAdmin), openCall.id, { organisation: provider.id, title, need: 'A need', proposal: 'A proposal' })).id;
  const proposalApi = await proposal('Proposal (API)');
  const proposalPage = await proposal('Proposal (page)');

  // Outcomes: a contract with a rate card, claims waiting, claims accepted, an investment; agreements.
  const oc = as(people.outcomesCommissioner);
  const outcomesContract = await outcomes.createContract(db, oc, { organisation: outcomesCouncil.id, provider: outcomesProvider.id, title: 'Tenancies', startDate: '2025-04-01', endDate: '2028-03-31', capPence: 5_000_000, personCapPence: 300_000 });
  await outcomes.addMetric(db, oc, outcomesContract.id, { code: 'O1', name: 'Sustained tenancy', definition: '26 weeks', validationMethod: 'Letter', evidenceRequired: 'Letter', validator: validator.id, resultType: 'interim', pricePence: 100_000 });
  const ps = as(people.outcomesProviderStaff);
  const claim = async (ref: string) => (await outcomes.claimOutcome(db, ps, outcomesContract.id, { metric: 'O1', participantRef: ref, achievedOn: '2025-10-01', evidence: 'Letter' })).id;
  const claimApi = await claim('P1');
  const claimPage = await claim('P2');
  const claimAccepted = await claim('P3');
  const claimAcceptedPage = await claim('P4');
  for (const id of [claimAccepted, claimAcceptedPage]) await outcomes.decideClaim(db, as(people.outcomesEvaluator), id, { decision: 'accept' });
  const investment = await outcomes.addInvestment(db, oc, outcomesContract.id, { investor: investor.id, committedPence: 100_000 });
  const agreement = async (title: string) => agreements.createAgreement(db, as(people.serviceStaff), {
    organisation: council.id, serviceName: 'Home care', title, partyKind: 'person', partyEmail: people.citizen.email, partyName: 'A Citizen',
    terms: [{ side: 'service', kind: 'commitment', text: 'Visit every day' }, { side: 'citizen', kind: 'outcome', text: 'Stay well' }],
  });
  const agreementApi = (await agreement('To sign (API)')).id;
  const agreementPage = (await agreement('To sign (page)')).id;
  const signed = await agreement('Signed');
  await agreements.signAgreement(db, as(people.serviceStaff), signed.id);
  await agreements.signAgreement(db, as(people.citizen), signed.id);
  // Investment: an accredited CDFI with two investments waiting for certificates, a year-3 loan to repay, a deal.
  await investmentService.accreditCdfi(db, cliActor, { organisation: cdfiOrg.id, accreditedFrom: day(-365 * 3), accreditedTo: day(365), applicationPence: 100_000_000 });
  const citr = (kind: string, amountPence: number, investedOn: string) => investmentService.recordCitrInvestment(db, cliActor, cdfiOrg.id, { investor: investor.id, kind, amountPence, investedOn });
  const citrCertApi = (await citr('shares', 100_000, day(-2))).id;
  const citrCertPage = (await citr('shares', 100_000, day(-2))).id;
  const citrLoan = (await citr('loan', 1_000_000, day(-365 * 2 - 60))).id;
  // Grant programmes: the council runs one (anywhere, charities and unregistered groups); the provider
  // charity's administrator has applications at each stage: a draft, a complete draft, submitted, eligible,
  // and eligible and scored by the programme's assessor.
  const grantsProgramme = await grantsProgrammes.openProgramme(ctx, as(people.orgStaff), {
    funder: council.id, title: `Matrix Fund ${tag}`, purpose: 'Matrix grants', recipientTypes: ['charity', 'unregistered-group'], minPence: 10_000, maxPence: 100_000, budgetPence: 1_000_000,
    opensOn: day(-5), closesOn: day(30), criteria: [{ label: 'Need', weight: 1 }], panelChair: people.programmeChair.userId,
    questions: [{ label: 'Matrix accounts', kind: 'file', required: false }],
  });
  await grantsProgrammes.addAssessor(ctx, as(people.orgStaff), grantsProgramme.id, people.programmeAssessor.userId);
  const grantsApplication = async (stage: 'draft' | 'complete' | 'submitted' | 'eligible' | 'scored') => {
    const { id } = await grantsApplications.startApplication(ctx, as(people.providerAdmin), grantsProgramme.id, { organisation: provider.id });
    if (stage === 'draft') return id;
    await grantsApplications.saveAnswers(ctx, as(people.providerAdmin), id, { title: `Matrix project ${stage}`, amountPence: 50_000, postcode: 'NE1 1AA' });
    if (stage === 'complete') return id;
    await grantsApplications.submitApplication(ctx, as(people.providerAdmin), id);
    if (stage === 'submitted') return id;
    await grantsAssessment.screenApplication(ctx, as(people.orgStaff), id, { eligible: 'yes' });
    if (stage === 'eligible') return id;
    await grantsAssessment.scoreApplication(ctx, as(people.programmeAssessor), id, { scores: { [grantsProgramme.criteria[0]!.key]: 4 }, recommendation: 'yes' });
    return id;
  };
  const grantsAppDraft = await grantsApplication('draft');
  const grantsAppComplete = await grantsApplication('complete');
  const grantsAppSubmitted = await grantsApplication('submitted');
  const grantsAppEligible = await grantsApplication('eligible');
  const grantsAppScored = await grantsApplication('scored');
  // A draft with a file to remove (the file question is optional, so the other stages need none).
  const grantsFileQuestion = grantsProgramme.questions[0]!.key;
  const grantsAppWithFile = await grantsApplication('draft');
  await grantsFiles.uploadApplicationFile(ctx, as(people.providerAdmin), grantsAppWithFile, grantsFileQuestion, { bytes: Buffer.from('item,cost\nHall,10\n'), filename: 'matrix.csv' });
  const grantsAward = async (months: number) => (await grantsAwards.decideApplication(ctx, as(people.programmeChair), await grantsApplication('scored'), { decision: 'award', amountPence: 20_000, reasons: 'Matrix award', instalments: 1, months })).award!.id;
  const grantsAwardOpen = await grantsAward(12);
  const grantsAwardToClose = await grantsAward(1);
  await grantsAwards.recordPayment(ctx, as(people.orgStaff), grantsAwardToClose, 1, {});
  await grantsAwards.submitReport(ctx, as(people.providerAdmin), grantsAwardToClose, 1, { text: 'Matrix end report' });
  // Two saved searches of the council's staff: one deleted on its page, one stopped by its email's link.
  const grantsAlertToDelete = (await grantsProgrammes.saveProgrammeAlert(db, as(people.orgStaff), { words: 'matrix delete' })).id;
  const grantsAlertToStop = (await grantsProgrammes.saveProgrammeAlert(db, as(people.orgStaff), { words: 'matrix stop' })).id;
  const grantsAlertUnsubscribeToken = (await db.selectFrom('grants_programme_alerts').select('unsubscribe_token').where('id', '=', grantsAlertToStop).executeTakeFirstOrThrow()).unsubscribe_token;
  const investmentDeal = (await investmentService.createDeal(db, cliActor, { investor: cdfiOrg.id, investee: outcomesProvider.id, title: 'Matrix loan', loanPence: 100_000, termMonths: 12, startsOn: day(-90) })).id;
  // Scorecards: a flagged peer group and a peer review waiting at every step.
  const peerReview = await peerReviewMatrix(ctx, { providerId: provider.id, providerAdmin: as(people.providerAdmin), commissioner: as(people.commissioner), reviewerOrgId: peerReviewers.id, reviewer: as(people.peerReviewer) });
  // … and a provider's request to be a peer reviewer, waiting for a site administrator.
  const peerReviewerRequest = (await requestPeerReviewerScope(db, as(people.providerAdmin), { organisation: provider.id, kinds: ['framework'], statement: 'Matrix request' }, { baseUrl: ctx.config.baseUrl })).id;
  const spareToken = (await createApiToken(db, cliActor, { userId: people.orgAdmin.userId!, name: 'to revoke' })).record;
  await waitUntil(closedDeadline);
  const award = await commissioning.awardLot(db, cm, closedProcess, { bidId: closedBid2, rationale: 'Only bid' });
  const contract = await commissioning.signContract(db, cm, award.awardId, { milestones: [{ title: 'Live', dueDate: '2027-06-30' }], kpis: [{ title: 'People helped', target: 100, unit: 'people' }] });
  const contractView = await commissioning.getContract(db, contract.contractId);

  return {
    org: council, other, buyer, provider, council: outcomesCouncil, outcomesProvider, fund, investor, people, peerReview,
    ids: {
      peerReviewerRequest,
      registrationToken, invitationApi, invitationPage, verificationClaimApi, verificationClaimPage, claimableApi, claimablePage,
      lookalikeId: lookalike.id, lookalikeOfId: lookalikeOf.id,
      fileWithdrawApi, fileWithdrawPage, draftRemapApi: draftRemapApi.id, draftMapping, draftRemapPage, draftPublishApi, draftPublishPage, draftDiscardApi, draftDiscardPage,
      grantsDraftPublishApi, grantsDraftPublishPage, grantsDraftDiscardApi, grantsDraftDiscardPage, grantsFileWithdrawApi, grantsFileWithdrawPage, grantsGroupDecision, grantsFunderSlug: grantsFunder.slug,
      salaryDraftPublishApi, salaryDraftPublishPage, salaryDraftDiscardApi, salaryDraftDiscardPage, meTooToken, moderatingSlug: moderating.slug,
      refuseApi, refusePage, rivalId: rival.id, consortiumBidApi, consortiumBidPage,
      spareTokenId: spareToken.id, supplierSlug: supplierSlug(supplierKey), supplierOrgId: supplierOrg.id, salaryPostId: salaryPost.id,
      serviceId: service.id, storyId, pendingStoryApi, pendingStoryPage, pendingResponseApi, pendingResponsePage, openPetition, pendingPetitionApi, pendingPetitionPage, alertId: alert.id, responseConfirmToken, signatureConfirmToken,
      bankId: bank.id, issuer, account0: members[0]!.accountId, account1: members[1]!.accountId, account2: members[2]!.accountId, transferId: transfer.transfer.id, transferPage: transferPage.transfer.id,
      pendingApi, pendingPage, earnPartner: earn.accountId, spendPartner: spendPartner.accountId, activityId: activity.id, memberCode0: account0.memberCode!,
      listingOpen, listingApi, listingPage, exchangeApi, exchangeDecline, exchangePage,
      openProcess, draftApi, draftPage, draftEdit, openLot1: openOpp.lots[0]!.id, openLot2: openOpp.lots[1]!.id, openBidApi, openBidPage, questionApi, questionPage,
      closedProcess, closedBid1, closedBid2, closedBid3, criteria: closed.criteria.map((c) => c.id), openCallId: openCall.id, proposalApi, proposalPage,
      awardId: award.awardId, contractId: contract.contractId, milestoneId: contractView.milestones[0]!.id, kpiId: contractView.kpis[0]!.id,
      outcomesContract: outcomesContract.id, claimApi, claimPage, claimAccepted, claimAcceptedPage, investmentId: investment.id,
      agreementApi, agreementPage, agreementSigned: signed.id, agreementTerm: signed.terms[0]!.id,
      cdfi: cdfiOrg.id, cdfiToAccredit: cdfiToAccredit.id, citrCertApi, citrCertPage, citrLoan, investmentDeal,
      grantsProgramme: grantsProgramme.id, grantsAppDraft, grantsAppComplete, grantsAppSubmitted, grantsAppEligible, grantsAppScored, grantsAwardOpen, grantsAwardToClose, grantsAlertToDelete, grantsAlertUnsubscribeToken, grantsCriterion: grantsProgramme.criteria[0]!.key,
      grantsFileQuestion, grantsAppWithFile,
    },
  };
}

/** A fingerprint of every table's rows (sessions and tokens without their last-used times, which any request moves;
 * rate-limit counters, which count refused requests too). */
async function snapshot(ctx: AppContext): Promise<Record<string, string>> {
  const { rows: tables } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname NOT LIKE 'kysely_%'
     ORDER BY 1`.execute(ctx.db);
  const source: Record<string, string> = {
    sessions: '(SELECT id_hash, user_id FROM sessions WHERE user_id IS NOT NULL)',
    api_tokens: '(SELECT id, user_id, name, token_hash, revoked_at FROM api_tokens)',
    platform_rate_limits: '(SELECT 1 WHERE false)',
  };
  const columns = tables.map(({ name }) => `(SELECT md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), '')) FROM ${source[name] ?? `"${name}"`} x) AS "${name}"`);
  const { rows } = await sql.raw<Record<string, string>>(`SELECT ${columns.join(', ')}`).execute(ctx.db);
  return rows[0]!;
}

function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after).filter((k) => before[k] !== after[k]);
}

async function send(app: App, method: string, c: Case, w: World, who: Caller) {
  const url = c.url(w);
  if (url.startsWith('/api/')) {
    const headers: Record<string, string> = { ...who.auth };
    if (c.raw) {
      const { contentType, payload } = c.raw(w);
      return app.inject({ method: method as 'POST', url, headers: { ...headers, 'content-type': contentType }, payload, remoteAddress: who.ip });
    }
    return app.inject({ method: method as 'POST', url, headers, ...(c.body ? { payload: c.body(w) as Record<string, string> } : {}), remoteAddress: who.ip });
  }
  const cookie = `cw_session=${who.cookie}`;
  const fields = Object.fromEntries(Object.entries(c.body?.(w) ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
  if (c.file) {
    const { payload, contentType } = multipartBody({ _csrf: who.csrf, ...fields }, c.file(w));
    return app.inject({ method: method as 'POST', url, payload, headers: { cookie, 'content-type': contentType }, remoteAddress: who.ip });
  }
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of ([] as string[]).concat(v)) form.append(k, x);
  form.append('_csrf', who.csrf);
  return app.inject({ method: method as 'POST', url, payload: form.toString(), headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress: who.ip });
}

/**
 * Whether the app refused. A page caller holds a live session and its CSRF token, so a CSRF failure there is
 * the test's fault, not a refusal; an API call with neither token nor cookie gets csrf_failed today (issue 15,
 * defect 12: it will be 401), which does refuse.
 */
function refusal(res: { statusCode: number; headers: Record<string, unknown>; body: string }, url: string): boolean {
  if (!url.startsWith('/api/') && /Your form has expired/.test(res.body)) throw new Error(`${url}: the caller's session or CSRF token was not accepted, so this says nothing about who may call it`);
  if ([401, 403, 404].includes(res.statusCode)) return true;
  return res.statusCode === 303 && String(res.headers.location ?? '').startsWith('/sign-in');
}

/** A response body in a line: a page's title and error messages, or the JSON. */
function brief(body: string): string {
  if (!body.startsWith('<')) return body.slice(0, 400);
  const title = /<title>([^<]*)<\/title>/.exec(body)?.[1]?.trim() ?? '';
  const errors = [...body.matchAll(/<a href="#[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]).slice(0, 5);
  const paragraph = /<p class="govuk-body">([^<]*)</.exec(body)?.[1] ?? '';
  return `${title} | ${errors.join('; ')} | ${paragraph}`.slice(0, 500);
}

/** What to paste into `cases` for a route that has no entry. */
function entryTemplate(key: string): string {
  const path = key.split(' ')[1]!;
  const url = path.replace(/:(\w+)/g, (_m, p: string) => `\${w.ids.${p}}`);
  const api = path.startsWith('/api/');
  return `  '${key}': { as: '<the role whose job it is, a key of world.people>', url: (w) => \`${url}\`, body: (w) => ({ /* a valid ${api ? 'JSON body' : 'form'} */ }), status: ${api ? 201 : 303} },`;
}

for (const engine of testEngines()) {
  describe(`authorisation matrix [${engine}]`, () => {
    let ctx: AppContext;
    let app: App;
    let world: World;
    const routes: { method: string; url: string }[] = [];
    before(async () => {
      ctx = await openTestContext(engine as Engine);
      app = await buildApp(ctx, [routeRecorder(routes), ...allModules(ctx)]);
      world = await buildWorld(ctx);
    });
    after(async () => {
      await app?.close();
      await ctx?.handle.close();
    });

    it('has an entry for every route that changes data, and none for a route that is gone', () => {
      const keys = new Set(routes.map((r) => `${r.method} ${r.url}`));
      const missing = [...keys].filter((k) => !(k in cases));
      const stale = Object.keys(cases).filter((k) => !keys.has(k));
      assert.ok(routes.length > 100, `the route recorder saw only ${routes.length} routes`);
      assert.deepEqual(missing, [], `These routes change data but have no entry in the authorisation matrix (src/authorisation.test.ts, \`cases\`). Add one for each, naming who may call it (refused: [] for a public route) and a valid body:\n${missing.map(entryTemplate).join('\n')}`);
      assert.deepEqual(stale, [], 'These entries of the authorisation matrix name routes the app no longer has: remove or rename them');
    });

    for (const [key, c] of Object.entries(cases)) {
      const [method] = key.split(' ') as [string];
      it(`${key}: ${(c.refused ?? wrongCallers).length ? `refuses ${(c.refused ?? wrongCallers).join(', ')} and changes nothing; ` : 'public; '}${c.as} gets through`, async () => {
        for (const wrong of c.refused ?? wrongCallers) {
          const before = await snapshot(ctx);
          const res = await send(app, method, c, world, world.people[wrong]);
          assert.ok(refusal(res, c.url(world)), `${key} as ${wrong}: expected 401, 403, 404 or a redirect to sign in, got ${res.statusCode} ${brief(res.body)}`);
          assert.deepEqual(changedTables(before, await snapshot(ctx)), [], `${key} as ${wrong} was refused but changed these tables`);
        }
        const res = await send(app, method, c, world, world.people[c.as]);
        assert.ok(!refusal(res, c.url(world)), `${key} as ${c.as} (whose job it is) was refused: ${res.statusCode} ${brief(res.body)}`);
        if (c.status) assert.equal(res.statusCode, c.status, `${key} as ${c.as}: ${brief(res.body)}`);
        else assert.ok(res.statusCode < 500, `${key} as ${c.as}: ${res.statusCode} ${brief(res.body)}`);
      });
    }
  });
}
