import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/nats-core";
import type { MissingEventSource } from "./healing-sources.js";
import { rawFromJetStream } from "./jetstream-messages.js";
import type { RawMessage } from "./raw-message.js";

/**
 * {@link MissingEventSource} on the stream itself: a short-lived consumer filtered on the record's
 * subject (`<prefix>.v1.*.<sku token>`), starting after the record's last applied sequence and read
 * up to the message that revealed the gap. Works on NATS 2.9 (one filter subject, no direct get by subject).
 */
export class JetStreamMissingEvents implements MissingEventSource {
  constructor(
    private readonly connection: NatsConnection,
    private readonly stream: string,
    private readonly fetchExpiresMs = 1000,
  ) {}

  async read(subjectFilter: string, afterSequence: number, beforeSequence: number): Promise<RawMessage[]> {
    if (afterSequence + 1 >= beforeSequence) return [];
    const jsm = await jetstreamManager(this.connection);
    const info = await jsm.consumers.add(this.stream, {
      filter_subject: subjectFilter,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: afterSequence + 1,
      inactive_threshold: nanos(30_000),
      mem_storage: true,
      num_replicas: 1,
    });
    try {
      const consumer = await jetstream(this.connection).consumers.get(this.stream, info.name);
      const found: RawMessage[] = [];
      let pending = info.num_pending;
      while (pending > 0) {
        let got = 0;
        for await (const message of await consumer.fetch({ max_messages: Math.min(pending, 256), expires: Math.max(1000, this.fetchExpiresMs) })) {
          got++;
          if (message.seq >= beforeSequence) return found;
          found.push(rawFromJetStream(message));
        }
        if (got === 0) break;
        pending -= got;
      }
      return found;
    } finally {
      await jsm.consumers.delete(this.stream, info.name).catch(() => undefined);
    }
  }
}
