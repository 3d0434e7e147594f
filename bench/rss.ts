/** Samples a process's resident memory from /proc (Linux) on a fixed cadence; also reads the kernel's own peak. */
import { readFileSync } from 'node:fs';

export interface RssReport {
  /** Highest VmRSS seen by sampling (MiB). */
  readonly peakMiB: number;
  /** The kernel's high-water mark, VmHWM, at stop (MiB): the true peak between samples too. */
  readonly hwmMiB: number;
  readonly lastMiB: number;
  readonly samples: number;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // gone, or not Linux
  }
}

export function watchRss(pid: number, everyMs = 100): { stop(): RssReport } {
  let peak = 0;
  let last = 0;
  let samples = 0;
  const sample = () => {
    const kb = statusKb(pid, 'VmRSS');
    if (kb === undefined) return;
    samples++;
    last = kb;
    peak = Math.max(peak, kb);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      const hwm = statusKb(pid, 'VmHWM') ?? peak;
      return { peakMiB: peak / 1024, hwmMiB: hwm / 1024, lastMiB: last / 1024, samples };
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux; clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14 and 15 of stat)
  } catch {
    return Number.NaN;
  }
}

/** The processes a process started (its engine workers), from /proc (Linux). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The machine's CPU time so far, from /proc/stat (Linux): idle (idle + iowait) and total, in clock ticks. */
export function machineTicks(): { idle: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const t = line.trim().split(/\s+/).slice(1).map(Number);
    const total = t.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user
    return { idle: (t[3] ?? 0) + (t[4] ?? 0), total };
  } catch {
    return { idle: Number.NaN, total: Number.NaN };
  }
}
