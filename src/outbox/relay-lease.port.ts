import type { Lease } from "../shared/lease.port.js";

export { soleProcessLease } from "../shared/lease.port.js";

/**
 * Port: the right to run the outbox relay. Exactly one relay per database publishes, so events of a
 * SKU are never sent by two processes at once; other replicas stand by and take over when the
 * holder's connection dies.
 */
export type RelayLease = Lease;
