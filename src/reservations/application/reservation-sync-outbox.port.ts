import type { EventOutbox } from "../../outbox/event-outbox.port.js";
import type { Transaction } from "../../shared/unit-of-work.js";
import { syncMessagesOf, type SyncMessage, type SyncMessageType } from "../domain/sync-message.js";

/** Port: the outbox of reservation changes to push to the WMS, written in the change's transaction. */
export interface ReservationSyncOutbox {
  append(tx: Transaction, messages: readonly SyncMessage[]): Promise<void>;
}

/** A message waiting to be sent, as the forwarder reads it. */
export interface SyncEntry {
  readonly messageId: string;
  readonly seq: bigint;
  readonly reservationId: string;
  /** The JSON body to send. */
  readonly body: string;
}

/** Where a sync message is: waiting (or retrying), acknowledged by the WMS, or refused and set aside. */
export type SyncMessageStatus = "pending" | "delivered" | "parked";

/** A sync message as stored, for operators. */
export interface StoredSyncMessage {
  readonly messageId: string;
  /** Commit order; the WMS receives the messages of one reservation in this order. */
  readonly seq: bigint;
  readonly reservationId: string;
  readonly type: SyncMessageType;
  readonly status: SyncMessageStatus;
  readonly attempts: number;
  readonly lastError: string | undefined;
  readonly parkedReason: string | undefined;
  readonly parkedAt: Date | undefined;
  readonly deliveredAt: Date | undefined;
  /** The WMS's answer when it acknowledged the message. */
  readonly acknowledgement: string | undefined;
  readonly createdAt: Date;
  /** The JSON body sent. */
  readonly body: string;
}

/** How far the sync is behind. */
export interface SyncBacklog {
  readonly pending: number;
  readonly parked: number;
  /** When the oldest pending message was written; undefined when none. */
  readonly oldestPendingAt: Date | undefined;
}

/**
 * The event outbox the reservation use cases write to, with every reservation change also written
 * to the sync outbox in the same transaction: a crash between the two cannot happen, and a WMS
 * outage only delays the push.
 */
export function syncingOutbox(events: EventOutbox, sync: ReservationSyncOutbox): EventOutbox {
  return {
    async append(tx, appended) {
      await events.append(tx, appended);
      const messages = syncMessagesOf(appended);
      if (messages.length > 0) await sync.append(tx, messages);
    },
  };
}
