/**
 * At most `size` holders at once; the others wait, first come first served. The WMS gate takes a
 * slot before it reads a batch's body and gives it back when the response is done, so the service
 * holds and ingests a bounded number of batches at a time: memory stays bounded however many WMS
 * senders push at once, and a waiting batch costs a parked socket, not parsed objects.
 */
export class AdmissionSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`admission slots must be a positive integer, got ${size}`);
    this.free = size;
  }

  /** Batches waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves once a slot is held, with the function that gives it back (calling it again does nothing). */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}
