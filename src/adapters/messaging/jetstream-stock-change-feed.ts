import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer } from "@nats-io/jetstream";
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import { EventType, InventoryEventSchema } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import type { InventoryEventType } from "../../inventory/domain/inventory-event.js";
import type { StockChangeFeed, StockChangeRead } from "../../low-stock/application/stock-change-feed.port.js";
import type { ObservedStockChange } from "../../low-stock/domain/stock-change.js";
import { EVENT_MESSAGE_NAME } from "./event-codec.js";
import { TYPES } from "./event-wire.js";
import { allEventsSubject } from "./subjects.js";

/** Where the feed reads. */
export interface StockChangeFeedSettings {
  readonly url: string;
  readonly stream: string;
  readonly subjectPrefix: string;
}

const EVENT_TYPES = new Map<EventType, InventoryEventType>(Object.entries(TYPES).map(([name, value]) => [value, name as InventoryEventType]));

/**
 * {@link StockChangeFeed} over the JetStream event stream: an ephemeral pull consumer of our own
 * (no acks; it vanishes a minute after we stop reading), started right after the position asked
 * for. The position that counts is the caller's (kept in PostgreSQL with the estimates), so the
 * consumer is made again whenever a read asks for another position than the one it would deliver
 * next (after a failed transaction, a lease taken over, a lost connection). Messages whose
 * `Invsync-Message` is not `InventoryEvent` (the alerts themselves) are read past.
 */
export class JetStreamStockChangeFeed implements StockChangeFeed {
  private connection: NatsConnection | undefined;
  private consumer: Consumer | undefined;
  /** The stream sequence the consumer delivers next. */
  private next = 0;

  constructor(private readonly settings: StockChangeFeedSettings) {}

  async read(position: number, max: number, waitMs: number): Promise<StockChangeRead> {
    const consumer = await this.consumerAt(position);
    const changes: ObservedStockChange[] = [];
    let last = position;
    try {
      const batch = await consumer.fetch({ max_messages: max, expires: Math.max(1000, waitMs) });
      for await (const message of batch) {
        last = message.seq;
        this.next = message.seq + 1;
        if (message.headers?.get("Invsync-Message") !== EVENT_MESSAGE_NAME) continue;
        const change = toChange(message.data);
        if (change) changes.push(change);
      }
    } catch (error) {
      this.consumer = undefined;
      throw error;
    }
    return { changes, position: last };
  }

  async end(): Promise<number | undefined> {
    const nc = await this.connected();
    const manager = await jetstreamManager(nc);
    return (await manager.streams.info(this.settings.stream)).state.last_seq;
  }

  async close(): Promise<void> {
    const nc = this.connection;
    this.connection = undefined;
    this.consumer = undefined;
    if (nc && !nc.isClosed()) await nc.close();
  }

  private async consumerAt(position: number): Promise<Consumer> {
    if (this.consumer && this.next === position + 1) return this.consumer;
    const nc = await this.connected();
    const manager = await jetstreamManager(nc);
    const start = position === 0 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: position + 1 };
    const info = await manager.consumers.add(this.settings.stream, {
      ...start,
      filter_subject: allEventsSubject(this.settings.subjectPrefix),
      ack_policy: AckPolicy.None,
      inactive_threshold: nanos(60_000),
    });
    const old = this.consumer;
    this.consumer = await jetstream(nc).consumers.get(this.settings.stream, info.name);
    this.next = position + 1;
    if (old) void old.delete().catch(() => undefined);
    return this.consumer;
  }

  private async connected(): Promise<NatsConnection> {
    if (this.connection && !this.connection.isClosed()) return this.connection;
    this.connection = await connect({ servers: this.settings.url, name: "inventory-sync low-stock feed", timeout: 2000, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
    return this.connection;
  }
}

/** The change an `InventoryEvent` payload reports; undefined for a type the estimator does not know. */
export function toChange(payload: Uint8Array): ObservedStockChange | undefined {
  const event = fromBinary(InventoryEventSchema, payload);
  const type = EVENT_TYPES.get(event.type);
  if (!type || !event.timestamp) return undefined;
  return {
    sku: event.sku,
    locationId: event.locationId,
    type,
    version: Number(event.version),
    availableBefore: Number(event.before?.available ?? 0n),
    availableAfter: Number(event.after?.available ?? 0n),
    at: timestampDate(event.timestamp),
  };
}
