import type { Database } from "../../src/adapters/persistence/database.js";
import { KnexShortfallRegister } from "../../src/adapters/persistence/knex-shortfall-register.js";
import { reconciliationUseCases } from "../../src/composition/reconciliation-use-cases.js";
import { ignoreReconciliation, type ReconciliationObserver } from "../../src/reconciliation/application/reconciliation-observer.port.js";
import type { SnapshotLine } from "../../src/reconciliation/domain/snapshot-count.js";
import type { Clock } from "../../src/shared/clock.js";
import { reservationStack } from "./reservation-stack.js";

/** Options of {@link reconciliationStack}. */
export interface ReconciliationStackOptions {
  readonly clock: Clock;
  readonly settleMs?: number;
  readonly tolerance?: { units: number; percent: number };
  readonly observer?: ReconciliationObserver;
}

/** The actor tests act as. */
export const TEST_OPERATOR = { name: "test-operator", role: "operator" } as const;

/**
 * The reconciliation use cases and, beside them, the WMS count path and reservations wired to the
 * same database and outbox (as `main.ts` wires them), for adapter tests and the benchmark.
 */
export function reconciliationStack(database: Database, options: ReconciliationStackOptions) {
  const settleMs = options.settleMs ?? 5000;
  const stock = reservationStack(database, { clock: options.clock, settleMs });
  const useCases = reconciliationUseCases(database.knex, {
    outbox: stock.outbox,
    shortfalls: new KnexShortfallRegister(),
    settings: { tolerance: options.tolerance ?? { units: 2, percent: 0 }, shipmentSettleMs: settleMs, maxFutureSkewMs: 300_000, maxPageLines: 10_000 },
    auditRetentionMs: 400 * 86_400_000,
    clock: options.clock,
    observer: options.observer ?? ignoreReconciliation,
  });
  return {
    ...useCases,
    stock,
    /** Runs a whole snapshot through the API path: begin, pages of `pageSize` lines, complete. */
    async reconcile(takenAt: Date, lines: readonly SnapshotLine[], options: { complete?: boolean; pageSize?: number } = {}) {
      const run = await useCases.runs.begin({ source: "api", wmsId: "wms-test", snapshotRef: "test", complete: options.complete ?? false }, takenAt, TEST_OPERATOR);
      const size = options.pageSize ?? 5000;
      for (let i = 0; i < lines.length; i += size) await useCases.runs.addCounts(run.id, lines.slice(i, i + size));
      return useCases.runs.complete(run.id, lines.length === 0 ? 0 : new Set(lines.map((l) => `${l.sku}@${l.locationId || "default"}`)).size);
    },
  };
}

/** A snapshot line of `sku` at the default location. */
export function line(sku: string, quantity: number, observedAt?: Date, locationId = ""): SnapshotLine {
  return { sku, locationId, quantity: BigInt(quantity), observedAt };
}
