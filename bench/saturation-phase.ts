import type { EventCounter } from "./event-counter.js";
import { bytesWritten, cpuBetween, cpuSeconds, cpuSnapshot, threadCpuSeconds } from "./process-usage.js";
import { round } from "./stats.js";
import { saturate, type SampledLoadResult, type WmsContract } from "./wms-load.js";
import type { GeneratedUpdate, WmsSender } from "./workload.js";

/** The servers' process names, whose CPU the run reports (they run on this machine). */
export const SERVER_PROCESSES = ["postgres", "nats-server"];

/** What one saturation phase against one system (the service or the floor) measured. */
export interface SaturationPhase {
  readonly load: SampledLoadResult;
  /** From the first request until the consumer read the phase's last event, seconds. */
  readonly endToEndSeconds: number;
  readonly allEventsConsumed: boolean;
  /** Bytes over the same window: what the system's process wrote (to PostgreSQL, NATS and its clients), and the WAL PostgreSQL wrote. */
  readonly bytes: { readonly written: number; readonly wal: number };
  /** CPU seconds over the same window: the system's process, its threads, the servers, this process, the machine. */
  readonly cpu: {
    readonly process: number;
    readonly mainThread: number;
    readonly otherThreads: number;
    readonly postgres: number;
    readonly nats: number;
    readonly loadGenerator: number;
    readonly machine: { readonly busy: number; readonly idle: number; readonly steal: number };
  };
}

/** Where a phase's load goes: the system's WMS endpoint, its process, and the consumer of its stream. */
export interface PhaseTarget {
  readonly url: string;
  readonly pid: number;
  readonly counter: EventCounter;
  readonly headers?: (body: string) => Record<string, string>;
  /** The WMS contract the load speaks (v1 unless given). */
  readonly contract?: WmsContract;
  /** PostgreSQL's current WAL position, in bytes (`pg_current_wal_lsn()`): the WAL a phase wrote is the difference. */
  readonly walPosition: () => Promise<number>;
}

/**
 * One saturation phase: `senders` post batches back to back to `target` for `seconds`, then the
 * phase waits until the consumer has read an event for every accepted update (at most
 * `drainTimeoutMs`). CPU is measured from /proc over the whole window, the relay's tail included,
 * so two systems are charged for the same work. Every generated update is appended to `sent`.
 */
export async function saturationPhase(target: PhaseTarget, senders: readonly WmsSender[], seconds: number, batchPrefix: string, sent: GeneratedUpdate[], drainTimeoutMs: number): Promise<SaturationPhase> {
  const eventsBefore = target.counter.count;
  const walBefore = await target.walPosition();
  const writtenBefore = bytesWritten(target.pid);
  const processBefore = cpuSeconds(target.pid);
  const threadsBefore = threadCpuSeconds(target.pid);
  const machineBefore = cpuSnapshot(SERVER_PROCESSES);
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  const load = await saturate(target.url, senders, seconds, batchPrefix, sent, target.headers, target.contract);
  const allEventsConsumed = await target.counter.waitFor(eventsBefore + load.accepted, drainTimeoutMs);
  const processSeconds = cpuSeconds(target.pid) - processBefore;
  const threadsAfter = threadCpuSeconds(target.pid);
  const machine = cpuBetween(machineBefore, cpuSnapshot(SERVER_PROCESSES));
  const bench = process.cpuUsage(benchBefore);
  const bytes = { written: bytesWritten(target.pid) - writtenBefore, wal: (await target.walPosition()) - walBefore };
  return {
    bytes,
    load,
    endToEndSeconds: (target.counter.lastAt - started) / 1000,
    allEventsConsumed,
    cpu: {
      process: processSeconds,
      mainThread: threadsAfter.main - threadsBefore.main,
      otherThreads: threadsAfter.others - threadsBefore.others,
      postgres: machine.byName.get("postgres") ?? 0,
      nats: machine.byName.get("nats-server") ?? 0,
      loadGenerator: (bench.user + bench.system) / 1e6, // process.cpuUsage() is in µs
      machine: { busy: machine.busy, idle: machine.idle, steal: machine.steal },
    },
  };
}

/** The phases of one system added up: rates over the summed times, CPU per accepted update (µs). */
export function combinePhases(phases: readonly SaturationPhase[]) {
  const sum = (pick: (phase: SaturationPhase) => number) => phases.reduce((total, phase) => total + pick(phase), 0);
  const accepted = sum((p) => p.load.accepted);
  const perUpdate = (seconds: number) => round((seconds / accepted) * 1e6);
  const cpuMicrosPerUpdate = {
    process: perUpdate(sum((p) => p.cpu.process)),
    postgres: perUpdate(sum((p) => p.cpu.postgres)),
    nats: perUpdate(sum((p) => p.cpu.nats)),
    loadGenerator: perUpdate(sum((p) => p.cpu.loadGenerator)),
  };
  return {
    accepted,
    committedUpdatesPerSecond: round(accepted / sum((p) => p.load.seconds)),
    endToEndUpdatesPerSecond: round(accepted / sum((p) => p.endToEndSeconds)),
    allEventsConsumed: phases.every((p) => p.allEventsConsumed),
    cpuMicrosPerUpdate,
    machineCpuMicrosPerUpdate: round(Object.values(cpuMicrosPerUpdate).reduce((total, value) => total + value, 0), 1),
    bytesPerUpdate: { written: Math.round(sum((p) => p.bytes.written) / accepted), wal: Math.round(sum((p) => p.bytes.wal) / accepted) },
    phases: phases.map((p) => ({
      accepted: p.load.accepted,
      committedUpdatesPerSecond: round(p.load.accepted / p.load.seconds),
      endToEndUpdatesPerSecond: round(p.load.accepted / p.endToEndSeconds),
      machineCpuMicrosPerUpdate: round(((p.cpu.process + p.cpu.postgres + p.cpu.nats + p.cpu.loadGenerator) / p.load.accepted) * 1e6, 1),
    })),
  };
}
