// CPU time used by this machine's PostgreSQL server processes (backends and helpers, and the exited backends'
// time that the postmaster has collected), read from /proc. For benchmarks on a machine that is shared or whose
// load varies: CPU per operation is stable where throughput is not. Null where /proc cannot be read (not Linux,
// or not permitted).
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = 100; // Linux's USER_HZ on every common platform

function fields(pid: string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Milliseconds of CPU (user + system, own and collected children's) of every process whose command is postgres. */
export function postgresCpuMs(): number | null {
  let ticks = 0;
  let found = false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm !== 'postgres' && comm !== 'postmaster') continue;
    const f = fields(pid);
    if (!f) continue;
    found = true;
    // After the command: state(0) … utime(11) stime(12) cutime(13) cstime(14).
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return found ? (ticks * 1000) / ticksPerSecond : null;
}

/** This process's CPU in milliseconds (all its threads). */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
