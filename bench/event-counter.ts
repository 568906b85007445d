import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { InventoryEventSchema } from "../gen/invsync/events/v1/inventory_event_pb.js";
import { summary } from "./stats.js";

/** Latencies of one phase's events, in milliseconds. */
export interface PhaseLatencies {
  readonly events: number;
  /** Commit (the event's timestamp) → stored by JetStream (the stream's time of the message, when it acks). */
  readonly commitToAckMs: { p50: number; p99: number; max: number };
  /** WMS observed_at → stored by JetStream. */
  readonly freshnessMs: { p50: number; p99: number; max: number };
}

/**
 * A downstream consumer: reads the stream from its first message, counts events, drops none, and
 * measures each event's commit → ack and freshness from the event itself and the time JetStream
 * stored it. Phases are told apart by the batch id prefix of the causing WMS update.
 */
export class EventCounter {
  count = 0;
  lastAt = 0;
  bytes = 0;
  duplicates = 0;
  private readonly ids = new Set<string>();
  private readonly phases = new Map<string, { ack: number[]; fresh: number[] }>();
  private stopped = false;
  private done: Promise<void> = Promise.resolve();

  private constructor(private readonly nc: NatsConnection) {}

  /** Starts an ordered consumer on `stream` from its first message. */
  static async start(natsUrl: string, stream: string, phasePrefixes: readonly string[]): Promise<EventCounter> {
    const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
    const counter = new EventCounter(nc);
    for (const prefix of phasePrefixes) counter.phases.set(prefix, { ack: [], fresh: [] });
    const consumer = await jetstream(nc).consumers.get(stream);
    const messages = await consumer.consume({ max_messages: 5000 });
    counter.done = (async () => {
      for await (const message of messages) {
        counter.lastAt = performance.now();
        counter.record(message.data, Number(message.info.timestampNanos) / 1e6);
        if (counter.stopped) break;
      }
    })();
    return counter;
  }

  /** Waits until `expected` events have arrived or `timeoutMs` passed; true when they all arrived. */
  async waitFor(expected: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.count < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.count >= expected;
  }

  /** The latencies of the events whose batch id starts with `prefix`. */
  latencies(prefix: string): PhaseLatencies {
    const phase = this.phases.get(prefix) ?? { ack: [], fresh: [] };
    return { events: phase.ack.length, commitToAckMs: summary(phase.ack), freshnessMs: summary(phase.fresh) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.nc.close();
    await this.done.catch(() => undefined);
  }

  private record(data: Uint8Array, storedMs: number): void {
    this.count++;
    this.bytes += data.length;
    const event = fromBinary(InventoryEventSchema, data);
    if (this.ids.has(event.eventId)) this.duplicates++;
    else this.ids.add(event.eventId);
    const cause = event.cause?.kind;
    if (cause?.case !== "wmsUpdate" || !event.timestamp || !cause.value.observedAt) return;
    const prefix = cause.value.batchId.split("-")[0]!;
    const phase = this.phases.get(prefix);
    if (!phase) return;
    phase.ack.push(storedMs - timestampMs(event.timestamp));
    phase.fresh.push(storedMs - timestampMs(cause.value.observedAt));
  }
}
