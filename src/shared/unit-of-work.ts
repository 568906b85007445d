/**
 * An open database transaction, opaque to domain and application code: they only pass it from the
 * unit of work to the repositories and the outbox, so every write of a use case commits together.
 */
export type Transaction = { readonly __transaction: unique symbol };

/** Runs work in one transaction: all of it commits, or none of it does. */
export interface UnitOfWork {
  /**
   * Runs `work` in a new transaction and commits when it resolves; rolls back when it throws.
   * Implementations may re-run `work` after a deadlock or serialization failure, so `work` must
   * not have effects outside the transaction.
   */
  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
}
