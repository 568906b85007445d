import { seededRandom } from "./stats.js";

/** The shape of the generated WMS traffic. */
export interface WorkloadSettings {
  readonly skus: number;
  /** Zipf exponent of SKU popularity (1.0: the top SKU gets ~8% of updates among 100k). */
  readonly zipfExponent: number;
  readonly minBatch: number;
  readonly maxBatch: number;
  /** Share of updates resent from an earlier batch (duplicates). */
  readonly duplicateShare: number;
  /** Share of updates held back and sent in a later batch (out of order; stale when overtaken). */
  readonly lateShare: number;
  readonly seed: number;
}

/** One update as the bench keeps it (compact), and as JSON for the wire. */
export interface GeneratedUpdate {
  readonly sequence: number;
  readonly sku: number;
  readonly quantity: number;
  readonly observedAt: number;
}

/** SKU index → SKU code. */
export function skuCode(index: number): string {
  return `SKU-${String(index).padStart(6, "0")}`;
}

/** Samples SKU indexes with Zipf-skewed popularity (inverse CDF by binary search). */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(
    size: number,
    exponent: number,
    private readonly random: () => number,
  ) {
    this.cdf = new Float64Array(size);
    let total = 0;
    for (let i = 0; i < size; i++) this.cdf[i] = total += 1 / (i + 1) ** exponent;
    for (let i = 0; i < size; i++) this.cdf[i]! /= total;
  }

  next(): number {
    const u = this.random();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * One WMS source: its own `wms_id`, sequence counter and location (a warehouse has one WMS, so
 * sources never race for the same stock record). Each batch mixes fresh updates with resent
 * ones (duplicates) and late ones (held back from an earlier batch), in shuffled order.
 */
export class WmsSender {
  private sequence = 0;
  private previous: GeneratedUpdate[] = [];
  private held: GeneratedUpdate[] = [];
  private readonly random: () => number;
  private readonly zipf: ZipfSampler;

  constructor(
    readonly wmsId: string,
    private readonly settings: WorkloadSettings,
    senderIndex: number,
    zipf?: ZipfSampler,
  ) {
    this.random = seededRandom(settings.seed * 7919 + senderIndex);
    this.zipf = zipf ?? new ZipfSampler(settings.skus, settings.zipfExponent, this.random);
  }

  /** The next batch of about `size` updates (random in the configured range when omitted). */
  nextBatch(size?: number): GeneratedUpdate[] {
    const { minBatch, maxBatch, duplicateShare, lateShare } = this.settings;
    const n = size ?? minBatch + Math.floor(this.random() * (maxBatch - minBatch + 1));
    const now = Date.now();
    const batch: GeneratedUpdate[] = [...this.held];
    this.held = [];
    const fresh: GeneratedUpdate[] = [];
    while (batch.length + fresh.length < n) {
      const update = { sequence: ++this.sequence, sku: this.zipf.next(), quantity: Math.floor(this.random() * 1000), observedAt: now };
      if (this.random() < lateShare) this.held.push(update);
      else fresh.push(update);
    }
    const duplicates = Math.round(n * duplicateShare);
    for (let i = 0; i < duplicates && this.previous.length > 0; i++) {
      batch.push(this.previous[Math.floor(this.random() * this.previous.length)]!);
    }
    batch.push(...fresh);
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    this.previous = fresh;
    return batch;
  }

  /** The location this source counts. */
  get locationId(): string {
    return `DC-${this.wmsId}`;
  }

  /** `updates` as the JSON body of a Connect `SyncInventory` request. */
  toJson(batchId: string, updates: readonly GeneratedUpdate[]): string {
    return `{"batchId":"${batchId}","updates":[${updates.map((u) => this.toJsonLine(u)).join(",")}]}`;
  }

  /** One update in the v1 contract's JSON: an element of a request's `updates`, or a line of a dropped `*.v1.jsonl` file. */
  toJsonLine(u: GeneratedUpdate): string {
    return `{"wmsId":"${this.wmsId}","sequence":"${u.sequence}","sku":"${skuCode(u.sku)}","quantity":${u.quantity},"status":"COUNTED","locationId":"${this.locationId}","observedAt":"${new Date(u.observedAt).toISOString()}"}`;
  }

  /** `updates` as the JSON body of a WMS v2 `SyncStock` request: each a snapshot of sellable stock. */
  toV2Json(batchRef: string, updates: readonly GeneratedUpdate[]): string {
    const records = updates.map(
      (u) =>
        `{"sourceSystem":"${this.wmsId}","seqNo":"${u.sequence}","itemCode":"${skuCode(u.sku)}","site":"${this.locationId}","eventTime":"${new Date(u.observedAt).toISOString()}","snapshot":{"sellable":"${u.quantity}"}}`,
    );
    return `{"batchRef":"${batchRef}","records":[${records.join(",")}]}`;
  }
}
