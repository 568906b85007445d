import type { RawMessage } from "./raw-message.js";

/**
 * Why a message could not be handed to the consumer:
 * - `unknown-message-type`: `Invsync-Message` names a type the registry does not know;
 * - `missing-header`: a header every message carries is absent (`header` names it);
 * - `contradicting-header`: a header or the subject says something the payload does not;
 * - `undecodable-payload`: the bytes are not the protobuf message the header names;
 * - `invalid-payload`: it decodes, but breaks the contract (no id, no SKU, version 0, …);
 * - `handler-failed`: the consumer's own handler threw on it on every one of its deliveries.
 */
export type DeadLetterReason =
  | "unknown-message-type"
  | "missing-header"
  | "contradicting-header"
  | "undecodable-payload"
  | "invalid-payload"
  | "handler-failed";

/** A message the kit reports instead of delivering; it is then removed from the consumer (terminated), never redelivered. */
export interface DeadLetter {
  readonly reason: DeadLetterReason;
  /** What exactly is wrong, for a person (`header Invsync-Message is missing`). */
  readonly detail: string;
  /** The header concerned, for header reasons. */
  readonly header?: string;
  /** The message as received. */
  readonly raw: RawMessage;
}

/** A dead letter as a value (what {@link decodeMessage} returns for a bad message). */
export function deadLetter(reason: DeadLetterReason, detail: string, raw: RawMessage, header?: string): DeadLetter {
  return header === undefined ? { reason, detail, raw } : { reason, detail, raw, header };
}
