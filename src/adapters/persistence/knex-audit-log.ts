import type { Knex } from "knex";
import type { AuditFilter, AuditLog } from "../../reconciliation/application/audit-log.port.js";
import type { AuditAction, AuditEntry, AuditRecord } from "../../reconciliation/domain/audit-entry.js";
import { asLocationId } from "../../inventory/domain/location-id.js";
import { asSku } from "../../inventory/domain/sku.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { knexTransaction } from "./knex-unit-of-work.js";
import { jsonRows, toDate } from "./row-values.js";

interface AuditRow {
  id: string;
  at: Date | string;
  actor: string;
  role: AuditEntry["actor"]["role"];
  action: AuditAction;
  sku: string | null;
  location_id: string | null;
  before: Record<string, unknown> | string | null;
  after: Record<string, unknown> | string | null;
  reason: string;
  note: string;
  request_id: string;
  details: Record<string, unknown> | string;
}

/**
 * {@link AuditLog} over `audit_log`. It only INSERTs and SELECTs; the one DELETE is {@link prune},
 * which opens the table's trigger for its own transaction (`SET LOCAL invsync.audit_retention`).
 */
export class KnexAuditLog implements AuditLog {
  constructor(private readonly knex: Knex) {}

  async append(tx: Transaction, records: readonly AuditRecord[]): Promise<number[]> {
    if (records.length === 0) return [];
    const { rows } = await knexTransaction(tx).raw<{ rows: Array<{ id: string }> }>(
      `INSERT INTO audit_log (at, actor, role, action, sku, location_id, before, after, reason, note, request_id, details)
       SELECT a.at, a.actor, a.role, a.action, a.sku, a.location_id, a.before, a.after, a.reason, a.note, a.request_id, a.details
       FROM json_to_recordset(?::json) AS a(i int, at timestamptz, actor text, role text, action text, sku text, location_id text,
         before jsonb, after jsonb, reason text, note text, request_id text, details jsonb)
       ORDER BY a.i
       RETURNING id::text AS id`,
      [
        jsonRows(
          records.map((r, i) => ({
            i,
            at: r.at.toISOString(),
            actor: r.actor.name,
            role: r.actor.role,
            action: r.action,
            sku: r.sku ?? null,
            location_id: r.locationId ?? null,
            before: r.before ?? null,
            after: r.after ?? null,
            reason: r.reason,
            note: r.note,
            request_id: r.requestId,
            details: r.details,
          })),
        ),
      ],
    );
    // Ids come from a sequence in insertion order, which follows ORDER BY a.i.
    return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  }

  async list(filter: AuditFilter, afterId: number, limit: number): Promise<AuditEntry[]> {
    const { rows } = await this.knex.raw<{ rows: AuditRow[] }>(
      `SELECT id::text AS id, at, actor, role, action, sku, location_id, before, after, reason, note, request_id, details
       FROM audit_log
       WHERE id > ? AND (?::text IS NULL OR sku = ?::text) AND (?::text IS NULL OR location_id = ?::text) AND (?::text IS NULL OR action = ?::text)
         AND (?::timestamptz IS NULL OR at >= ?::timestamptz) AND (?::timestamptz IS NULL OR at < ?::timestamptz)
       ORDER BY audit_log.id LIMIT ?`,
      [
        afterId,
        ...[filter.sku, filter.locationId, filter.action].flatMap((v) => [v ?? null, v ?? null]),
        ...[filter.from, filter.to].flatMap((d) => [d?.toISOString() ?? null, d?.toISOString() ?? null]),
        limit,
      ],
    );
    return rows.map(toEntry);
  }

  async prune(before: Date, batchSize: number): Promise<number> {
    return this.knex.transaction(async (trx) => {
      await trx.raw(`SET LOCAL invsync.audit_retention = 'on'`);
      const { rows } = await trx.raw<{ rows: Array<{ n: string }> }>(
        `WITH gone AS (DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ?::timestamptz ORDER BY id LIMIT ?) RETURNING 1)
         SELECT count(*)::text AS n FROM gone`,
        [before.toISOString(), batchSize],
      );
      return Number(rows[0]?.n ?? 0);
    });
  }
}

function json(value: Record<string, unknown> | string | null): Record<string, unknown> | undefined {
  if (value === null) return undefined;
  return typeof value === "string" ? (JSON.parse(value) as Record<string, unknown>) : value;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: toDate(row.at),
    actor: { name: row.actor, role: row.role },
    action: row.action,
    ...(row.sku === null ? {} : { sku: asSku(row.sku) }),
    ...(row.location_id === null ? {} : { locationId: asLocationId(row.location_id) }),
    before: json(row.before),
    after: json(row.after),
    reason: row.reason,
    note: row.note,
    requestId: row.request_id,
    details: json(row.details) ?? {},
  };
}
