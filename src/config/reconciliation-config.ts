import type { EnvReader } from "./env-reader.js";

/** An operator credential: a bearer token with a name (who, in logs and the audit log) and a role. */
export interface OperatorCredential {
  readonly name: string;
  readonly role: "viewer" | "operator";
  readonly token: string;
}

/** Settings of reconciliation, operator access and the audit log. */
export interface ReconciliationConfig {
  /** Differences up to `units` (or `percent` of on_hand, when more) are auto-resolved: the WMS count wins. */
  readonly tolerance: { readonly units: number; readonly percent: number };
  /** Minutes after midnight UTC of the daily run; undefined: no daily run. */
  readonly dailyAtMinute: number | undefined;
  /** How often the daily run is checked for (and the open-discrepancy gauge refreshed). */
  readonly checkIntervalMs: number;
  /** Most lines per snapshot page (API and pull). */
  readonly maxPageLines: number;
  /** The WMS snapshot endpoint; undefined: no pulled snapshots (and no daily run). */
  readonly snapshotUrl: string | undefined;
  /** The `wms_id` asked of the snapshot endpoint when none is given. */
  readonly snapshotWmsId: string;
  readonly auditRetentionMs: number;
  readonly auditPruneIntervalMs: number;
  /** Who may call the operator endpoints; empty refuses every such call. */
  readonly operators: readonly OperatorCredential[];
}

/** Reads {@link ReconciliationConfig}; problems are collected by `read` like every other variable. */
export function readReconciliation(read: EnvReader): ReconciliationConfig {
  return {
    tolerance: {
      units: read.integer("RECONCILE_TOLERANCE_UNITS", 2, 0, 1_000_000),
      percent: read.integer("RECONCILE_TOLERANCE_PERCENT", 0, 0, 100),
    },
    dailyAtMinute: read.parsed("RECONCILE_DAILY_AT", parseDailyAt) ?? (read.string("RECONCILE_DAILY_AT", "") === "" ? 120 : undefined),
    checkIntervalMs: read.integer("RECONCILE_CHECK_INTERVAL_SECONDS", 60, 1, 3600) * 1000,
    maxPageLines: read.integer("RECONCILE_MAX_PAGE_LINES", 10_000, 1, 100_000),
    snapshotUrl: read.optionalUrl("WMS_SNAPSHOT_URL", ["http:", "https:"]),
    snapshotWmsId: read.pattern("WMS_SNAPSHOT_WMS_ID", "wms", /^[A-Za-z0-9._-]{1,64}$/, "1 to 64 letters, digits, '.', '_' or '-'"),
    auditRetentionMs: read.integer("AUDIT_RETENTION_DAYS", 400, 1, 36_500) * 86_400_000,
    auditPruneIntervalMs: read.integer("AUDIT_PRUNE_INTERVAL_SECONDS", 3600, 1, 604_800) * 1000,
    operators: read.parsed("OPERATOR_TOKENS", parseOperatorTokens) ?? [],
  };
}

/** `HH:MM` (UTC) as minutes after midnight; `off` as undefined. */
export function parseDailyAt(value: string): number | undefined {
  if (value.toLowerCase() === "off") return undefined;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) throw new Error(`must be HH:MM (UTC, 24-hour) or "off", got "${value}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * `name:role:token,…` with a name of letters, digits, '.', '_', '@' or '-', a role of `viewer` or
 * `operator`, and a token of 24 or more characters (use `openssl rand -hex 32`). Names and tokens are unique.
 */
export function parseOperatorTokens(value: string): OperatorCredential[] {
  const credentials: OperatorCredential[] = [];
  for (const [i, entry] of value.split(",").map((e) => e.trim()).filter(Boolean).entries()) {
    const [name = "", role = "", ...rest] = entry.split(":");
    const token = rest.join(":");
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name) || (role !== "viewer" && role !== "operator") || token.length < 24) {
      throw new Error(`each entry must be <name>:<viewer|operator>:<token of 24+ characters> (entry ${i + 1} is not)`);
    }
    if (credentials.some((c) => c.name === name || c.token === token)) throw new Error(`entry ${i + 1} repeats a name or a token`);
    credentials.push({ name, role, token });
  }
  return credentials;
}
