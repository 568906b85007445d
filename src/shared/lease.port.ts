/**
 * Port: the right to be the one process that does a job (run the outbox relay, forward the legacy
 * feed). Other replicas stand by and take over when the holder dies or loses its connection.
 */
export interface Lease {
  /** True when this process holds the lease (taking it if it is free). */
  acquire(): Promise<boolean>;
  /** Gives the lease up. */
  release(): Promise<void>;
}

/** A lease that is always held: for a database only this process can open (embedded mode). */
export const soleProcessLease: Lease = {
  acquire: async () => true,
  release: async () => undefined,
};
