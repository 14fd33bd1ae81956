// Peer review's and the worst-10%'s kinds of work for the platform inbox. Each item leaves the inbox when the
// job is done: a reviewer's invitation when they declare their conflicts, the lead's report when it is
// published, the provider's action plan when its first action is written, a progress review when it is
// recorded, a review without a free lead when one is chosen, and a candidate flag when it is decided.
import type { Db } from '../platform/db.ts';
import type { WorkItem, WorkKind, WorkPerson } from '../platform/inbox.ts';
import * as review from './scorecards.peer-review.ts';
import { flagsToDecide, flagToDecideKind } from './scorecards.flags.ts';
import * as signup from './scorecards.peer-reviewer-requests.ts';

const at = (iso: string | null | undefined) => new Date(iso ?? Date.now());

async function invitations(db: Db, p: WorkPerson): Promise<WorkItem[]> {
  return (await review.invitationsFor(db, p.id)).map((r) => ({ title: `Declare your conflicts for the peer review of ${r.service.name}`, href: `/scorecards/peer-reviews/${r.id}/conflicts`, date: at(r.createdAt), detail: r.service.organisation }));
}
async function reports(db: Db, p: WorkPerson): Promise<WorkItem[]> {
  return (await review.reportsToWrite(db, p.id)).map((r) => ({ title: `Write and publish the peer review of ${r.service.name}`, href: `/scorecards/peer-reviews/${r.id}/report`, date: at(r.createdAt), detail: r.service.organisation }));
}
async function plans(db: Db, p: WorkPerson): Promise<WorkItem[]> {
  return (await review.actionPlansToWrite(db, p.id)).map((r) => ({ title: `Write the action plan answering the peer review of ${r.service.name}`, href: `/scorecards/peer-reviews/${r.id}/actions`, date: at(r.publishedAt), detail: `Progress review due by ${r.progressDueOn}` }));
}
async function progress(db: Db, p: WorkPerson): Promise<WorkItem[]> {
  return (await review.progressReviewsDue(db, p.id)).map((r) => ({ title: `Progress review of ${r.service.name} due by ${r.progressDueOn}`, href: `/scorecards/peer-reviews/${r.id}#progress`, date: at(r.progressDueOn), detail: 'Ten months after the peer review was published' }));
}
async function reviewers(db: Db, p: WorkPerson): Promise<WorkItem[]> {
  const actor = { userId: p.id, tokenId: null, isAdmin: false, via: 'session' as const };
  return (await review.reviewsNeedingReviewers(db, actor)).map((r) => ({ title: `Choose a lead reviewer for the peer review of ${r.service.name}`, href: `/scorecards/peer-reviews/${r.id}/reviewers`, date: at(r.createdAt), detail: r.service.organisation }));
}
async function decisions(db: Db, p: WorkPerson): Promise<WorkItem[]> {
  return (await flagsToDecide(db, p.id)).map((f) => ({ title: `Decide on ${f.service}: a candidate for the bottom 10% on ${f.indicatorLabel.toLowerCase()}`, href: `/scorecards/flags/decide?service=${f.serviceId}&indicator=${f.indicator}&period=${f.period}`, date: at(f.review?.publishedAt), detail: f.organisation }));
}

// A request to be a peer reviewer waits for the site administrators until one of them decides it; its answer
// stays in the requester's inbox for a month.
async function signupsToDecide(db: Db, p: WorkPerson): Promise<WorkItem[]> {
  if (!p.isAdmin) return [];
  return (await signup.requestsToDecide(db)).map((r) => ({ title: `Approve or decline ${r.organisation.name}’s request to be a peer reviewer`, href: signup.requestPath(r.id), date: at(r.createdAt), detail: r.kinds.map((k) => k.label).join(', ') }));
}
async function signupAnswers(db: Db, p: WorkPerson): Promise<WorkItem[]> {
  return (await signup.recentDecisionsFor(db, p.id)).map((r) => ({ title: `Read the answer to ${r.organisation.name}’s request to be a peer reviewer: ${r.status}`, href: signup.requestPath(r.id), date: at(r.decidedAt), detail: r.kinds.map((k) => k.label).join(', ') }));
}

export const peerReviewWork: WorkKind[] = [
  { kind: signup.requestKind, label: 'Requests to be a peer reviewer to decide', emailHint: 'When an organisation asks to be registered as a peer reviewer (site administrators)', list: signupsToDecide },
  { kind: signup.decidedKind, label: 'Answers to your requests to be a peer reviewer', emailHint: 'When a site administrator approves or declines your organisation’s request to be a peer reviewer', list: signupAnswers },
  { kind: review.invitationKind, label: 'Peer reviews you are invited to', emailHint: 'When you are chosen as a peer reviewer', list: invitations },
  { kind: review.reportKind, label: 'Peer reviews to write', emailHint: 'When you are the lead reviewer and have declared no conflict', list: reports },
  { kind: review.reviewersKind, label: 'Peer reviews that need a lead reviewer', emailHint: 'When a reviewer you chose declares a conflict of interest', list: reviewers },
  { kind: review.actionPlanKind, label: 'Action plans to write after a peer review', emailHint: 'When a peer review of your service is published', list: plans },
  { kind: review.progressKind, label: 'Progress reviews due', emailHint: 'Shown in your inbox from a month before a progress review is due (no email)', list: progress },
  { kind: flagToDecideKind, label: 'Worst-10% decisions to make', emailHint: 'When a peer review confirms a concern about a service your organisation commissions', list: decisions },
];
