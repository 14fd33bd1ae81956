// Commands for the worst-10% flags and for registering peer reviewer organisations.
import type { CliCommand } from '../platform/module.ts';
import { cliActor } from '../platform/actor.ts';
import { flags, readFlagsQuery } from './scorecards.flags.ts';
import { peerReviewerScopes, registerPeerReviewer } from './scorecards.peer-review.ts';

export const flagsCommands: CliCommand[] = [
  {
    name: ['scorecards', 'flags'],
    summary: 'Services flagged in the worst 10% of their peer group (statistically flagged, candidates, decided)',
    usage: 'commonweal scorecards flags [--kind involvement|joined-up|technical|framework] [--period 2026] [--json]\n'
      + '  A service is flagged with at least 30 responses in the year and the one before, below the 99.8% limit (risk-adjusted, after\n'
      + '  overdispersion) or at least 90% likely to be in the bottom decile, in both; a candidate once a published peer review confirms it.',
    options: { kind: { type: 'string' }, period: { type: 'string' } },
    async run(ctx, { values }) {
      const q = readFlagsQuery({ kind: values.kind, period: values.period });
      const list = await flags(ctx.db, q);
      if (values.json) return { period: q.period, kind: q.kind, flags: list };
      if (!list.length) process.stdout.write(`No service is flagged in ${q.period}.\n`);
      for (const f of list) process.stdout.write(`${f.service} (${f.organisation}), ${f.indicatorLabel}: ${f.stateLabel}${f.decision ? ` — ${f.decision.decisionLabel}` : ''}\n`);
      return undefined;
    },
  },
  {
    name: ['scorecards', 'peer-reviewers', 'add'],
    summary: 'Register an organisation as a peer reviewer for a kind of service (its people may then review services of that kind)',
    usage: 'commonweal scorecards peer-reviewers add --org REF --kind involvement|joined-up|technical|framework',
    options: { org: { type: 'string' }, kind: { type: 'string' } },
    async run(ctx, { values }) {
      return registerPeerReviewer(ctx.db, cliActor, { organisation: values.org, kind: values.kind });
    },
  },
  {
    name: ['scorecards', 'peer-reviewers', 'list'],
    summary: 'Organisations registered as peer reviewers, with the kinds of service each may review',
    usage: 'commonweal scorecards peer-reviewers list [--json]',
    options: {},
    async run(ctx) {
      return peerReviewerScopes(ctx.db);
    },
  },
];
