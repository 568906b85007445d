import type { JetStreamClient } from "@nats-io/jetstream";
import type pg from "pg";
import { encodeFloorEvent, type FloorEvent } from "./event-writer.js";

/** A committed batch's events, under its row in `floor_batches`. */
export interface CommittedBatch {
  readonly batchRow: string;
  readonly events: readonly FloorEvent[];
}

/** The subject of an event: `<prefix>.v1.stock_counted.<SKU token>`, as the service names them. */
export function floorSubject(prefix: string, sku: string): string {
  return `${prefix}.v1.stock_counted.${sku.replace(/[^A-Za-z0-9_-]/g, (c) => `~${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`)}`;
}

/**
 * The floor's publisher: committed batches, in commit order, published from memory (a batch's
 * events are what its transaction wrote) with `msgID = event_id`, every event of a round in flight
 * at once on one connection (so in order), then the round's batch rows marked published in one
 * statement (not awaited before the next round goes out). A round that fails is sent again after a
 * second (the stream drops what it already holds by id); what a crash leaves unpublished, the
 * next start sends (see `unpublishedBatches`).
 */
export class FloorRelay {
  private readonly queue: CommittedBatch[] = [];
  private running: Promise<void> | undefined;
  private marking: Promise<unknown> = Promise.resolve();
  /** Events published so far. */
  published = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly db: pg.Pool,
    private readonly subjectPrefix: string,
    private readonly onError: (error: unknown) => void,
    private readonly roundEvents = 20_000,
  ) {}

  /** Queues committed batches to publish. */
  push(batch: CommittedBatch): void {
    this.queue.push(batch);
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  /** Resolves when everything queued is published and marked. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    await this.marking;
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      let events = 0;
      let take = 0;
      while (take < this.queue.length && (take === 0 || events + this.queue[take]!.events.length <= this.roundEvents)) events += this.queue[take++]!.events.length;
      const round = this.queue.splice(0, take);
      for (;;) {
        try {
          await this.publish(round);
          break;
        } catch (error) {
          this.onError(error);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
      this.published += events;
      const rows = round.map((batch) => batch.batchRow);
      this.marking = this.marking.then(() => this.db.query(`UPDATE floor_batches SET published = true WHERE id = ANY($1::uuid[])`, [rows]).catch(this.onError));
    }
  }

  private publish(round: readonly CommittedBatch[]): Promise<unknown> {
    const acks: Array<Promise<unknown>> = [];
    for (const batch of round) {
      for (const event of batch.events) acks.push(this.js.publish(floorSubject(this.subjectPrefix, event.sku), encodeFloorEvent(event), { msgID: event.eventId }));
    }
    return Promise.all(acks);
  }
}

/** What a crash left committed but not published, in commit order, to queue again at start. */
export async function unpublishedBatches(db: pg.Pool): Promise<CommittedBatch[]> {
  const { rows } = await db.query<{
    batch_row: string;
    event_id: string;
    wms_id: string;
    sequence: number;
    sku: string;
    location_id: string;
    delta: number;
    on_hand: number;
    version: number;
    occurred_ms: number;
    batch_id: string;
    observed_ms: number;
  }>(
    `SELECT o.batch_row, o.event_id, o.wms_id, o.sequence::float8 AS sequence, o.sku, o.location_id, o.delta::float8 AS delta,
       o.on_hand::float8 AS on_hand, o.version::float8 AS version, extract(epoch FROM o.occurred_at) * 1000 AS occurred_ms,
       i.batch_id, extract(epoch FROM i.observed_at) * 1000 AS observed_ms
     FROM floor_outbox o JOIN floor_batches b ON b.id = o.batch_row AND NOT b.published
     JOIN floor_inbox i ON i.wms_id = o.wms_id AND i.sequence = o.sequence
     ORDER BY o.occurred_at, o.batch_row, o.sku, o.location_id, o.version`,
  );
  const batches = new Map<string, FloorEvent[]>();
  for (const row of rows) {
    const events = batches.get(row.batch_row) ?? [];
    events.push({
      eventId: row.event_id,
      sku: row.sku,
      locationId: row.location_id,
      delta: row.delta,
      onHandBefore: row.on_hand - row.delta,
      onHandAfter: row.on_hand,
      version: row.version,
      occurredMs: Number(row.occurred_ms),
      wmsId: row.wms_id,
      sequence: row.sequence,
      batchId: row.batch_id,
      observedMs: Number(row.observed_ms),
    });
    batches.set(row.batch_row, events);
  }
  return [...batches].map(([batchRow, events]) => ({ batchRow, events }));
}
