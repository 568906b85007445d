import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, headers, MsgHdrsImpl, nanos, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import type { EventPublisher, PublishOutcome, StoredCheck } from "../../outbox/event-publisher.port.js";
import type { OutboxMessage } from "../../outbox/outbox-message.js";
import type { Logger } from "../../shared/logger.js";
import { tracingOff, type Tracing } from "../observability/tracing.js";
import { EVENT_CONTENT_TYPE, EVENT_MESSAGE_NAME } from "./event-codec.js";
import { PubAckInbox, type PubAck } from "./pub-ack-inbox.js";
import { ALERT_MESSAGE_NAMES } from "./stock-alert-codec.js";
import { allEventsSubject, eventSubject } from "./subjects.js";

/** Where and how events are published. */
export interface BusSettings {
  readonly url: string;
  /** JetStream stream name, for example `INVENTORY`. */
  readonly stream: string;
  /** First subject token, for example `inventory` (subjects are `<prefix>.v1.…`). */
  readonly subjectPrefix: string;
  /** How long JetStream remembers message ids to drop resends. */
  readonly duplicateWindowMs: number;
  /** How long the stream keeps events. */
  readonly maxAgeMs: number;
  /** How long to wait for a PubAck. */
  readonly publishTimeoutMs: number;
  /** Replicas of the stream when this creates it (1 by default; 3 on a 3-node cluster). */
  readonly streamReplicas?: number;
}

/** The connection's state, for readiness and metrics. */
export interface BusStatus {
  readonly connected: boolean;
  readonly streamReady: boolean;
  readonly lastError: string | undefined;
}

/**
 * {@link EventPublisher} on NATS JetStream. Connects in the background and keeps retrying, so the
 * service starts and accepts updates while NATS is down; the relay publishes once it is back.
 * Each event goes to its subject with `Nats-Msg-Id = event_id`, so resends are dropped by the stream,
 * and with `Nats-Expected-Last-Sequence`, so the stream stores it only right behind its predecessor.
 * An event written under a trace is published in a producer span of that trace, whose `traceparent`
 * travels in the message headers so a consumer can continue it.
 */
export class JetStreamEventPublisher implements EventPublisher {
  private connection: NatsConnection | undefined;
  private acks: PubAckInbox | undefined;
  private connected = false;
  private streamReady = false;
  private closing = false;
  private ensuring = false;
  private lastError: string | undefined;
  private readonly connecting: Promise<void>;

  constructor(
    private readonly settings: BusSettings,
    private readonly logger: Logger,
    private readonly tracing: Tracing = tracingOff,
  ) {
    this.connecting = this.connectUntilClosed();
  }

  isConnected(): boolean {
    if (this.connected && !this.streamReady && !this.ensuring) void this.ensureStream();
    return this.connected && this.streamReady;
  }

  /** The connection's state. */
  status(): BusStatus {
    return { connected: this.connected, streamReady: this.streamReady, lastError: this.lastError };
  }

  publishAll(messages: readonly OutboxMessage[], afterSequence: number): Promise<PublishOutcome[]> {
    if (messages.length === 0) return Promise.resolve([]);
    let acks: PubAckInbox;
    try {
      acks = this.connectedAcks();
    } catch (error) {
      return Promise.resolve(messages.map(() => error as Error));
    }
    if (this.tracing.enabled && messages.some((message) => message.traceContext)) return this.publishTraced(acks, messages, afterSequence);
    return this.sendRun(acks, messages, afterSequence);
  }

  /**
   * Sends the event's id, without its payload, on condition of a last sequence the stream can never
   * have: the stream answers "duplicate" when it holds the event (its dedupe runs first), and
   * otherwise refuses it, naming its last sequence. Nothing is stored either way. It goes out behind
   * everything published before it (publishes are written to the connection as they are handed over).
   */
  async check(message: OutboxMessage): Promise<StoredCheck> {
    const acks = this.connectedAcks();
    const h = headers();
    h.set("Nats-Msg-Id", message.eventId);
    h.set(EXPECTED_LAST_SEQUENCE, IMPOSSIBLE_SEQUENCE);
    const ack = await this.send(acks, eventSubject(this.settings.subjectPrefix, message.type, message.sku), EMPTY, h);
    if (!ack.error) return { stored: true };
    const last = ack.error.err_code === WRONG_LAST_SEQUENCE ? /(\d+)\s*$/.exec(ack.error.description) : null;
    if (!last) throw refusal(ack);
    return { stored: false, lastSequence: Number(last[1]) };
  }

  /**
   * A batch with events written under a trace: each of those is published in a producer span of its
   * trace (the span's context goes in the message's headers), which ends with the batch's outcome.
   */
  private publishTraced(acks: PubAckInbox, messages: readonly OutboxMessage[], afterSequence: number): Promise<PublishOutcome[]> {
    const carriers: Array<Record<string, string> | undefined> = new Array(messages.length);
    let settle!: (outcomes: PublishOutcome[]) => void;
    const settled = new Promise<PublishOutcome[]>((resolve) => (settle = resolve));
    const spans: Array<Promise<unknown>> = [];
    messages.forEach((message, i) => {
      if (!message.traceContext) return;
      const subject = eventSubject(this.settings.subjectPrefix, message.type, message.sku);
      const attributes = { "messaging.system": "nats", "messaging.destination.name": subject, "messaging.message.id": message.eventId, "invsync.sku": message.sku };
      // The span's work runs at once up to its first await, so the carrier is there before anything is sent.
      const span = this.tracing.inSpan(
        `publish ${message.type}`,
        attributes,
        async () => {
          carriers[i] = this.tracing.activeCarrier();
          const outcome = (await settled)[i]!;
          if (outcome instanceof Error) throw outcome;
          return outcome;
        },
        { kind: "producer", carrier: { traceparent: message.traceContext } },
      );
      spans.push(span.catch(() => undefined)); // the span records the failure; the outcome reports it
    });
    const outcomes = this.sendRun(acks, messages, afterSequence, carriers);
    void outcomes.then(settle);
    return Promise.all(spans).then(() => outcomes);
  }

  /**
   * Sends a batch as one run: each message expected right behind the one before, and only the last
   * asks for a PubAck (one acknowledgement per run instead of per message halved both this client's
   * and the NATS server's CPU per message in a microbenchmark). Every message after the first also
   * carries the event id of the one before it as `Nats-Expected-Last-Msg-Id`, so the stream stores
   * each only right behind its predecessor, whoever else writes to it: when the last is stored at
   * its expected sequence, every message of the run is, in order. Otherwise (refused, stored
   * elsewhere, no PubAck) the ones before the last are unknown; the relay asks the bus about them
   * (`check`). A message the client cannot send (closed, too large) ends the run there, and the rest
   * goes out as another. Never throws: every message gets an outcome. Nothing per message but its
   * headers: the outcomes are filled in by index when a run's PubAck arrives (a promise, queue entry
   * and closures per event cost the relay 10 µs of CPU an event, see the README's benchmark).
   */
  private sendRun(
    acks: PubAckInbox,
    messages: readonly OutboxMessage[],
    afterSequence: number,
    carriers?: ReadonlyArray<Record<string, string> | undefined>,
  ): Promise<PublishOutcome[]> {
    const outcomes: PublishOutcome[] = new Array(messages.length);
    const runs: Array<Promise<void>> = [];
    let first = 0;
    try {
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i]!;
        const h = eventHeaders(message, afterSequence + i);
        const carrier = carriers?.[i];
        if (carrier) for (const [key, value] of Object.entries(carrier)) h.set(key, value);
        else if (message.traceContext) h.set("traceparent", message.traceContext);
        if (i > first) h.headers.set(EXPECTED_LAST_MSG_ID, [messages[i - 1]!.eventId]);
        const subject = eventSubject(this.settings.subjectPrefix, message.type, message.sku);
        if (i === messages.length - 1) {
          runs.push(settleRun(messages, outcomes, first, i, afterSequence, this.send(acks, subject, message.payload, h)));
          break;
        }
        try {
          this.connection!.publish(subject, message.payload, { headers: h });
        } catch (error) {
          // Cannot be sent: the run stops here; what was sent of it may still land, unknown.
          runs.push(settleRun(messages, outcomes, first, i, afterSequence, Promise.reject(error)));
          first = i + 1;
        }
      }
    } catch (error) {
      // Anything else thrown while handing the batch over: what no run settles is not known to be stored.
      const failure = error instanceof Error ? error : new Error(String(error));
      for (let i = first; i < messages.length; i++) outcomes[i] = failure;
    }
    return Promise.all(runs).then(() => outcomes);
  }

  private connectedAcks(): PubAckInbox {
    if (!this.acks || !this.connected) throw new Error("NATS is not connected");
    return this.acks;
  }

  private async send(acks: PubAckInbox, subject: string, payload: Uint8Array, h: MsgHdrs): Promise<PubAck> {
    try {
      return await acks.publish(subject, payload, h);
    } catch (error) {
      if (isNoResponders(error)) this.recreateStream();
      throw error;
    }
  }

  /** Flushes and closes the connection (or stops trying to open it). */
  async close(): Promise<void> {
    this.closing = true;
    const connection = this.connection;
    this.acks?.close();
    if (connection && !connection.isClosed()) await connection.drain().catch(() => connection.close());
    await this.connecting;
  }

  private async connectUntilClosed(): Promise<void> {
    let delayMs = 250;
    while (!this.closing) {
      try {
        const connection = await connect({
          // One server or a cluster's, separated by commas: the client fails over between them.
          servers: this.settings.url.split(","),
          name: "inventory-sync",
          timeout: 2_000,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1_000,
          // nats.js otherwise builds an Error (with a stack trace) per request, in case it fails later:
          // 15% of the service's CPU under load, measured with --cpu-prof.
          noAsyncTraces: true,
        });
        if (this.closing) {
          await connection.close();
          return;
        }
        this.connection = connection;
        this.acks = new PubAckInbox(connection, this.settings.publishTimeoutMs);
        this.connected = true;
        this.logger.info({ url: this.settings.url }, "connected to NATS");
        void this.watch(connection);
        await this.ensureStream();
        return;
      } catch (error) {
        this.noteError("cannot connect to NATS", error);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, 5_000);
      }
    }
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === "disconnect") {
        this.connected = false;
        this.acks?.failAll("disconnected from NATS before the PubAck arrived");
        this.logger.warn({ url: this.settings.url }, "disconnected from NATS; events wait in the outbox");
      } else if (status.type === "reconnect") {
        this.connected = true;
        this.logger.info({ url: this.settings.url }, "reconnected to NATS");
        await this.ensureStream();
      }
    }
    this.connected = false;
  }

  private async ensureStream(): Promise<void> {
    const connection = this.connection;
    if (!connection || this.ensuring) return;
    this.ensuring = true;
    const { stream, subjectPrefix, duplicateWindowMs, maxAgeMs } = this.settings;
    try {
      const manager = await jetstreamManager(connection);
      try {
        await manager.streams.info(stream);
      } catch (error) {
        if ((error as { name?: string }).name !== "StreamNotFoundError") throw error;
        await manager.streams.add({
          name: stream,
          subjects: [allEventsSubject(subjectPrefix)],
          storage: StorageType.File,
          duplicate_window: nanos(duplicateWindowMs),
          max_age: nanos(maxAgeMs),
          num_replicas: this.settings.streamReplicas ?? 1,
        });
        this.logger.info({ stream, subjects: allEventsSubject(subjectPrefix) }, "created JetStream stream");
      }
      this.streamReady = true;
      this.lastError = undefined;
    } catch (error) {
      this.streamReady = false;
      this.noteError("cannot find or create the JetStream stream", error);
    } finally {
      this.ensuring = false;
    }
  }

  private recreateStream(): void {
    if (!this.streamReady) return;
    this.streamReady = false;
    void this.ensureStream();
  }

  private noteError(message: string, error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    if (text !== this.lastError) this.logger.warn({ err: text, url: this.settings.url }, message);
    this.lastError = text;
  }
}

/** The header that makes JetStream store a message only when the stream's last sequence is the one given. */
const EXPECTED_LAST_SEQUENCE = "Nats-Expected-Last-Sequence";
/** The header that makes JetStream store a message only when the stream's last message has the given id. */
const EXPECTED_LAST_MSG_ID = "Nats-Expected-Last-Msg-Id";
/** A last sequence no stream reaches (the largest uint64). */
const IMPOSSIBLE_SEQUENCE = "18446744073709551615";
/** JetStream's error code for "wrong last sequence: <last>". */
const WRONG_LAST_SEQUENCE = 10071;
const EMPTY = new Uint8Array(0);

function refusal(ack: PubAck): Error {
  return new Error(`JetStream refused the message: ${ack.error?.description} (${ack.error?.code})`);
}

function isNoResponders(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? "";
  const message = error instanceof Error ? error.message : "";
  return name === "NoRespondersError" || /no responders/i.test(message);
}

/**
 * An event message's headers, written into nats.js's header map directly: every value is ours (a
 * UUID, digits, fixed names), so `set`'s key canonicalisation and value checks on each call are not
 * needed; they were 40 % of building and encoding these headers (3.2–3.5 against 1.9–2.1 µs an event
 * in a microbenchmark). The keys are written as `set` would store them.
 */
function eventHeaders(message: OutboxMessage, afterSequence: number): MsgHdrsImpl {
  const h = new EventHeaders();
  h.headers.set("Nats-Msg-Id", [message.eventId]);
  h.headers.set(EXPECTED_LAST_SEQUENCE, [String(afterSequence)]);
  h.headers.set("Content-Type", [EVENT_CONTENT_TYPE]);
  h.headers.set("Invsync-Message", [messageName(message.type)]);
  h.headers.set("Invsync-Event-Type", [message.type]);
  return h;
}

/** The payload message of a message of `type`: an alert's own, otherwise `InventoryEvent`. */
function messageName(type: string): string {
  return Object.hasOwn(ALERT_MESSAGE_NAMES, type) ? ALERT_MESSAGE_NAMES[type as keyof typeof ALERT_MESSAGE_NAMES] : EVENT_MESSAGE_NAME;
}

/**
 * An event's headers. The client encodes headers on every publish by joining a string header by
 * header and encoding it with TextEncoder, one ArrayBuffer per message; this writes the same bytes
 * in one pass into Node's pooled buffer memory: 2.3 µs a message against 0.95 in a microbenchmark
 * of the event's six headers, the relay's largest allocation after the client's own publish.
 */
export class EventHeaders extends MsgHdrsImpl {
  override encode(): Uint8Array {
    if (this._code !== 0 || this.headers.size === 0) return super.encode();
    let text = "NATS/1.0";
    for (const [key, values] of this.headers) for (const value of values) text += `\r\n${key}: ${value}`;
    return Buffer.from(`${text}\r\n\r\n`);
  }
}

/** The error of a message sent before the last of its run when that one did not confirm it. */
function unknownBehind(last: OutboxMessage, cause: Error): Error {
  return new Error(`not acknowledged: event ${last.eventId}, sent after it, did not confirm it (${cause.message})`);
}

/**
 * Fills in the outcomes of the run `first`..`last` of `messages` from the PubAck of its last: all
 * stored at their expected sequences, or the last's receipt or failure and the others unknown.
 */
function settleRun(messages: readonly OutboxMessage[], outcomes: PublishOutcome[], first: number, last: number, afterSequence: number, lastAck: Promise<PubAck>): Promise<void> {
  const lastMessage = messages[last]!;
  const unknown = (cause: Error) => {
    for (let i = first; i < last; i++) outcomes[i] = unknownBehind(lastMessage, cause);
  };
  return lastAck.then(
    (ack) => {
      if (ack.error) {
        const error = refusal(ack);
        unknown(error);
        outcomes[last] = error;
        return;
      }
      const receipt = { sequence: ack.seq ?? 0, duplicate: ack.duplicate === true };
      if (!receipt.duplicate && receipt.sequence === afterSequence + last + 1) {
        for (let i = first; i <= last; i++) outcomes[i] = { sequence: afterSequence + i + 1, duplicate: false };
        return;
      }
      unknown(new Error(`it is at stream sequence ${receipt.sequence}${receipt.duplicate ? " (sent before)" : ""}`));
      outcomes[last] = receipt;
    },
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      unknown(failure);
      outcomes[last] = failure;
    },
  );
}
