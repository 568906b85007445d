import assert from "node:assert/strict";
import { isInventorySyncError, type InventorySyncError } from "../../src/shared/errors.js";

/** Resolves to the error `promise` rejects with, which must be one of ours (fails when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<InventorySyncError> {
  const error = await promise.then(
    () => assert.fail("expected a failure"),
    (e: unknown) => e,
  );
  assert.ok(isInventorySyncError(error), `expected one of our errors, got ${String(error)}`);
  return error;
}
