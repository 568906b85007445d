import type { LocationId } from "../../inventory/domain/location-id.js";
import type { Sku } from "../../inventory/domain/sku.js";

/** Who did something: an operator (by the name of its credential) or the system itself. */
export interface Actor {
  readonly name: string;
  readonly role: "viewer" | "operator" | "system";
}

/** The reconciliation run acting on its own (auto-resolutions, clearing). */
export const RECONCILIATION_ACTOR: Actor = { name: "system:reconciliation", role: "system" };

/** What the audit log records: every adjustment of stock and every operator action on ingestion. */
export const AUDIT_ACTIONS = [
  "stock_overridden",
  "discrepancy_resolved",
  "discrepancy_dismissed",
  "discrepancy_auto_resolved",
  "ingestion_paused",
  "ingestion_resumed",
  "inbox_replayed",
  "backfill_run",
  "routing_rule_put",
  "routing_rule_deleted",
  "reservation_sync_retried",
] as const;

/** One of {@link AUDIT_ACTIONS}. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** An entry to append to the audit log. */
export interface AuditRecord {
  readonly actor: Actor;
  readonly action: AuditAction;
  /** Undefined for actions on ingestion as a whole. */
  readonly sku?: Sku;
  readonly locationId?: LocationId;
  readonly before?: Readonly<Record<string, unknown>>;
  readonly after?: Readonly<Record<string, unknown>>;
  readonly reason: string;
  readonly note: string;
  /** The x-request-id of the call; empty for the system's own work. */
  readonly requestId: string;
  /** Parameters and outcome (run id, discrepancy id, replay filter and counts …). */
  readonly details: Readonly<Record<string, unknown>>;
  readonly at: Date;
}

/** An entry as stored: append-only, with its id. */
export interface AuditEntry extends AuditRecord {
  readonly id: number;
}
