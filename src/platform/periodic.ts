// Work that modules ask every server process to do every so often (a manifest's `periodic`): report reminders,
// say. Each job runs once at start and then every `everyMs`, one run at a time in a process; a run that fails
// is logged and the next goes ahead. Every process runs every job, so a job must be safe with several running
// it at once: it claims what it does in PostgreSQL (a key or FOR UPDATE SKIP LOCKED), as the outbox does.
import type { AppContext, CommonwealModule } from './module.ts';

export function startPeriodic(ctx: AppContext, modules: readonly CommonwealModule[]): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const running: Promise<unknown>[] = [];
  for (const module of modules) {
    for (const job of module.periodic ?? []) {
      const slot = running.length;
      running.push(Promise.resolve());
      const tick = () => {
        running[slot] = running[slot]!.then(() => job.run(ctx)).catch((err) => ctx.log.error({ err, job: `${module.name}.${job.name}` }, 'periodic job'));
      };
      tick();
      const timer = setInterval(tick, job.everyMs);
      timer.unref();
      timers.push(timer);
    }
  }
  return async () => {
    for (const t of timers) clearInterval(t);
    await Promise.all(running);
  };
}
