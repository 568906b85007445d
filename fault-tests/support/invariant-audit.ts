import pg from "pg";
import { readEvents } from "../../contract-tests/support/event-reader.js";
import type { ReservationTally } from "./reservation-feed.js";
import { expectedStock, recordKey, type PlannedSource } from "./wms-stream.js";

/** What the audit looks at. */
export interface AuditInput {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  readonly stream: string;
  /** The WMS stream every source sent (and, by the time of the audit, had acknowledged). */
  readonly sources: readonly PlannedSource[];
  /** What reservation clients had confirmed, when the scenario ran them. */
  readonly reservations?: ReservationTally;
  /** Longest wait for the outbox to drain before the audit reads the stream. */
  readonly drainTimeoutMs?: number;
}

/** The audit's findings: figures, and every broken invariant in words (empty when all hold). */
export interface AuditReport {
  readonly updatesSent: number;
  readonly updatesInInbox: number;
  /** Inbox rows of these sources that moved stock, and that were recorded as stale (overtaken by a newer sequence). */
  readonly updatesApplied: number;
  readonly updatesStale: number;
  readonly updatesLost: number;
  readonly stockRecords: number;
  readonly stockMismatches: number;
  readonly eventsInLedger: number;
  readonly eventsDelivered: number;
  readonly eventsMissing: number;
  /** Copies of an event the stream held beyond the first (what a consumer's dedupe by event_id drops). */
  readonly duplicatesInStream: number;
  readonly outOfOrderRecords: number;
  /** Of the table guarantees that keep stock from going negative, how many are not in place (see {@link auditStockGuards}). */
  readonly missingStockGuards: number;
  readonly reservedDriftRecords: number;
  readonly reservationsConfirmed: number;
  readonly reservationsLost: number;
  readonly violations: readonly string[];
}

/**
 * The invariant audit every fault scenario ends with:
 * 1. every update the WMS sent (and so had acknowledged) is in the inbox, and stock equals the
 *    reference model replayed from the same stream (per record the highest sequence wins);
 * 2. every event of the ledger reached a JetStream consumer exactly once after dedupe by event_id,
 *    each record's events in version order, none missing and none that the ledger does not know;
 * 3. on_hand, reserved and available are never negative (enforced by the inventory table's CHECK
 *    constraints and generated column, which the audit checks are still in place), and reserved
 *    equals the sum of the active reservations; every confirmed reservation exists, and every
 *    confirmed release holds.
 */
export async function auditInvariants(input: AuditInput): Promise<AuditReport> {
  const violations: string[] = [];
  const db = new pg.Client({ connectionString: input.databaseUrl });
  await db.connect();
  try {
    await waitForDrain(db, input.drainTimeoutMs ?? 120_000, violations);
    const inbox = await auditInbox(db, input.sources, violations);
    const stock = await auditStock(db, input.sources, violations);
    const events = await auditEvents(db, input, violations);
    const counters = await auditCounters(db, input.reservations, violations);
    return { ...inbox, ...stock, ...events, ...counters, violations };
  } finally {
    await db.end();
  }
}

async function waitForDrain(db: pg.Client, timeoutMs: number, violations: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ n: string }>(`SELECT coalesce(sum(events - sent), 0) AS n FROM outbox_chunks`);
    if (Number(rows[0]!.n) === 0) return;
    if (Date.now() > deadline) {
      violations.push(`${rows[0]!.n} events still unpublished ${timeoutMs} ms after the load ended`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Set-based, so the full overload profile's ~700k inbox rows stay in the database: the distinct
 * (wms_id, sequence) pairs sent go in as two arrays, and one statement counts those lost, the
 * accepted inbox rows of these sources (distinct pairs), and how many of those applied or not.
 */
async function auditInbox(db: pg.Client, sources: readonly PlannedSource[], violations: string[]) {
  const wmsIds: string[] = [];
  const sequences: number[] = [];
  for (const { sender, batches } of sources) {
    for (const sequence of new Set(batches.flatMap((b) => b.updates.map((u) => u.sequence)))) {
      wmsIds.push(sender.wmsId);
      sequences.push(sequence);
    }
  }
  const { rows } = await db.query<{ sent: string; lost: string; stored: string; applied: string; stale: string }>(
    `WITH sent AS (SELECT DISTINCT wms_id, sequence FROM unnest($1::text[], $2::bigint[]) AS s(wms_id, sequence)),
          inbox AS (SELECT wms_id, sequence, status FROM wms_updates WHERE wms_id = ANY($3::text[]) AND status <> 'rejected')
     SELECT (SELECT count(*) FROM sent) AS sent,
            (SELECT count(*) FROM sent s
              WHERE NOT EXISTS (SELECT 1 FROM wms_updates w WHERE w.wms_id = s.wms_id AND w.sequence = s.sequence AND w.status <> 'rejected')) AS lost,
            (SELECT count(DISTINCT (wms_id, sequence)) FROM inbox) AS stored,
            count(*) FILTER (WHERE status = 'applied') AS applied,
            count(*) FILTER (WHERE status <> 'applied') AS stale
       FROM inbox`,
    [wmsIds, sequences, sources.map((s) => s.sender.wmsId)],
  );
  const counts = rows[0]!;
  const [sent, lost, stored] = [Number(counts.sent), Number(counts.lost), Number(counts.stored)];
  if (lost > 0) violations.push(`${lost} acknowledged updates are not in the inbox`);
  if (stored !== sent) violations.push(`the inbox holds ${stored} accepted updates of these sources, ${sent} were sent`);
  return { updatesSent: sent, updatesInInbox: stored, updatesApplied: Number(counts.applied), updatesStale: Number(counts.stale), updatesLost: lost };
}

async function auditStock(db: pg.Client, sources: readonly PlannedSource[], violations: string[]) {
  const locations = sources.map((s) => s.sender.locationId);
  const expected = expectedStock(sources);
  const { rows } = await db.query<{ sku: string; location_id: string; on_hand: string }>(
    `SELECT sku, location_id, on_hand FROM inventory WHERE location_id = ANY($1)`,
    [locations],
  );
  let mismatches = 0;
  const seen = new Set<string>();
  for (const row of rows) {
    const key = recordKey(row.sku, row.location_id);
    seen.add(key);
    const want = expected.get(key);
    if (want === undefined || Number(row.on_hand) !== want) {
      if (mismatches++ < 5) violations.push(`stock ${key}: on_hand ${row.on_hand}, the reference model says ${want ?? "no record"}`);
    }
  }
  for (const key of expected.keys()) {
    if (!seen.has(key) && mismatches++ < 5) violations.push(`stock ${key}: no record, the reference model says ${expected.get(key)}`);
  }
  if (mismatches > 5) violations.push(`… ${mismatches} stock records differ from the reference model in all`);
  return { stockRecords: rows.length, stockMismatches: mismatches };
}

async function auditEvents(db: pg.Client, input: AuditInput, violations: string[]) {
  const { rows: ledger } = await db.query<{ event_id: string; sku: string; location_id: string; version: string }>(
    `SELECT event_id, sku, location_id, version FROM inventory_events ORDER BY seq`,
  );
  const received = await readEvents(input.natsUrl, input.stream, ledger.length, { timeoutMs: 120_000, graceMs: 1000 });
  const known = new Set(ledger.map((e) => e.event_id));
  const delivered = new Set<string>();
  const streamOrder = new Map<string, string[]>();
  let duplicates = 0;
  let unknown = 0;
  for (const { event } of received) {
    if (delivered.has(event.eventId)) {
      duplicates++;
      continue;
    }
    delivered.add(event.eventId);
    if (!known.has(event.eventId)) unknown++;
    append(streamOrder, recordKey(event.sku, event.locationId), event.eventId);
  }
  const missing = ledger.filter((e) => !delivered.has(e.event_id)).length;
  if (missing > 0) violations.push(`${missing} events of the ledger never reached the consumer`);
  if (unknown > 0) violations.push(`${unknown} events in the stream are not in the ledger`);

  // Per record, the ledger (commit order) is the truth: versions never go back, and a consumer sees
  // the record's events in exactly that order. (A change may carry two events of one version, such
  // as StockCounted and the StockShortfallDetected it caused.)
  const ledgerOrder = new Map<string, Array<{ id: string; version: number }>>();
  for (const e of ledger) append(ledgerOrder, recordKey(e.sku, e.location_id), { id: e.event_id, version: Number(e.version) });
  let outOfOrder = 0;
  for (const [key, events] of ledgerOrder) {
    const regress = events.findIndex((e, i) => i > 0 && e.version < events[i - 1]!.version);
    if (regress > 0) violations.push(`ledger: ${key} goes back from version ${events[regress - 1]!.version} to ${events[regress]!.version}`);
    const expected = events.map((e) => e.id).filter((id) => delivered.has(id));
    const seen = streamOrder.get(key) ?? [];
    const differs = expected.findIndex((id, i) => seen[i] !== id);
    if (differs >= 0 && outOfOrder++ < 5) {
      const version = (id: string | undefined) => events.find((e) => e.id === id)?.version ?? "?";
      violations.push(`events of ${key} out of order: the consumer's event ${differs + 1} has version ${version(seen[differs])}, the ledger's has version ${version(expected[differs])}`);
    }
  }
  if (outOfOrder > 5) violations.push(`… ${outOfOrder} records with events out of order in all`);
  return { eventsInLedger: ledger.length, eventsDelivered: delivered.size, eventsMissing: missing, duplicatesInStream: duplicates, outOfOrderRecords: outOfOrder };
}

function append<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function auditCounters(db: pg.Client, reservations: ReservationTally | undefined, violations: string[]) {
  const missingStockGuards = await auditStockGuards(db, violations);
  const { rows: drift } = await db.query<{ n: string }>(`
    SELECT count(*) AS n FROM inventory i
    LEFT JOIN (SELECT sku, location_id, sum(quantity) AS q FROM reservations WHERE status = 'active' GROUP BY 1, 2) r USING (sku, location_id)
    WHERE i.reserved <> COALESCE(r.q, 0)`);
  const reservedDriftRecords = Number(drift[0]!.n);
  if (reservedDriftRecords > 0) violations.push(`${reservedDriftRecords} records whose reserved differs from the sum of their active reservations`);
  let lost = 0;
  if (reservations && reservations.reserved.size > 0) {
    const { rows } = await db.query<{ id: string; status: string; quantity: string }>(`SELECT id, status, quantity FROM reservations WHERE id = ANY($1)`, [
      [...reservations.reserved.keys()],
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [id, quantity] of reservations.reserved) {
      const row = byId.get(id);
      if (!row || Number(row.quantity) !== quantity) lost++;
      else if (reservations.released.has(id) && row.status !== "released") violations.push(`reservation ${id}: release confirmed, status is ${row.status}`);
    }
    if (lost > 0) violations.push(`${lost} confirmed reservations are missing or changed`);
  }
  return { reservedDriftRecords, missingStockGuards, reservationsConfirmed: reservations?.reserved.size ?? 0, reservationsLost: lost };
}

/**
 * Stock cannot go negative because the schema forbids it: `CHECK (on_hand >= 0)`, `CHECK (reserved >= 0)`
 * and `available` GENERATED ALWAYS AS `GREATEST(on_hand - reserved, 0)` (migration 0001). Querying rows
 * for negative values could never find one, so the audit checks instead that those guarantees are
 * still there (validated), and counts each one missing as a violation.
 */
async function auditStockGuards(db: pg.Client, violations: string[]): Promise<number> {
  const { rows: checks } = await db.query<{ def: string }>(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'inventory'::regclass AND contype = 'c' AND convalidated`,
  );
  const defs = new Set(checks.map((c) => c.def));
  let missing = 0;
  for (const column of ["on_hand", "reserved"]) {
    if (!defs.has(`CHECK ((${column} >= 0))`)) {
      missing++;
      violations.push(`inventory has no validated CHECK (${column} >= 0): a negative ${column} would no longer be refused`);
    }
  }
  const { rows: columns } = await db.query<{ attgenerated: string; expr: string | null }>(
    `SELECT a.attgenerated, pg_get_expr(d.adbin, d.adrelid) AS expr
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = 'inventory'::regclass AND a.attname = 'available' AND NOT a.attisdropped`,
  );
  const available = columns[0];
  if (!available || available.attgenerated !== "s" || !/^GREATEST\(\(on_hand - reserved\), \(?0\)?(::bigint)?\)$/.test(available.expr ?? "")) {
    missing++;
    violations.push(
      `inventory.available is not GENERATED ALWAYS AS (GREATEST(on_hand - reserved, 0)) STORED (${available ? `attgenerated '${available.attgenerated}', ${available.expr ?? "no expression"}` : "no such column"})`,
    );
  }
  return missing;
}

/** The figures every scenario reports from its audit. */
export function auditFigures(audit: AuditReport): Record<string, unknown> {
  return {
    updates: { sent: audit.updatesSent, inInbox: audit.updatesInInbox, applied: audit.updatesApplied, stale: audit.updatesStale, lost: audit.updatesLost },
    stock: { records: audit.stockRecords, mismatches: audit.stockMismatches, guardsMissing: audit.missingStockGuards },
    events: {
      published: audit.eventsInLedger,
      delivered: audit.eventsDelivered,
      missing: audit.eventsMissing,
      duplicatesSuppressed: audit.duplicatesInStream,
      outOfOrderRecords: audit.outOfOrderRecords,
    },
    reservations: { confirmed: audit.reservationsConfirmed, lost: audit.reservationsLost, driftRecords: audit.reservedDriftRecords },
    violations: audit.violations,
  };
}
