import type { DescService } from "@bufbuild/protobuf";
import { ResourceExhaustedError } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import { toConnectError } from "./error-mapping.js";
import type { RegisteredService } from "./registered-service.js";

/** How much WMS write work may be in progress at once. */
export interface WmsWriteLimits {
  /** Batches being read, checked and applied at once. */
  readonly maxConcurrent: number;
  /** Declared request bytes in progress at once (a single request is always let in when nothing else runs). */
  readonly maxBytes: number;
  /** The wait suggested to a refused caller (`Retry-After`). */
  readonly retryAfterSeconds: number;
}

/** The code of a WMS write refused at capacity. */
export const WMS_OVERLOADED = "WMS.OVERLOADED";

/**
 * Admission control for WMS writes on every transport: a burst beyond what the database pool and
 * memory can carry is refused at once with ResourceExhausted (HTTP 429, `Retry-After`) instead of
 * queueing until callers time out and memory grows. Nothing of a refused request is read or stored.
 */
export class WmsWriteLimit {
  private running = 0;
  private bytes = 0;

  constructor(readonly limits: WmsWriteLimits) {}

  /** WMS writes in progress now. */
  get inFlight(): number {
    return this.running;
  }

  /**
   * Takes a slot for a write of `bytes` (0 when its size is not declared), or throws
   * `WMS.OVERLOADED`. The returned function gives the slot back; call it exactly once.
   */
  acquire(bytes: number): () => void {
    const { maxConcurrent, maxBytes, retryAfterSeconds } = this.limits;
    const fits = this.running === 0 || (this.running < maxConcurrent && this.bytes + bytes <= maxBytes);
    if (!fits) {
      throw new ResourceExhaustedError(
        WMS_OVERLOADED,
        `the service is applying ${this.running} WMS batches (${Math.round(this.bytes / 1024)} KiB) and takes at most ${maxConcurrent} (${Math.round(maxBytes / 1024)} KiB) at once; nothing was stored, retry after ${retryAfterSeconds} s`,
        { in_flight: String(this.running), retry_after_seconds: String(retryAfterSeconds) },
      );
    }
    this.running++;
    this.bytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.bytes -= bytes;
    };
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
        release = limit.acquire(0);
      } catch (error) {
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
