import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerConfig, type Consumer, type ConsumerInfo, type JsMsg } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/nats-core";
import type { ConsumerStore } from "./consumer-store.js";
import type { BatchResult, EventProcessor } from "./event-processor.js";
import { rawFromJetStream } from "./jetstream-messages.js";

/**
 * Where a durable consumer starts when it is created (an existing durable resumes where it is):
 * the stream's first message, only new ones, a stream sequence, or a point in time.
 */
export type StartPoint = { readonly from: "all" } | { readonly from: "new" } | { readonly sequence: number } | { readonly time: Date };

/** Settings of a durable pull consumer. */
export interface DurableConsumerOptions {
  readonly stream: string;
  /** The durable consumer's name: the team's own, kept by the server across restarts. */
  readonly durable: string;
  /** Subjects it reads (default every subject of the stream), for example `inventory.v1.>`. */
  readonly filterSubject?: string;
  /** Where a newly created durable starts (default `{ from: "all" }`). */
  readonly start?: StartPoint;
  /** Delete an existing durable of that name first, so it starts again at `start` (a replay). */
  readonly recreate?: boolean;
  /** How long the server waits for an ack before redelivering (default 30 s); the kit extends it while a batch is worked on. */
  readonly ackWaitMs?: number;
  /** Messages delivered but not yet acknowledged, at most (default 1000): the server holds back the rest. */
  readonly maxAckPending?: number;
  /** Messages fetched and committed together (default 100). */
  readonly batchSize?: number;
  /** Longest wait of one fetch for messages (default and least 1 s). */
  readonly fetchExpiresMs?: number;
  /** Delay before a message left for redelivery comes back, and between retries after an error (default 1 s). */
  readonly retryDelayMs?: number;
  /** How long ids are kept for dedupe (default 30 days, the stream's retention); 0 keeps them for ever. */
  readonly dedupeWindowMs?: number;
  /** Called after each batch is settled. */
  readonly onBatch?: (result: BatchResult) => void;
  /** Called on a failure the loop recovers from (a fetch while NATS is down, a store error). */
  readonly onError?: (error: unknown) => void;
}

/** A running consumer loop. */
export interface RunningConsumer {
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>;
  /** Resolves when the loop has stopped. */
  readonly stopped: Promise<void>;
}

/** Where to start when `store` has a position for `consumer`: just after it; otherwise `fallback`. */
export async function startAfterStoredPosition(store: ConsumerStore<unknown>, consumer: string, fallback: StartPoint = { from: "all" }): Promise<StartPoint> {
  const position = await store.position(consumer);
  return position === undefined ? fallback : { sequence: position + 1 };
}

/**
 * Creates the durable pull consumer when missing (explicit acks, unlimited deliveries so the server
 * never drops a message on its own), or updates its ack wait and max ack pending when it exists.
 */
export async function ensureDurableConsumer(connection: NatsConnection, options: DurableConsumerOptions): Promise<ConsumerInfo> {
  const jsm = await jetstreamManager(connection);
  const existing = await jsm.consumers.info(options.stream, options.durable).catch(() => undefined);
  const limits = { ack_wait: nanos(options.ackWaitMs ?? 30_000), max_ack_pending: options.maxAckPending ?? 1000 };
  if (existing && !options.recreate) {
    if (existing.config.ack_wait === limits.ack_wait && existing.config.max_ack_pending === limits.max_ack_pending) return existing;
    try {
      return await jsm.consumers.update(options.stream, options.durable, limits);
    } catch (error) {
      // NATS 2.9 refuses any update of a consumer that started at a time ("start time can not be updated").
      options.onError?.(new Error(`durable ${options.durable} keeps its ack wait and max ack pending: the server refused to change them (${error instanceof Error ? error.message : String(error)})`));
      return existing;
    }
  }
  if (existing) await jsm.consumers.delete(options.stream, options.durable);
  const config: Partial<ConsumerConfig> = {
    durable_name: options.durable,
    ack_policy: AckPolicy.Explicit,
    max_deliver: -1,
    ...limits,
    ...startConfig(options.start ?? { from: "all" }),
    ...(options.filterSubject ? { filter_subject: options.filterSubject } : {}),
  };
  return jsm.consumers.add(options.stream, config);
}

function startConfig(start: StartPoint): Partial<ConsumerConfig> {
  if ("sequence" in start) return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.sequence };
  if ("time" in start) return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.time.toISOString() };
  return { deliver_policy: start.from === "new" ? DeliverPolicy.New : DeliverPolicy.All };
}

/**
 * Runs `processor` on a durable pull consumer: fetch a batch, process it in one store transaction,
 * then ack what was applied or was a duplicate, terminate dead letters and nak (with a delay) what is
 * to be redelivered. The next batch is fetched only after that, so a slow consumer takes messages at
 * its own pace and the server keeps the rest (backpressure); while a batch is worked on its messages'
 * ack wait is extended. A NATS outage or a store error is reported and retried, never the end of the loop.
 */
export async function startDurableConsumer<Effect>(connection: NatsConnection, processor: EventProcessor<Effect>, options: DurableConsumerOptions): Promise<RunningConsumer> {
  await ensureDurableConsumer(connection, options);
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const window = options.dedupeWindowMs ?? 30 * 24 * 3600_000;
  let stopping = false;
  let lastPrune = 0;
  const report = (error: unknown) => options.onError?.(error);

  const loop = async (): Promise<void> => {
    const js = jetstream(connection);
    let consumer: Consumer | undefined;
    while (!stopping) {
      let messages: JsMsg[] = [];
      try {
        consumer ??= await js.consumers.get(options.stream, options.durable);
        for await (const message of await consumer.fetch({ max_messages: options.batchSize ?? 100, expires: Math.max(1000, options.fetchExpiresMs ?? 1000) })) messages.push(message);
      } catch (error) {
        report(error);
        for (const message of messages) message.nak(retryDelayMs);
        messages = [];
        consumer = undefined;
        await sleep(retryDelayMs);
        continue;
      }
      if (messages.length > 0) await settle(messages);
      if (window > 0 && Date.now() - lastPrune > 3600_000) {
        lastPrune = Date.now();
        await processor.prune(new Date(Date.now() - window)).catch(report);
      }
    }
  };

  const settle = async (messages: JsMsg[]): Promise<void> => {
    const keepAlive = setInterval(() => messages.forEach((m) => m.working()), Math.max(100, Math.floor(ackWaitMs / 3)));
    let result: BatchResult;
    try {
      result = await processor.process(messages.map(rawFromJetStream));
    } catch (error) {
      report(error);
      for (const message of messages) message.nak(retryDelayMs);
      await sleep(retryDelayMs);
      return;
    } finally {
      clearInterval(keepAlive);
    }
    for (const message of messages) {
      const outcome = result.outcomes.get(message.seq) ?? "retry";
      if (outcome === "ack") message.ack();
      // No reason text: NATS 2.9 does not parse "+TERM <reason>" and would leave the message pending.
      else if (outcome === "term") message.term();
      else message.nak(retryDelayMs);
    }
    for (const error of result.errors) report(error);
    options.onBatch?.(result);
    await connection.flush().catch(report);
  };

  const stopped = loop();
  return {
    stopped,
    async stop() {
      stopping = true;
      await stopped;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
