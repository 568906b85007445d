/**
 * The count freeze: a WMS count of a stock record waits while a pick on that record is in progress
 * (its units gone from the floor, its fulfilment not yet answered), then reads the floor; while a
 * count waits, the record's later WMS updates queue behind it (the WMS reads a record in its
 * sequence order) and new picks on it wait for it (so a busy record is still counted).
 */
export class CountFreeze {
  private readonly picking = new Map<string, number>();
  private readonly queued = new Map<string, Array<() => void>>();
  private readonly waitingPicks = new Map<string, Array<() => void>>();

  /** Runs the WMS's read `run` of record `key` now, or once the record's picks in progress are done when it is a count or others wait. */
  read(key: string, isCount: boolean, run: () => void): void {
    const queue = this.queued.get(key);
    if (queue) queue.push(run);
    else if (isCount && (this.picking.get(key) ?? 0) > 0) this.queued.set(key, [run]);
    else run();
  }

  /** Resolves when no WMS read of record `key` is waiting. */
  async beforePick(key: string): Promise<void> {
    while (this.queued.has(key)) {
      await new Promise<void>((resolve) => {
        const list = this.waitingPicks.get(key);
        if (list) list.push(resolve);
        else this.waitingPicks.set(key, [resolve]);
      });
    }
  }

  /** A pick on record `key` took its units off the floor; its fulfilment is on its way. */
  pickStarted(key: string): void {
    this.picking.set(key, (this.picking.get(key) ?? 0) + 1);
  }

  /** The fulfilment of a pick on record `key` was answered: when none is left in progress, the waiting reads run, then waiting picks go. */
  pickEnded(key: string): void {
    const left = (this.picking.get(key) ?? 0) - 1;
    if (left > 0) {
      this.picking.set(key, left);
      return;
    }
    this.picking.delete(key);
    const queue = this.queued.get(key);
    this.queued.delete(key);
    for (const run of queue ?? []) run();
    const picks = this.waitingPicks.get(key);
    this.waitingPicks.delete(key);
    for (const resume of picks ?? []) resume();
  }
}
