import type { DescService } from "@bufbuild/protobuf";
import { isInventorySyncError, ResourceExhaustedError } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import { toConnectError } from "./error-mapping.js";
import type { RegisteredService } from "./registered-service.js";

/** How much WMS write work may be in progress, and waiting, at once. */
export interface WmsWriteLimits {
  /** Batches being read, checked and applied at once. */
  readonly maxConcurrent: number;
  /** Declared request bytes in progress at once (a single request is always let in when nothing else runs). */
  readonly maxBytes: number;
  /** Batches that may wait for a slot (their bodies unread); one more is refused at once. */
  readonly maxQueued: number;
  /** Longest wait for a slot before the batch is refused. */
  readonly maxWaitMs: number;
  /** The wait suggested to a refused caller (`Retry-After`). */
  readonly retryAfterSeconds: number;
}

/** The code of a WMS write refused at capacity. */
export const WMS_OVERLOADED = "WMS.OVERLOADED";

interface Waiter {
  readonly bytes: number;
  /** Called once this waiter has been taken off the queue, to give it a slot. */
  readonly admit: () => void;
}

/**
 * Admission control for WMS writes on every transport. A few batches are applied at once (they
 * serialise on the hot SKUs' row locks and share one event loop anyway, so more at once adds memory,
 * not throughput); the next ones wait in arrival order with their bodies unread, a parked socket
 * each; beyond the queue, or after the longest wait, a write is refused with ResourceExhausted
 * (HTTP 429, `Retry-After`) instead of piling up until callers time out. Nothing of a refused
 * request is read or stored.
 */
export class WmsWriteLimit {
  private running = 0;
  private bytes = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limits: WmsWriteLimits) {}

  /** WMS writes in progress now. */
  get inFlight(): number {
    return this.running;
  }

  /** WMS writes waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Takes a slot for a write of `bytes` (0 when its size is not declared), waiting for one when the
   * queue has room, or rejects with `WMS.OVERLOADED`. Resolves with the function that gives the slot
   * back; calling it again does nothing. When `signal` aborts while waiting (the caller went away),
   * the write leaves the queue, so it holds no place a live caller could have, and the promise
   * rejects with the signal's reason.
   */
  async acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.waiting.length === 0 && this.fits(bytes)) return this.take(bytes);
    if (this.waiting.length >= this.limits.maxQueued) throw this.overloaded();
    return new Promise<() => void>((resolve, reject) => {
      const leave = (error: unknown): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abandoned);
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(error);
      };
      const abandoned = (): void => leave(signal!.reason);
      const waiter: Waiter = {
        bytes,
        admit: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", abandoned);
          resolve(this.take(bytes));
        },
      };
      const timer = setTimeout(() => leave(this.overloaded()), this.limits.maxWaitMs);
      signal?.addEventListener("abort", abandoned, { once: true });
      this.waiting.push(waiter);
    });
  }

  private fits(bytes: number): boolean {
    return this.running === 0 || (this.running < this.limits.maxConcurrent && this.bytes + bytes <= this.limits.maxBytes);
  }

  private take(bytes: number): () => void {
    this.running++;
    this.bytes += bytes;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.running--;
      this.bytes -= bytes;
      while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) this.waiting.shift()!.admit();
    };
  }

  private overloaded(): ResourceExhaustedError {
    const { maxConcurrent, maxQueued, retryAfterSeconds } = this.limits;
    return new ResourceExhaustedError(
      WMS_OVERLOADED,
      `the service is applying ${this.running} WMS batches with ${this.waiting.length} waiting, and takes at most ${maxConcurrent} at once with ${maxQueued} waiting; nothing was stored, retry after ${retryAfterSeconds} s`,
      { in_flight: String(this.running), queued: String(this.waiting.length), retry_after_seconds: String(retryAfterSeconds) },
    );
  }
}

/**
 * `registered` with every method behind `limit` when it is a WMS-facing service (`invsync.wms.*`),
 * for the gRPC server, where no HTTP gate runs; other services unchanged. `refused` is told the
 * code of each refusal (metrics).
 */
export function limitWmsWrites(registered: RegisteredService, limit: WmsWriteLimit, refused: (code: string) => void, logger: Logger): RegisteredService {
  if (!isWmsService(registered.service)) return registered;
  const impl = registered.impl as unknown as Record<string, (request: unknown, context: unknown) => Promise<unknown>>;
  const limited: Record<string, (request: unknown, context: unknown) => Promise<unknown>> = {};
  for (const method of registered.service.methods) {
    const call = impl[method.localName]!;
    limited[method.localName] = async (request, context) => {
      let release: () => void;
      try {
        release = await limit.acquire(0, (context as { signal?: AbortSignal }).signal);
      } catch (error) {
        if (!isInventorySyncError(error)) throw error; // the caller went away while waiting
        refused(WMS_OVERLOADED);
        throw toConnectError(error, logger, "admission");
      }
      try {
        return await call(request, context);
      } finally {
        release();
      }
    };
  }
  return { service: registered.service, impl: limited } as unknown as RegisteredService;
}

/** True for the WMS-facing contracts (`invsync.wms.v1`, `invsync.wms.v2`, …). */
export function isWmsService(service: DescService): boolean {
  return service.typeName.startsWith("invsync.wms.");
}
