/**
 * The sender's side of a ready/enable handshake with a registered ready: the receiver returns credits as
 * timestamped messages, and the sender counts only those whose time has come. Returns nearly always arrive
 * in time order (a receiver frees its buffer in order); one that does not (two receivers sharing a sender's
 * credits, as a psum bank and the off-chip exit share a column's top PE) is sorted into place.
 *
 * Two kinds of credit can share one return queue, A and B, when the receiver frees both at once: a PE's iact
 * SPads return data entries (A) and an address slot (B) together. A receiver with one kind uses A alone.
 */
export class Credits {
  private free: number;
  private freeB: number;
  private times: Float64Array;
  private amounts: Int32Array;
  private amountsB: Int32Array;
  private mask: number; // capacity - 1: the capacity is a power of two
  private head = 0;
  private tail = 0;

  constructor(initial: number, initialB = 0) {
    this.free = initial;
    this.freeB = initialB;
    this.times = new Float64Array(4);
    this.amounts = new Int32Array(4);
    this.amountsB = new Int32Array(4);
    this.mask = 3;
  }

  /** Credits of kind A usable at `now` (returns up to `now` are counted for both kinds). */
  available(now: number): number {
    while (this.head !== this.tail && this.times[this.head & this.mask]! <= now) {
      this.free += this.amounts[this.head & this.mask]!;
      this.freeB += this.amountsB[this.head & this.mask]!;
      this.head++;
    }
    return this.free;
  }

  /**
   * Earliest cycle >= t at which `amount` credits of kind A and `amountB` of kind B are usable, counting only
   * returns already known (Infinity if those do not suffice). Callers ask for non-decreasing t, as a sender
   * acts in order.
   */
  earliest(t: number, amount: number, amountB = 0): number {
    let free = this.available(t);
    let freeB = this.freeB;
    if (free >= amount && freeB >= amountB) return t;
    for (let i = this.head; i < this.tail; i++) {
      free += this.amounts[i & this.mask]!;
      freeB += this.amountsB[i & this.mask]!;
      if (free >= amount && freeB >= amountB) return this.times[i & this.mask]!;
    }
    return Infinity;
  }

  /** Time of the earliest return not yet usable (Infinity if none is pending). */
  nextTime(): number {
    return this.head === this.tail ? Infinity : this.times[this.head & this.mask]!;
  }

  take(amount: number, amountB = 0): void {
    this.free -= amount;
    this.freeB -= amountB;
  }

  /** A return of `amount` credits of kind A (and `amountB` of kind B) that becomes usable at `time`. */
  give(time: number, amount: number, amountB = 0): void {
    if (this.tail - this.head === this.times.length) this.grow();
    const mask = this.mask;
    let k = this.tail++;
    // Keep pending returns in time order: shift later ones up one place.
    while (k > this.head && this.times[(k - 1) & mask]! > time) {
      this.times[k & mask] = this.times[(k - 1) & mask]!;
      this.amounts[k & mask] = this.amounts[(k - 1) & mask]!;
      this.amountsB[k & mask] = this.amountsB[(k - 1) & mask]!;
      k--;
    }
    this.times[k & mask] = time;
    this.amounts[k & mask] = amount;
    this.amountsB[k & mask] = amountB;
  }

  private grow(): void {
    const n = this.times.length;
    const times = new Float64Array(n * 2);
    const amounts = new Int32Array(n * 2);
    const amountsB = new Int32Array(n * 2);
    for (let k = 0; k < n; k++) {
      times[k] = this.times[(this.head + k) & this.mask]!;
      amounts[k] = this.amounts[(this.head + k) & this.mask]!;
      amountsB[k] = this.amountsB[(this.head + k) & this.mask]!;
    }
    this.times = times;
    this.amounts = amounts;
    this.amountsB = amountsB;
    this.mask = n * 2 - 1;
    this.tail = n;
    this.head = 0;
  }
}
