import type { Knex } from "knex";
import type { Transaction, UnitOfWork } from "../../shared/unit-of-work.js";

/** What a knex adapter sees behind the opaque {@link Transaction}. */
interface KnexTransactionHandle {
  readonly trx: Knex.Transaction;
  readonly afterCommit: Array<() => void>;
}

/** The knex transaction behind `tx`; only persistence adapters call this. */
export function knexTransaction(tx: Transaction): Knex.Transaction {
  return (tx as unknown as KnexTransactionHandle).trx;
}

/** Registers `hook` to run once `tx` has committed (for example to wake the outbox relay). */
export function onCommit(tx: Transaction, hook: () => void): void {
  (tx as unknown as KnexTransactionHandle).afterCommit.push(hook);
}

/** PostgreSQL errors after which the whole transaction may simply be run again. */
const RETRYABLE_SQLSTATES = new Set(["40001", "40P01"]);

/** A unit of work over knex transactions; re-runs work after a deadlock or serialization failure. */
export class KnexUnitOfWork implements UnitOfWork {
  constructor(
    private readonly knex: Knex,
    private readonly maxAttempts = 4,
  ) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const handle: KnexTransactionHandle = { trx: undefined as unknown as Knex.Transaction, afterCommit: [] };
      try {
        const result = await this.knex.transaction(async (trx) => {
          (handle as { trx: Knex.Transaction }).trx = trx;
          return work(handle as unknown as Transaction);
        });
        for (const hook of handle.afterCommit) hook();
        return result;
      } catch (error) {
        if (attempt >= this.maxAttempts || !isRetryable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
      }
    }
  }
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && RETRYABLE_SQLSTATES.has(code);
}
