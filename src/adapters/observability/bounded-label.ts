/** The label value that stands for every value past the cap. */
export const OTHER_LABEL = "other";

/**
 * Keeps a label's set of values bounded: the first `max` distinct values seen are used as they
 * are, every later one becomes `other`. For label values that come from outside (a WMS's `wms_id`)
 * and are few in practice, so one misbehaving sender cannot flood Prometheus with series.
 */
export class BoundedLabel {
  private readonly kept = new Set<string>();

  constructor(private readonly max: number) {}

  /** `raw`, or `other` once `max` other values are taken. */
  value(raw: string): string {
    if (this.kept.has(raw)) return raw;
    if (this.kept.size >= this.max) return OTHER_LABEL;
    this.kept.add(raw);
    return raw;
  }
}
