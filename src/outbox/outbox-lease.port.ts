import type { Lease } from "../shared/lease.port.js";
import type { OutboxShare } from "./outbox-partition.js";

/**
 * Port: which part of the outbox this process's relay may publish now. Several replicas split the
 * outbox's partitions between them (each partition held by one at a time); a single relay holds the
 * whole outbox or nothing.
 */
export interface OutboxLease {
  /** The share this process holds now (taking what is free and its own). */
  acquire(): Promise<OutboxShare>;
  /** Gives every part up. */
  release(): Promise<void>;
}

/** The whole outbox while `lease` is held, nothing otherwise: one relay per database. */
export function wholeOutbox(lease: Lease): OutboxLease {
  return {
    acquire: async () => ((await lease.acquire()) ? "all" : []),
    release: () => lease.release(),
  };
}
