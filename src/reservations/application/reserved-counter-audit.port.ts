/** One stock record whose reserved counter differs from the sum of its active reservations. */
export interface ReservedCounterDrift {
  readonly sku: string;
  readonly locationId: string;
  readonly reserved: number;
  readonly activeReserved: number;
}

/** The result of comparing every reserved counter with its active reservations. */
export interface ReservedCounterReport {
  readonly recordsChecked: number;
  readonly driftedRecords: number;
  readonly driftedSkus: number;
  /** The first drifted records, in SKU and location order. */
  readonly drifts: readonly ReservedCounterDrift[];
}

/** Port: the drift check, one set-based comparison over all stock records and reservations. */
export interface ReservedCounterAudit {
  /** Compares every record; lists at most `sampleSize` drifted ones. */
  verify(sampleSize: number): Promise<ReservedCounterReport>;
}
