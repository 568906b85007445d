import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";

/** Counts the events a downstream consumer reads from the stream, and when the last one arrived. */
export class EventCounter {
  count = 0;
  lastAt = 0;
  bytes = 0;
  private readonly ids = new Set<string>();
  duplicates = 0;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();

  private constructor(private readonly nc: NatsConnection) {}

  /** Starts an ordered consumer on `stream` from its first message. */
  static async start(natsUrl: string, stream: string): Promise<EventCounter> {
    const nc = await connect({ servers: natsUrl });
    const counter = new EventCounter(nc);
    const consumer = await jetstream(nc).consumers.get(stream);
    const messages = await consumer.consume({ max_messages: 5000 });
    counter.done = (async () => {
      for await (const message of messages) {
        counter.count++;
        counter.bytes += message.data.length;
        counter.lastAt = performance.now();
        const id = message.headers?.get("Nats-Msg-Id") ?? "";
        if (counter.ids.has(id)) counter.duplicates++;
        else counter.ids.add(id);
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

  async stop(): Promise<void> {
    this.stopped = true;
    await this.nc.close();
    await this.done.catch(() => undefined);
  }
}
