/**
 * The discrete-event engine's pending-event queue: a binary min-heap over typed arrays.
 *
 * Why this structure: bench/event-queue.bench.ts, Node 20 on 2 shared AMD EPYC cores, millions of ops/sec
 * (op = a push or a pop), steady state (~200 pending) / push-1000-then-pop-all, three runs:
 *   this queue                               24-30 / 27-36
 *   flatqueue 3 (packed key, slot pool)      21-27 / 26-33
 *   4-ary heap, packed key                   17-22 / 18-23
 *   binary heap, time and seq arrays         14-18 / 14-19
 *   tinyqueue 3 (event objects)               9-12 /  9-12
 *   heap-js 2 (event objects)                 6-9  /  7-9
 * flatqueue comes close (same algorithm), but needs a side pool for the payload and cannot renumber seq
 * without touching its internals. Choosing the smaller child without a branch was worth ~35% here (that
 * choice is a coin flip, so a branch mispredicts half the time). A 4-ary heap is shallower but its pop does
 * 3 compares per level and loses at these sizes.
 *
 * Each event is one packed Float64 key `time * 2^21 + seq` plus two Int32 payload slots, so a comparison is
 * a single double compare, there is no object per event (nothing for the GC to trace or collect at ~10^7
 * events per run), and `seq` (insertion order) makes every key unique, which gives FIFO order among events
 * of the same cycle: runs are deterministic whatever the heap's shape.
 *
 * A double is exact up to 2^53, so the key leaves 32 bits for the time (cycles < 2^32) and 21 bits for seq.
 * When seq reaches 2^21 the pending events are renumbered 0..n-1 in their (time, seq) order. Renumbering
 * keeps every pairwise order, so it is invisible from outside; it sorts the pending events (a sorted array
 * is a valid heap), which at the typical ~10..1000 pending events costs nothing next to the 2M pushes
 * between two renumberings.
 */
import { SimulationError } from '../errors.js';

const SEQ_SPAN = 2 ** 21;
const INV_SEQ_SPAN = 1 / SEQ_SPAN; // exact: a power of two
/** Latest time an event can be scheduled at (the key must stay below 2^53). */
export const MAX_EVENT_TIME = 2 ** 32 - 1;

export class EventQueue {
  /** The event removed by the last successful `pop()`. */
  time = 0;
  target = 0;
  kind = 0;

  private keys: Float64Array;
  private targets: Int32Array;
  private kinds: Int32Array;
  private n = 0;
  private nextSeq = 0;

  constructor(initialCapacity = 1024) {
    const capacity = Math.max(1, initialCapacity | 0);
    this.keys = new Float64Array(capacity);
    this.targets = new Int32Array(capacity);
    this.kinds = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** Time of the earliest pending event, Infinity when there is none. */
  peekTime(): number {
    return this.n === 0 ? Infinity : Math.floor(this.keys[0] * INV_SEQ_SPAN);
  }

  /** Schedules an event; `target` and `kind` are stored as int32. */
  push(time: number, target: number, kind: number): void {
    // One check covers NaN, negatives, fractions and times >= 2^32.
    if (time >>> 0 !== time) throw new SimulationError(`event time ${time} is not an integer cycle in [0, 2^32)`);
    if (this.n === this.keys.length) this.grow();
    if (this.nextSeq === SEQ_SPAN) this.renumber();
    const key = time * SEQ_SPAN + this.nextSeq++;
    const { keys, targets, kinds } = this;
    // Sift the hole up from the end; keys are unique, so `<` vs `<=` cannot matter.
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentKey = keys[parent];
      if (parentKey < key) break;
      keys[i] = parentKey;
      targets[i] = targets[parent];
      kinds[i] = kinds[parent];
      i = parent;
    }
    keys[i] = key;
    targets[i] = target;
    kinds[i] = kind;
  }

  /** Removes the earliest event into `time`, `target`, `kind`; false (fields untouched) when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const { keys, targets, kinds } = this;
    this.time = Math.floor(keys[0] * INV_SEQ_SPAN);
    this.target = targets[0];
    this.kind = kinds[0];
    const last = --this.n;
    if (last > 0) {
      // Sift the last element down from the root.
      const key = keys[last];
      const half = last >> 1;
      let i = 0;
      while (i < half) {
        // Branch-free choice of the smaller child (see the top comment).
        const left = 2 * i + 1;
        const right = left + 1;
        const child = left + (+(right < last) & +(keys[right] < keys[left]));
        const childKey = keys[child];
        if (childKey > key) break;
        keys[i] = childKey;
        targets[i] = targets[child];
        kinds[i] = kinds[child];
        i = child;
      }
      keys[i] = key;
      targets[i] = targets[last];
      kinds[i] = kinds[last];
    }
    return true;
  }

  /** Drops every pending event (capacity is kept). */
  clear(): void {
    this.n = 0;
    this.nextSeq = 0;
  }

  private grow(): void {
    const capacity = this.keys.length * 2;
    const keys = new Float64Array(capacity);
    const targets = new Int32Array(capacity);
    const kinds = new Int32Array(capacity);
    keys.set(this.keys);
    targets.set(this.targets);
    kinds.set(this.kinds);
    this.keys = keys;
    this.targets = targets;
    this.kinds = kinds;
  }

  /** Gives the pending events seq 0..n-1 in their current order (see the top comment). */
  private renumber(): void {
    const n = this.n;
    if (n >= SEQ_SPAN) throw new SimulationError(`more than ${SEQ_SPAN - 1} pending events`);
    const { keys, targets, kinds } = this;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b]);
    const sortedKeys = order.map((i) => keys[i]);
    const sortedTargets = order.map((i) => targets[i]);
    const sortedKinds = order.map((i) => kinds[i]);
    for (let i = 0; i < n; i++) {
      keys[i] = Math.floor(sortedKeys[i] * INV_SEQ_SPAN) * SEQ_SPAN + i;
      targets[i] = sortedTargets[i];
      kinds[i] = sortedKinds[i];
    }
    this.nextSeq = n;
  }
}
