import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EventCounter } from "./event-counter.js";
import { bytesWritten, cpuBetween, cpuSeconds, cpuSnapshot, threadCpuSeconds } from "./process-usage.js";
import { round, summary } from "./stats.js";
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
export function saturationPhase(target: PhaseTarget, senders: readonly WmsSender[], seconds: number, batchPrefix: string, sent: GeneratedUpdate[], drainTimeoutMs: number): Promise<SaturationPhase> {
  return measuredPhase(target, () => saturate(target.url, senders, seconds, batchPrefix, sent, target.headers, target.contract), drainTimeoutMs);
}

/**
 * One file-drop phase: `updates` (taken in turn from the senders' next batches) are written as one
 * v1 JSON Lines file per sender into `folder` (the system's watched drop folder: under a hidden
 * name, then renamed, as a WMS drops a file), and the phase lasts until every file's report is in
 * `processed/` and the consumer has read an event for every accepted update. Measured as a
 * saturation phase is; the load's `seconds` run from the drop to the last report.
 */
export function filePhase(target: PhaseTarget, folder: string, senders: readonly WmsSender[], updates: number, name: string, drainTimeoutMs: number): Promise<SaturationPhase> {
  const perSender = Math.ceil(updates / senders.length);
  const files = senders.map((sender, s) => {
    const lines: string[] = [];
    for (let left = perSender; left > 0; ) {
      const batch = sender.nextBatch().slice(0, left);
      left -= batch.length;
      for (const update of batch) lines.push(sender.toJsonLine(update));
    }
    return { name: `${name}-${s}.v1.jsonl`, text: `${lines.join("\n")}\n`, lines: lines.length };
  });
  return measuredPhase(target, () => dropFiles(folder, files, drainTimeoutMs), drainTimeoutMs);
}

/** Drops `files` into `folder` and waits for their reports: the load of a file phase. */
async function dropFiles(folder: string, files: ReadonlyArray<{ name: string; text: string; lines: number }>, timeoutMs: number): Promise<SampledLoadResult> {
  const started = performance.now();
  for (const file of files) {
    writeFileSync(join(folder, `.${file.name}`), file.text);
    renameSync(join(folder, `.${file.name}`), join(folder, file.name));
  }
  const deadline = Date.now() + timeoutMs;
  const reports = await Promise.all(
    files.map(async (file) => {
      const path = join(folder, "processed", `${file.name}.report.json`);
      while (!existsSync(path)) {
        if (Date.now() > deadline) throw new Error(`${file.name}: no report in ${path} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const report = JSON.parse(readFileSync(path, "utf8")) as DroppedFileReport;
      return { ...(report.outcome ?? report), ms: performance.now() - started };
    }),
  );
  const sum = (pick: (r: (typeof reports)[number]) => number) => reports.reduce((total, r) => total + pick(r), 0);
  const latencySamples = reports.map((r) => r.ms);
  return {
    requests: files.length,
    sent: files.reduce((total, file) => total + file.lines, 0),
    accepted: sum((r) => r.accepted),
    duplicate: sum((r) => r.duplicate),
    stale: sum((r) => r.stale),
    rejected: sum((r) => r.rejected),
    failedRequests: 0,
    seconds: Math.max(...latencySamples) / 1000,
    latencyMs: summary(latencySamples),
    latencySamples,
  };
}

/** A dropped file's report: the service's (counts under `outcome`) or the floor's (counts at the top). */
interface DroppedFileReport {
  readonly accepted: number;
  readonly duplicate: number;
  readonly stale: number;
  readonly rejected: number;
  readonly outcome?: { readonly accepted: number; readonly duplicate: number; readonly stale: number; readonly rejected: number };
}

/** One phase of `load` against `target`, measured over the load and the consumer's tail after it (at most `drainTimeoutMs`). */
async function measuredPhase(target: PhaseTarget, load: () => Promise<SampledLoadResult>, drainTimeoutMs: number): Promise<SaturationPhase> {
  const eventsBefore = target.counter.count;
  const walBefore = await target.walPosition();
  const writtenBefore = bytesWritten(target.pid);
  const processBefore = cpuSeconds(target.pid);
  const threadsBefore = threadCpuSeconds(target.pid);
  const machineBefore = cpuSnapshot(SERVER_PROCESSES);
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  const loaded = await load();
  const allEventsConsumed = await target.counter.waitFor(eventsBefore + loaded.accepted, drainTimeoutMs);
  const processSeconds = cpuSeconds(target.pid) - processBefore;
  const threadsAfter = threadCpuSeconds(target.pid);
  const machine = cpuBetween(machineBefore, cpuSnapshot(SERVER_PROCESSES));
  const bench = process.cpuUsage(benchBefore);
  const bytes = { written: bytesWritten(target.pid) - writtenBefore, wal: (await target.walPosition()) - walBefore };
  return {
    bytes,
    load: loaded,
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
