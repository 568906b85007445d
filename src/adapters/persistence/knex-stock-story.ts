import type { Knex } from "knex";

/** One location of a SKU: its stock (when the record exists) and its route (when it was routed). */
export interface StoryRecord {
  readonly locationId: string;
  readonly stock?: {
    readonly onHand: bigint;
    readonly reserved: bigint;
    readonly available: bigint;
    readonly version: bigint;
    readonly lastWmsId: string | null;
    readonly lastSequence: bigint | null;
    readonly updatedAt: Date;
  };
  readonly route?: { readonly path: string; readonly flag: string; readonly why: string; readonly since: Date; readonly previousPath: string | null };
}

/** One inventory event as stored. */
export interface StoryEvent {
  readonly eventId: string;
  readonly type: string;
  readonly locationId: string;
  readonly delta: bigint;
  readonly source: string;
  readonly at: Date;
  readonly onHandBefore: bigint;
  readonly onHandAfter: bigint;
  readonly reservedBefore: bigint;
  readonly reservedAfter: bigint;
  readonly version: bigint;
  readonly cause: string;
}

/** One inbox row as stored. */
export interface StoryUpdate {
  readonly inboxId: bigint;
  readonly batchId: string;
  readonly wmsId: string;
  readonly sequence: bigint;
  readonly locationId: string;
  readonly quantity: bigint | null;
  readonly observedAt: Date | null;
  readonly receivedAt: Date;
  readonly status: string;
  readonly rejectReason: string;
}

/** What the database holds about a SKU: records, latest events and latest received updates. */
export interface StockStory {
  readonly records: readonly StoryRecord[];
  readonly events: readonly StoryEvent[];
  readonly updates: readonly StoryUpdate[];
}

const big = (value: unknown): bigint => BigInt(value as string | number);
const bigOrNull = (value: unknown): bigint | null => (value === null || value === undefined ? null : BigInt(value as string | number));

const UPDATE_COLUMNS = ["id", "batch_id", "wms_id", "sequence", "location_id", "quantity", "observed_at", "received_at", "status", "reject_reason"];

/**
 * Reads a SKU's story for the operator console: the `inventory` rows and `sku_routes` of the SKU
 * (one record per location either has), and its latest `inventory_events` and `wms_updates`
 * (the inbox), newest first, `limit` of each. Read-only; each read walks an index: the tables'
 * primary keys, `inventory_events_sku`, and of the inbox `wms_updates_sku_location` (accepted
 * updates) and `wms_updates_rejected` (rejected ones). Stale updates have no index by SKU (0011
 * keeps the inbox's write path lean) and are left out rather than scanning the inbox.
 */
export class KnexStockStory {
  constructor(private readonly knex: Knex) {}

  async read(sku: string, locationId: string | undefined, limit: number): Promise<StockStory> {
    const atLocation = <T extends Knex.QueryBuilder>(query: T): T => (locationId === undefined ? query : (query.where("location_id", locationId) as T));
    const [stockRows, routeRows, eventRows, updateRows] = await Promise.all([
      atLocation(this.knex("inventory").where("sku", sku)).select("location_id", "on_hand", "reserved", "available", "version", "last_wms_id", "last_sequence", "updated_at"),
      atLocation(this.knex("sku_routes").where("sku", sku)).select("location_id", "path", "flag", "routing", "since", "previous_path"),
      atLocation(this.knex("inventory_events").where("sku", sku))
        .orderBy("seq", "desc")
        .limit(limit)
        .select("event_id", "type", "location_id", "delta", "source", "timestamp", "before_on_hand", "after_on_hand", "before_reserved", "after_reserved", "version", "cause"),
      this.updates(sku, locationId, limit),
    ]);
    const records = new Map<string, { locationId: string; stock?: StoryRecord["stock"]; route?: StoryRecord["route"] }>();
    const recordAt = (location: string) => records.get(location) ?? records.set(location, { locationId: location }).get(location)!;
    for (const row of stockRows) {
      recordAt(row.location_id).stock = {
        onHand: big(row.on_hand),
        reserved: big(row.reserved),
        available: big(row.available),
        version: big(row.version),
        lastWmsId: row.last_wms_id,
        lastSequence: bigOrNull(row.last_sequence),
        updatedAt: row.updated_at,
      };
    }
    for (const row of routeRows) {
      recordAt(row.location_id).route = { path: row.path, flag: row.flag, why: JSON.stringify(row.routing), since: row.since, previousPath: row.previous_path };
    }
    return {
      records: [...records.values()].sort((a, b) => (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0)),
      events: eventRows.map((row) => ({
        eventId: row.event_id,
        type: row.type,
        locationId: row.location_id,
        delta: big(row.delta),
        source: row.source,
        at: row.timestamp,
        onHandBefore: big(row.before_on_hand),
        onHandAfter: big(row.after_on_hand),
        reservedBefore: big(row.before_reserved),
        reservedAfter: big(row.after_reserved),
        version: big(row.version),
        cause: JSON.stringify(row.cause),
      })),
      updates: updateRows.slice(0, limit).map((row) => ({
        inboxId: big(row.id),
        batchId: row.batch_id,
        wmsId: row.wms_id ?? "",
        sequence: bigOrNull(row.sequence) ?? 0n,
        locationId: row.location_id ?? "",
        quantity: bigOrNull(row.quantity),
        observedAt: row.observed_at,
        receivedAt: row.received_at,
        status: row.status,
        rejectReason: row.reject_reason ?? "",
      })),
    };
  }

  /** The latest accepted and rejected inbox rows of the SKU, newest received first. */
  private async updates(sku: string, locationId: string | undefined, limit: number): Promise<any[]> {
    const accepted = this.knex("wms_updates")
      .where("sku", sku)
      .modify((q) => (locationId === undefined ? q : q.where("location_id", locationId)))
      .whereIn("status", ["applied", "forwarded", "shadowed"])
      .orderBy("observed_at", "desc")
      .limit(limit)
      .select(UPDATE_COLUMNS);
    const rejected = this.knex("wms_updates")
      .where("status", "rejected")
      .where("sku", sku)
      .modify((q) => (locationId === undefined ? q : q.where("location_id", locationId)))
      .orderBy("id", "desc")
      .limit(limit)
      .select(UPDATE_COLUMNS);
    const rows = [...(await accepted), ...(await rejected)];
    return rows.sort((a, b) => b.received_at.getTime() - a.received_at.getTime() || Number(BigInt(b.id) - BigInt(a.id)));
  }
}
