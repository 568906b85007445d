import { runLegacyWorld, type WorldResult } from "./legacy-world.js";
import { percentile } from "./outcomes.js";
import { runServiceWorld, type ServiceWorldResult } from "./service-world.js";
import { simulateDay, type DaySettings } from "./simulated-day.js";

/** The gates of the brief, and how far past them the evaluation aims. */
export const EVALUATION_GATES = [
  { name: "freshness", gate: "median < 2 min", threshold: 120_000, aim: "median < 1 s", aimValue: 1000 },
  { name: "oversell", gate: "≥ 30 % fewer than legacy", threshold: 0.3, aim: "≥ 90 % fewer", aimValue: 0.9 },
  { name: "discrepancy", gate: "< 0.5 % of SKUs", threshold: 0.005, aim: "< 0.1 % of SKUs", aimValue: 0.001 },
] as const;

/**
 * How closely the service's own scorecard must agree with what the harness measured from outside:
 * freshness median within 25 ms or 25 % (the service times JetStream's acknowledgement as the relay
 * received it, the harness the stream's stored time as a consumer reads it), p99 within 50 ms or
 * 25 %; reservations exactly; reservations found short by a count within 3 or 10 % (the harness
 * times a reservation by its request, the service by its commit: a count observed in between is
 * judged differently); SKUs with a discrepancy exactly (the same reconciliation run).
 */
export const AGREEMENT_TOLERANCE = {
  freshnessMedian: { absoluteMs: 25, relative: 0.25 },
  freshnessP99: { absoluteMs: 50, relative: 0.25 },
  foundShort: { absolute: 3, relative: 0.1 },
} as const;

/** One world's headline figures. */
export interface WorldFigures {
  readonly freshness: { readonly samples: number; readonly medianMs: number; readonly p99Ms: number };
  readonly oversell: WorldResult["oversell"];
  readonly refusedAtReservation: number;
  readonly oversoldByHour: readonly number[];
  /** `share`: SKUs differing from the WMS's snapshot (the gate); `offFloorShare`: from the physical floor (see {@link WorldResult}). */
  readonly discrepancy: WorldResult["discrepancy"] & { readonly share: number; readonly offFloorShare: number };
}

/** A figure the service reports about itself next to the harness's measurement of it. */
export interface Agreement {
  readonly figure: string;
  readonly service: number;
  readonly harness: number;
  readonly tolerance: string;
  readonly agrees: boolean;
}

/** The evaluation's result: both worlds, the gates and the scorecard's agreement. */
export interface EvaluationResult {
  readonly settings: DaySettings;
  readonly daySeconds: number;
  readonly compression: number;
  readonly legacy: WorldFigures;
  readonly service: WorldFigures & {
    readonly realFreshness: { readonly medianMs: number; readonly p99Ms: number };
    readonly maxBehindSeconds: number;
    readonly callsBehindP99Seconds: number;
    readonly calls: ServiceWorldResult["calls"];
    readonly lagBreakdownMs: ServiceWorldResult["lagBreakdownMs"];
  };
  readonly gates: ReadonlyArray<{ readonly name: string; readonly gate: string; readonly aim: string; readonly legacy: number; readonly service: number; readonly pass: boolean; readonly aimMet: boolean }>;
  readonly agreement: readonly Agreement[];
  readonly scorecard: unknown;
  /** Every update's freshness lag (day time), for the chart; not written to the JSON. */
  readonly lags: { readonly legacy: readonly number[]; readonly service: readonly number[] };
}

function figures(world: WorldResult, freshness: readonly number[]): WorldFigures {
  const d = world.discrepancy;
  return {
    freshness: { samples: freshness.length, medianMs: percentile(freshness, 0.5) ?? NaN, p99Ms: percentile(freshness, 0.99) ?? NaN },
    oversell: world.oversell,
    refusedAtReservation: world.refusedAtReservation,
    oversoldByHour: world.oversoldByHour,
    discrepancy: { ...d, share: d.skusCompared === 0 ? 0 : d.skusWithDiscrepancy / d.skusCompared, offFloorShare: d.skusCompared === 0 ? 0 : d.skusOffFloor / d.skusCompared },
  };
}

const durationMs = (d: string | undefined) => (d === undefined ? NaN : Number(d.replace(/s$/, "")) * 1000);
const within = (a: number, b: number, absolute: number, relative: number) => Math.abs(a - b) <= Math.max(absolute, relative * Math.max(Math.abs(a), Math.abs(b)));

/** Plays the day `settings` make through the legacy model and the real service, and compares. */
export async function runEvaluation(settings: DaySettings, options: { daySeconds: number; concurrency: number; log: (line: string) => void }): Promise<EvaluationResult> {
  const day = simulateDay(settings);
  options.log(`evaluate: the legacy nightly sync (model) plays the day …`);
  const legacyWorld = runLegacyWorld(day);
  const serviceWorld = await runServiceWorld(day, options);
  const legacy = figures(legacyWorld, legacyWorld.freshnessMs);
  const service = {
    ...figures(serviceWorld, serviceWorld.freshnessMs),
    realFreshness: { medianMs: percentile(serviceWorld.realFreshnessMs, 0.5) ?? NaN, p99Ms: percentile(serviceWorld.realFreshnessMs, 0.99) ?? NaN },
    maxBehindSeconds: serviceWorld.maxBehindSeconds,
    callsBehindP99Seconds: serviceWorld.callsBehindP99Seconds,
    calls: serviceWorld.calls,
    lagBreakdownMs: serviceWorld.lagBreakdownMs,
  };
  const reduction = legacy.oversell.perThousand === 0 ? (service.oversell.perThousand === 0 ? 1 : -Infinity) : 1 - service.oversell.perThousand / legacy.oversell.perThousand;
  const gates = [
    { ...EVALUATION_GATES[0], legacy: legacy.freshness.medianMs, service: service.freshness.medianMs, pass: service.freshness.medianMs < 120_000, aimMet: service.freshness.medianMs < 1000 },
    { ...EVALUATION_GATES[1], legacy: 0, service: reduction, pass: reduction >= 0.3, aimMet: reduction >= 0.9 },
    { ...EVALUATION_GATES[2], legacy: legacy.discrepancy.share, service: service.discrepancy.share, pass: service.discrepancy.share < 0.005, aimMet: service.discrepancy.share < 0.001 },
  ].map(({ name, gate, aim, legacy: l, service: s, pass, aimMet }) => ({ name, gate, aim, legacy: l, service: s, pass, aimMet }));

  const card = serviceWorld.scorecard;
  const newPath = (card.paths as any[]).find((p) => p.path === "INGESTION_PATH_NEW") ?? {};
  const t = AGREEMENT_TOLERANCE;
  const said = {
    median: durationMs(newPath.freshness?.median),
    p99: durationMs(newPath.freshness?.p99),
    reservations: Number(newPath.oversell?.reservations ?? 0),
    foundShort: Number(newPath.oversell?.foundShort ?? 0),
    discrepant: Number(newPath.discrepancy?.skusWithDiscrepancy ?? 0),
  };
  const agreement: Agreement[] = [
    { figure: "freshness median, real ms", service: said.median, harness: service.realFreshness.medianMs, tolerance: `${t.freshnessMedian.absoluteMs} ms or ${t.freshnessMedian.relative * 100} %`, agrees: within(said.median, service.realFreshness.medianMs, t.freshnessMedian.absoluteMs, t.freshnessMedian.relative) },
    { figure: "freshness p99, real ms", service: said.p99, harness: service.realFreshness.p99Ms, tolerance: `${t.freshnessP99.absoluteMs} ms or ${t.freshnessP99.relative * 100} %`, agrees: within(said.p99, service.realFreshness.p99Ms, t.freshnessP99.absoluteMs, t.freshnessP99.relative) },
    { figure: "reservations", service: said.reservations, harness: service.oversell.reservations, tolerance: "exact", agrees: said.reservations === service.oversell.reservations },
    { figure: "reservations found short by a count", service: said.foundShort, harness: service.oversell.foundShortByCount, tolerance: `${t.foundShort.absolute} or ${t.foundShort.relative * 100} %`, agrees: within(said.foundShort, service.oversell.foundShortByCount, t.foundShort.absolute, t.foundShort.relative) },
    { figure: "SKUs with a discrepancy", service: said.discrepant, harness: service.discrepancy.skusWithDiscrepancy, tolerance: "exact", agrees: said.discrepant === service.discrepancy.skusWithDiscrepancy },
  ];
  return {
    settings,
    daySeconds: options.daySeconds,
    compression: serviceWorld.compression,
    legacy,
    service,
    gates,
    agreement,
    scorecard: card,
    lags: { legacy: legacyWorld.freshnessMs, service: serviceWorld.freshnessMs },
  };
}
