/**
 * The outbox partition of a stock record: FNV-1a (32 bit) of its SKU and location, modulo the
 * number of partitions. Every event of a record is in the same partition, so one replica at a time
 * publishes a record's events, in order. The hash is fixed: changing it (or `RELAY_PARTITIONS`)
 * while events wait in the outbox would split a record's waiting events over two partitions.
 */
export function outboxPartition(sku: string, locationId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  const key = `${sku}\u0000${locationId}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** What the relay of this process may publish: the whole outbox, or the rows of some partitions (maybe none). */
export type OutboxShare = "all" | readonly number[];

/** True when `share` holds nothing to publish. */
export function isEmptyShare(share: OutboxShare): boolean {
  return share !== "all" && share.length === 0;
}
