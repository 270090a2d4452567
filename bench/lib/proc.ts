import { readFileSync } from 'node:fs';

/**
 * CPU time of other processes, from /proc. This machine is shared (other engineers' test
 * suites run on the same two cores), so wall-clock rates swing from run to run; CPU seconds
 * spent per activity do not, and they are what says which side does less work.
 */

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * The main thread's time on a CPU and time spent runnable but waiting for one (seconds),
 * from /proc/<pid>/schedstat: the second says how much of a run's wall time went to other
 * processes on a busy machine rather than to anything the process waited for itself.
 */
export function schedSeconds(pid: number): { onCpu: number; waiting: number } | undefined {
  try {
    const [onCpu, waiting] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { onCpu: onCpu / 1e9, waiting: waiting / 1e9 };
  } catch {
    return undefined;
  }
}

/** The machine's load: how contended the numbers were. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/**
 * Follows a process's CPU time until it exits: the last reading before exit is kept (a
 * process's /proc entry disappears with it), so sample often enough for the error to be small.
 */
export class CpuTracker {
  private last = 0;
  private lastWaiting = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 50,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const now = cpuSeconds(this.pid);
    if (now === undefined) {
      clearInterval(this.timer);
      return;
    }
    this.last = now;
    this.lastWaiting = schedSeconds(this.pid)?.waiting ?? this.lastWaiting;
  }

  /** Seconds the main thread was runnable but not running (other processes had the CPUs). */
  get runQueueSeconds(): number {
    this.sample();
    return this.lastWaiting;
  }

  /** CPU seconds used so far (or until exit). */
  get seconds(): number {
    this.sample();
    return this.last;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
