import { readdirSync, readFileSync } from "node:fs";

/** CPU seconds (user + system) used so far by process `pid`, from /proc. */
export function cpuSeconds(pid: number): number {
  return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8")).seconds;
}

/**
 * The process name (`comm`), its own user + system CPU seconds, and those of its children that
 * ended and were waited for (`cutime` + `cstime`), in the text of a `/proc/<pid>/stat`.
 */
function parseStat(stat: string): { name: string; seconds: number; endedChildrenSeconds: number } {
  const end = stat.lastIndexOf(")");
  const fields = stat.slice(end + 2).split(" ");
  const ticksPerSecond = 100; // USER_HZ on Linux
  return {
    name: stat.slice(stat.indexOf("(") + 1, end),
    seconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
    endedChildrenSeconds: (Number(fields[13]) + Number(fields[14])) / ticksPerSecond,
  };
}

/**
 * CPU seconds used so far by process `pid`'s main thread (the event loop) and by all its other
 * threads together (in Node.js: V8's helpers, which run most of the garbage collector's work and
 * the optimising compiler, and libuv's pool), from /proc/<pid>/task.
 */
export function threadCpuSeconds(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const { seconds } = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8"));
      if (Number(tid) === pid) main += seconds;
      else others += seconds;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return { main, others };
}

/** Bytes process `pid` has written so far through write() and its kin, sockets included (`wchar` of /proc/<pid>/io). */
export function bytesWritten(pid: number): number {
  const line = readFileSync(`/proc/${pid}/io`, "utf8").split("\n").find((l) => l.startsWith("wchar:"));
  return line ? Number(line.slice(6)) : Number.NaN;
}

/** Peak resident set size of process `pid` in MiB (VmHWM), from /proc. */
export function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"));
  return line ? Number(line.replace(/\D+/g, "")) / 1024 : Number.NaN;
}

/** CPU seconds used so far: the machine's busy and stolen time, and every process whose name is given. */
export interface CpuSnapshot {
  /** All CPUs' busy time (user, nice, system, irq, softirq), seconds. */
  readonly busy: number;
  /** All CPUs' idle and iowait, seconds. */
  readonly idle: number;
  /** Time the hypervisor gave to others while this machine wanted to run, seconds. */
  readonly steal: number;
  /** Per process name (`comm`): the summed user + system seconds of all its processes. */
  readonly byName: ReadonlyMap<string, number>;
}

/**
 * A snapshot of the machine's CPU use and of the processes named `names` (e.g. `postgres`,
 * `nats-server`): each one's own CPU and its ended children's.
 */
export function cpuSnapshot(names: readonly string[]): CpuSnapshot {
  const ticks = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks;
  const byName = new Map<string, number>(names.map((name) => [name, 0]));
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A PostgreSQL backend that ends during a phase (a pool closing an idle connection) takes its
      // CPU out of the live processes' sum; the postmaster that waited for it holds it as its
      // children's time, so counting that too keeps the sum from going backwards.
      const { name, seconds, endedChildrenSeconds } = parseStat(readFileSync(`/proc/${entry}/stat`, "utf8"));
      if (byName.has(name)) byName.set(name, byName.get(name)! + seconds + endedChildrenSeconds);
    } catch {
      // the process ended between the listing and the read
    }
  }
  return { busy: (user + nice + system + irq + softirq) / 100, idle: (idle + iowait) / 100, steal: steal / 100, byName };
}

/** What the machine and the named processes used between two snapshots. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): { busy: number; idle: number; steal: number; byName: Map<string, number> } {
  const byName = new Map<string, number>();
  for (const [name, seconds] of after.byName) byName.set(name, seconds - (before.byName.get(name) ?? 0));
  return { busy: after.busy - before.busy, idle: after.idle - before.idle, steal: after.steal - before.steal, byName };
}
