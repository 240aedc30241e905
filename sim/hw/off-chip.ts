import type { Component, Simulator } from '../engine/simulator.js';
import type { AccessCounts, DataType } from '../stats/access-counts.js';

/**
 * The off-chip interface: DRAM behind a link of finite aggregate (read + write) bandwidth, or unlimited as in
 * JETCAS19's headline results. Requests are served first come, first served; requests of the same cycle in
 * requester order, so the result does not depend on which component stepped first. Data moves in the
 * hardware's format (CSC with metadata for iacts and weights), so the bits requested are the bits moved.
 *
 * Its state is bounded by the requests in flight, not by the layer's length: a ticket is a slot that the
 * requester gives back (`release`) once it has read the ready time, and requests nobody waits for (output
 * writes) take no slot.
 */
export class OffChipInterface implements Component {
  readonly name = 'off-chip';
  id = -1;
  private busyUntil = 0; // fractional cycles
  // Ready time per ticket slot, and the free slots as a stack.
  private readyTimes = new Float64Array(64);
  private freeSlots = Int32Array.from({ length: 64 }, (_, i) => 63 - i);
  private freeCount = 64;
  // Requests waiting for arbitration (finite bandwidth), as parallel arrays in arrival order.
  private pTicket = new Int32Array(16);
  private pRequester = new Int32Array(16);
  private pBits = new Float64Array(16);
  private pTime = new Float64Array(16);
  private pSeq = new Float64Array(16);
  private pCount = 0;
  private seq = 0;
  private due = new Int32Array(16);
  /** Cycle at which the last transfer (read or write) completes. */
  lastCompletion = 0;
  /** Bits read and written, for the report's dramBytes. */
  readBits = 0;
  writeBits = 0;

  constructor(
    private readonly sim: Simulator,
    private readonly counts: AccessCounts,
    /** Bits per cycle of the link, or null for unlimited. */
    private readonly bitsPerCycle: number | null,
    readonly latency: number,
  ) {}

  get unlimited(): boolean {
    return this.bitsPerCycle === null;
  }

  /** Ticket slots in use (for the bounded-state test). */
  get ticketsInUse(): number {
    return this.readyTimes.length - this.freeCount;
  }

  /**
   * Requests a transfer; returns a ticket for `readyAt` (to be released), or -1 when nobody reads its ready
   * time (`requester` -1, or `ticket` false). With unlimited bandwidth the data is ready `latency` cycles later
   * at once; otherwise the request is arbitrated at the next cycle and `requester` is woken when it completes.
   */
  request(now: number, bits: number, dataType: DataType, write: boolean, requester: number, ticketed = requester >= 0): number {
    this.counts.add('dram', dataType, write ? 'write' : 'read', bits);
    if (write) this.writeBits += bits;
    else this.readBits += bits;
    const ticket = ticketed ? this.takeSlot() : -1;
    if (this.bitsPerCycle === null) {
      const done = now + this.latency;
      if (ticket >= 0) this.readyTimes[ticket] = done;
      if (done > this.lastCompletion) this.lastCompletion = done;
    } else {
      if (ticket >= 0) this.readyTimes[ticket] = Infinity;
      this.queue(ticket, requester, bits, now);
      this.sim.wake(this.id, now + 1);
    }
    return ticket;
  }

  readyAt(ticket: number): number {
    return this.readyTimes[ticket]!;
  }

  /** The requester has read its ready time: the slot can be reused. */
  release(ticket: number): void {
    this.freeSlots[this.freeCount++] = ticket;
  }

  step(now: number): void {
    if (this.pCount === 0 || this.bitsPerCycle === null) return;
    // Requests made before this cycle, in (time, requester, arrival) order; the rest stay queued.
    let nDue = 0;
    let kept = 0;
    for (let i = 0; i < this.pCount; i++) {
      if (this.pTime[i]! < now) {
        this.due[nDue++] = i;
      }
    }
    if (nDue === 0) return;
    const { pTime, pRequester, pSeq } = this;
    const before = (a: number, b: number): boolean =>
      pTime[a]! !== pTime[b]! ? pTime[a]! < pTime[b]! : pRequester[a]! !== pRequester[b]! ? pRequester[a]! < pRequester[b]! : pSeq[a]! < pSeq[b]!;
    for (let i = 1; i < nDue; i++) {
      const x = this.due[i]!;
      let j = i;
      for (; j > 0 && before(x, this.due[j - 1]!); j--) this.due[j] = this.due[j - 1]!;
      this.due[j] = x;
    }
    for (let k = 0; k < nDue; k++) {
      const i = this.due[k]!;
      const start = Math.max(this.busyUntil, now);
      this.busyUntil = start + this.pBits[i]! / this.bitsPerCycle;
      const done = Math.ceil(this.busyUntil) + this.latency;
      const ticket = this.pTicket[i]!;
      if (ticket >= 0) this.readyTimes[ticket] = done;
      if (done > this.lastCompletion) this.lastCompletion = done;
      if (pRequester[i]! >= 0) this.sim.wake(pRequester[i]!, done);
    }
    // Keep the requests not yet due, in order.
    for (let i = 0; i < this.pCount; i++) {
      if (this.pTime[i]! >= now) this.move(i, kept++);
    }
    this.pCount = kept;
  }

  private takeSlot(): number {
    if (this.freeCount === 0) {
      const n = this.readyTimes.length;
      const times = new Float64Array(n * 2);
      times.set(this.readyTimes);
      this.readyTimes = times;
      const free = new Int32Array(n * 2);
      for (let i = 0; i < n; i++) free[i] = 2 * n - 1 - i;
      this.freeSlots = free;
      this.freeCount = n;
    }
    return this.freeSlots[--this.freeCount]!;
  }

  private queue(ticket: number, requester: number, bits: number, time: number): void {
    if (this.pCount === this.pTicket.length) {
      const n = this.pCount * 2;
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(n);
        b.set(a);
        return b;
      };
      this.pTicket = grow(this.pTicket, (k) => new Int32Array(k));
      this.pRequester = grow(this.pRequester, (k) => new Int32Array(k));
      this.pBits = grow(this.pBits, (k) => new Float64Array(k));
      this.pTime = grow(this.pTime, (k) => new Float64Array(k));
      this.pSeq = grow(this.pSeq, (k) => new Float64Array(k));
      this.due = new Int32Array(n);
    }
    const i = this.pCount++;
    this.pTicket[i] = ticket;
    this.pRequester[i] = requester;
    this.pBits[i] = bits;
    this.pTime[i] = time;
    this.pSeq[i] = this.seq++;
  }

  private move(from: number, to: number): void {
    if (from === to) return;
    this.pTicket[to] = this.pTicket[from]!;
    this.pRequester[to] = this.pRequester[from]!;
    this.pBits[to] = this.pBits[from]!;
    this.pTime[to] = this.pTime[from]!;
    this.pSeq[to] = this.pSeq[from]!;
  }
}
