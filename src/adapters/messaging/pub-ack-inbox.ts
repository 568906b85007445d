import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from "@nats-io/transport-node";

interface PendingAck {
  readonly resolve: (ack: PubAck) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
}

/** The PubAck JetStream sends back for a published message (`error` when it stored nothing). */
export interface PubAck {
  readonly stream?: string;
  readonly seq?: number;
  readonly duplicate?: boolean;
  readonly error?: { readonly code: number; readonly err_code?: number; readonly description: string };
}

/**
 * Publishes to JetStream with one reply subscription for every PubAck, instead of a request (with
 * its own timer, promise race and eagerly built Error objects) per message, which took a third of
 * the relay's CPU under load. Acknowledgements arriving together resolve together, so the next
 * publishes they trigger leave in one socket write. Timeouts are swept, not timed one by one.
 */
export class PubAckInbox {
  private readonly prefix = `${createInbox()}.`;
  private readonly pending = new Map<number, PendingAck>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private nextToken = 0;

  constructor(
    private readonly connection: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.subscription = connection.subscribe(`${this.prefix}*`, {
      callback: (error, msg) => {
        if (!error) this.acknowledge(msg);
      },
    });
    this.sweeper = setInterval(() => this.expire(), Math.min(250, timeoutMs));
    this.sweeper.unref();
  }

  /** Publishes and resolves with the PubAck, refusals included; rejects when none came (no stream, timeout, disconnect). */
  publish(subject: string, payload: Uint8Array, headers: MsgHdrs): Promise<PubAck> {
    const token = ++this.nextToken;
    return new Promise<PubAck>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      try {
        this.connection.publish(subject, payload, { reply: `${this.prefix}${token}`, headers });
      } catch (error) {
        this.pending.delete(token);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Number of publishes waiting for their PubAck. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Fails every publish still waiting (the connection dropped: their acks will never come). */
  failAll(reason: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const ack of waiting) ack.reject(new Error(reason));
  }

  /** Stops listening and fails whatever is still waiting. */
  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    this.failAll("publisher closed");
  }

  private acknowledge(msg: Msg): void {
    const token = Number(msg.subject.slice(this.prefix.length));
    const ack = this.pending.get(token);
    if (!ack) return;
    this.pending.delete(token);
    if (msg.headers?.code === 503 || msg.data.length === 0) {
      ack.reject(new Error("no responders: no JetStream stream takes this subject"));
      return;
    }
    ack.resolve(msg.json<PubAck>());
  }

  private expire(): void {
    const now = Date.now();
    // Deadlines grow with insertion order, so the first live one ends the sweep.
    for (const [token, ack] of this.pending) {
      if (ack.deadline > now) break;
      this.pending.delete(token);
      ack.reject(new Error(`no PubAck within ${this.timeoutMs} ms`));
    }
  }
}
