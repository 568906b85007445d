import { fromBinary } from "@bufbuild/protobuf";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import { InventoryEventSchema, type InventoryEvent } from "../../gen/invsync/events/v1/inventory_event_pb.js";

/** One event as a consumer receives it. */
export interface ReceivedEvent {
  readonly subject: string;
  readonly streamSequence: number;
  readonly headers: Record<string, string>;
  readonly event: InventoryEvent;
}

/**
 * Reads the stream from the start with a JetStream ordered consumer until `expected` events have
 * arrived (or `timeoutMs` passes), then keeps listening for `graceMs` more so extra (duplicate)
 * events would be caught too. `filterSubject` narrows the consumer as a downstream team would.
 */
export async function readEvents(
  natsUrl: string,
  stream: string,
  expected: number,
  options: { timeoutMs?: number; graceMs?: number; filterSubject?: string } = {},
): Promise<ReceivedEvent[]> {
  const { timeoutMs = 15_000, graceMs = 500, filterSubject } = options;
  const nc = await connect({ servers: natsUrl.split(","), timeout: 2000 });
  try {
    const js = jetstream(nc);
    // A JetStream API request can time out while a cluster elects a stream leader (a node was just
    // killed): creating the reader's consumer is retried until the read's own deadline.
    // NATS 2.9 has no multi-filter ordered consumers: a filtered read uses an ephemeral pull consumer.
    const open = async () =>
      filterSubject
      ? await js.consumers.get(
          stream,
          (
            await (await jetstreamManager(nc)).consumers.add(stream, {
              filter_subject: filterSubject,
              ack_policy: AckPolicy.None,
              deliver_policy: DeliverPolicy.All,
              inactive_threshold: nanos(30_000),
            })
          ).name,
        )
      : await js.consumers.get(stream);
    const openBy = Date.now() + timeoutMs;
    let consumer: Awaited<ReturnType<typeof open>>;
    for (;;) {
      try {
        consumer = await open();
        break;
      } catch (error) {
        if ((error as Error).name !== "TimeoutError" || Date.now() > openBy) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    const received: ReceivedEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    let graceUntil = Number.POSITIVE_INFINITY;
    while (Date.now() < Math.min(deadline, graceUntil)) {
      const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
      for await (const message of batch) {
        const headers: Record<string, string> = {};
        for (const [key, values] of message.headers ?? []) headers[key] = values[0] ?? "";
        received.push({
          subject: message.subject,
          streamSequence: message.seq,
          headers,
          event: fromBinary(InventoryEventSchema, message.data),
        });
      }
      if (received.length >= expected && graceUntil === Number.POSITIVE_INFINITY) graceUntil = Date.now() + graceMs;
    }
    return received;
  } finally {
    await nc.close();
  }
}
