// The scorecard's peer-review and decision sections, added to `scorecardSections` (scorecards.service.ts) when the
// module loads: the latest published peer review of a service (its 4-point ratings, recommendations and the
// provider's action plan), and the framework decisions recorded on worst-10% flags about it.
//
// The statistical flag is not computed on a scorecard (it compares the whole peer group with a rank simulation):
// the section shows the flags the recompute stored for the calendar year the scorecard's financial year begins in
// (scorecards.flags.ts), each in
// its state now, and any decision recorded.
import type { Db } from '../platform/db.ts';
import { peerReviewSummary, publishedReviews } from './scorecards.peer-review.ts';
import { decisions } from './scorecards.peer-review.repository.ts';
import { DECISION_LABELS, flags } from './scorecards.flags.ts';
import { INDICATOR_LABELS } from './scorecards.compare.ts';
import { scorecardSections, type Section, type Subject } from './scorecards.service.ts';
import type { Period } from './scorecards.periods.ts';

const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }) : '');

export async function peerReviewSection(db: Db, subject: Subject, _period: Period): Promise<Section | null> {
  if (subject.kind === 'organisation') {
    const reviews = (await Promise.all(subject.services.map((s) => publishedReviews(db, { serviceId: s.id })))).flat();
    if (!subject.services.length) return null;
    return {
      key: 'peer-review', heading: 'Peer review',
      notes: [reviews.length ? 'Published peer reviews of its services, by people from other organisations.' : 'None of its services has a published peer review yet.'],
      figures: reviews.slice(0, 10).map((r) => ({ key: `review-${r.id}`, label: r.service.name, value: `Published ${day(r.publishedAt)}`, href: `/scorecards/peer-reviews/${r.id}` })),
      data: { published: reviews.length, reviews: reviews.map((r) => ({ id: r.id, service: r.service.id, publishedAt: r.publishedAt })) },
    };
  }
  const summary = await peerReviewSummary(db, subject.service.id);
  const latest = summary.latest;
  if (!latest) {
    return {
      key: 'peer-review', heading: 'Peer review',
      notes: [summary.open ? 'A peer review of this service is under way; it is published in full when its lead reviewer publishes it.' : 'No peer review of this service has been published.'],
      figures: [{ key: 'peer-reviews', label: 'Published peer reviews', value: '0', href: '/scorecards/peer-reviews' }],
      data: { published: 0, open: summary.open },
    };
  }
  const figures = [
    { key: 'latest', label: 'Latest review', value: `Published ${day(latest.publishedAt)} by ${latest.reviewers.filter((r) => r.lead).map((r) => `${r.name} (${r.organisation})`).join(', ') || 'its reviewers'}`, href: `/scorecards/peer-reviews/${latest.id}` },
    { key: 'published', label: 'Published peer reviews', value: String(summary.published), href: '/scorecards/peer-reviews' },
    { key: 'actions', label: 'Actions in the provider’s plan', value: String(latest.actions.length), href: `/scorecards/peer-reviews/${latest.id}` },
  ];
  if (latest.progressDueOn) figures.push({ key: 'progress', label: latest.progressDoneAt ? 'Progress review' : 'Progress review due', value: latest.progressDoneAt ? `Done ${day(latest.progressDoneAt)}` : day(latest.progressDueOn), href: `/scorecards/peer-reviews/${latest.id}` });
  if (latest.concernIndicator) figures.push({ key: 'concern', label: 'Concern the review confirms', value: INDICATOR_LABELS[latest.concernIndicator], href: `/scorecards/flags?kind=${latest.service.kind}` });
  return {
    key: 'peer-review', heading: 'Peer review',
    notes: ['A structured review by people from other organisations, conflicts declared and checked, published in full.'],
    figures,
    table: { caption: 'Ratings of the latest review', head: ['Key question', 'Rating'], rows: latest.ratings.map((r) => [r.label, r.ratingLabel ?? 'Not rated']) },
    data: { published: summary.published, open: summary.open, latest: { id: latest.id, publishedAt: latest.publishedAt, ratings: Object.fromEntries(latest.ratings.map((r) => [r.question, r.rating])), concern: latest.concernIndicator, actions: latest.actions } },
  };
}

export async function decisionSection(db: Db, subject: Subject, period: Period): Promise<Section | null> {
  const ids = subject.kind === 'service' ? [subject.service.id] : subject.services.map((s) => s.id);
  if (!ids.length) return null;
  const recorded = await decisions(db, { serviceIds: ids });
  // Flags are per calendar year: the scorecard of a financial year shows those of the year it begins in (most
  // of its months), so this year's scorecard shows this year's flags from April on.
  const year = period.fromDay.slice(0, 4);
  const current = subject.kind === 'service' ? await flags(db, { period: year, serviceId: subject.service.id }) : [];
  const kind = subject.kind === 'service' ? subject.service.decisionType : null;
  const flagsHref = kind ? `/scorecards/flags?kind=${kind}` : '/scorecards/flags';
  return {
    key: 'decision', heading: 'Worst-10% flags and decisions',
    notes: [
      'A service is a candidate for the bottom tenth of its peer group only on evidence: below the 99.8% limit after overdispersion and risk adjustment, or at least 90% likely to be in the bottom tenth, in two years running, with at least 30 responses, and confirmed by a published peer review. A commissioner then records a decision: improve with a plan, re-commission, or decommission.',
      current.length ? `Flagged in ${year}, as last recomputed:` : subject.kind === 'service' ? `Not flagged in ${year}, as last recomputed.` : 'Whether each of its services is flagged is on its scorecard.',
      recorded.length ? 'Decisions recorded:' : 'No decision has been recorded about this service.',
    ],
    figures: [
      ...current.map((f) => ({ key: `flag-${f.indicator}`, label: `${year}: ${f.indicatorLabel}`, value: f.stateLabel, href: `/scorecards/flags?period=${year}#flag-${f.serviceId}-${f.indicator}` })),
      ...recorded.map((d) => ({ key: `decision-${d.id}`, label: `${d.period}: ${INDICATOR_LABELS[d.indicator]}`, value: `${DECISION_LABELS[d.decision]} (${day(d.decided_at.toISOString())}): ${d.reason}`, href: `/scorecards/flags?period=${d.period}` })),
      { key: 'flags', label: 'Flags in its peer group', value: 'See the flags page', href: flagsHref },
    ],
    data: { flags: current.map((f) => ({ period: f.period, indicator: f.indicator, state: f.state })), decisions: recorded.map((d) => ({ id: d.id, service: d.service_id, indicator: d.indicator, period: d.period, decision: d.decision, reason: d.reason, decidedAt: d.decided_at.toISOString() })) },
  };
}

scorecardSections.push({ key: 'peer-review', build: peerReviewSection }, { key: 'decision', build: decisionSection });
