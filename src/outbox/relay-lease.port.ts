/**
 * Port: the right to run the outbox relay. Exactly one relay per database publishes, so events of a
 * SKU are never sent by two processes at once; other replicas stand by and take over when the
 * holder's connection dies.
 */
export interface RelayLease {
  /** True when this process holds the lease (taking it if it is free). */
  acquire(): Promise<boolean>;
  /** Gives the lease up. */
  release(): Promise<void>;
}

/** A lease that is always held: for a database only this process can open (embedded mode). */
export const soleProcessLease: RelayLease = {
  acquire: async () => true,
  release: async () => undefined,
};
