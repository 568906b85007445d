import type { RecordPosition } from "./consumer-store.js";
import type { RecordKey, VersionedRecord } from "./message-types.js";

/**
 * How a consumer treats the first message it sees of a record: `require-version-1` (it reads the
 * stream from the start, so anything else is a gap) or `adopt` (it started from a point in time or
 * a sequence, so the first version it sees is where it joins the record).
 */
export type FirstSight = "require-version-1" | "adopt";

/**
 * What version continuity says of a message against its record's last position:
 * - `apply`: the next change (version = last + 1), or an observation of the last one (a shortfall);
 * - `duplicate`: already applied (the last message's id, or a version a fetched state covers);
 * - `gap`: versions between the last and this one are missing;
 * - `step-back`: a version at or below the last, under an id not applied (a redelivery out of order).
 */
export type Verdict = { readonly kind: "apply" } | { readonly kind: "duplicate" } | { readonly kind: "gap" } | { readonly kind: "step-back" };

/** Judges `record` (message `id`) against `last`, the record's position (undefined: never seen). */
export function judgeVersion(last: RecordPosition | undefined, record: VersionedRecord, id: string, firstSight: FirstSight): Verdict {
  if (!last) {
    if (firstSight === "adopt") return { kind: "apply" };
    return record.version === 1n && !record.sharesVersion ? { kind: "apply" } : { kind: "gap" };
  }
  if (id === last.eventId) return { kind: "duplicate" };
  if (record.sharesVersion && record.version === last.version) return last.fromState ? { kind: "duplicate" } : { kind: "apply" };
  if (!record.sharesVersion && record.version === last.version + 1n) return { kind: "apply" };
  if (record.version > last.version) return { kind: "gap" };
  return last.fromState ? { kind: "duplicate" } : { kind: "step-back" };
}

/** How a gap was dealt with: the missing events re-read, the record's current state fetched, or neither (applied as it came). */
export type Healing = "events" | "state" | "none";

/** A break in a record's versions, as reported to the consumer. */
export interface ContinuityIssue {
  readonly kind: "gap" | "step-back";
  readonly record: RecordKey;
  /** The record's last version before this message (0 when never seen). */
  readonly lastVersion: bigint;
  /** The message's version. */
  readonly version: bigint;
  readonly eventId: string;
  readonly streamSequence: number;
  /** For a gap: how it was healed. A step back is skipped (never applied). */
  readonly healing?: Healing;
}
