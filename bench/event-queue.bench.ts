/**
 * Which priority queue should the discrete-event engine use? Candidates, all FIFO among equal times:
 *  - EventQueue: the engine's queue (sim/engine/event-queue.ts), binary heap, packed Float64 key time*2^21+seq;
 *  - a binary heap with time and seq in two parallel Float64Arrays (two compares on a tie);
 *  - a 4-ary heap with the packed key (shallower, but 3 compares per level);
 *  - flatqueue (packed key as priority, payload in a slot pool indexed by the queue's ids);
 *  - tinyqueue and heap-js, holding one object per event with a (time, seq) comparator.
 * The hand-written alternatives and flatqueue let seq wrap at 2^21 instead of renumbering as EventQueue does:
 * that costs the same, and renumbering is measured as part of EventQueue.
 *
 * Workloads (one op = one push or one pop):
 *  - steady: ~200 pending; each pop pushes 0..2 events at now+1..now+50 (half of them within now+4);
 *  - burst: push 1000 events at roughly increasing times, then pop them all.
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/event-queue.bench.js
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Benchmark from 'benchmark';
import FlatQueue from 'flatqueue';
import { Heap } from 'heap-js';
import TinyQueue from 'tinyqueue';
import { EventQueue } from '../sim/engine/event-queue.js';

interface Queue {
  readonly size: number;
  time: number;
  target: number;
  kind: number;
  push(time: number, target: number, kind: number): void;
  pop(): boolean;
}

const SEQ_SPAN = 2 ** 21;
const SEQ_MASK = SEQ_SPAN - 1;

class BinaryHeapTwoArrays implements Queue {
  time = 0;
  target = 0;
  kind = 0;
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private targets = new Int32Array(1024);
  private kinds = new Int32Array(1024);
  private n = 0;
  private nextSeq = 0;

  get size(): number {
    return this.n;
  }

  push(time: number, target: number, kind: number): void {
    if (this.n === this.times.length) this.grow();
    const seq = this.nextSeq++;
    const { times, seqs, targets, kinds } = this;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < time || (pt === time && seqs[p] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p];
      targets[i] = targets[p];
      kinds[i] = kinds[p];
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    targets[i] = target;
    kinds[i] = kind;
  }

  pop(): boolean {
    if (this.n === 0) return false;
    const { times, seqs, targets, kinds } = this;
    this.time = times[0];
    this.target = targets[0];
    this.kind = kinds[0];
    const last = --this.n;
    if (last > 0) {
      const t = times[last];
      const s = seqs[last];
      const half = last >> 1;
      let i = 0;
      while (i < half) {
        let c = 2 * i + 1;
        const r = c + 1;
        if (r < last && (times[r] < times[c] || (times[r] === times[c] && seqs[r] < seqs[c]))) c = r;
        const ct = times[c];
        if (ct > t || (ct === t && seqs[c] > s)) break;
        times[i] = ct;
        seqs[i] = seqs[c];
        targets[i] = targets[c];
        kinds[i] = kinds[c];
        i = c;
      }
      times[i] = t;
      seqs[i] = s;
      targets[i] = targets[last];
      kinds[i] = kinds[last];
    }
    return true;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const times = new Float64Array(cap);
    const seqs = new Float64Array(cap);
    const targets = new Int32Array(cap);
    const kinds = new Int32Array(cap);
    times.set(this.times);
    seqs.set(this.seqs);
    targets.set(this.targets);
    kinds.set(this.kinds);
    Object.assign(this, { times, seqs, targets, kinds });
  }
}

class QuaternaryHeap implements Queue {
  time = 0;
  target = 0;
  kind = 0;
  private keys = new Float64Array(1024);
  private targets = new Int32Array(1024);
  private kinds = new Int32Array(1024);
  private n = 0;
  private nextSeq = 0;

  get size(): number {
    return this.n;
  }

  push(time: number, target: number, kind: number): void {
    if (this.n === this.keys.length) this.grow();
    const key = time * SEQ_SPAN + (this.nextSeq++ & SEQ_MASK);
    const { keys, targets, kinds } = this;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pk = keys[p];
      if (pk < key) break;
      keys[i] = pk;
      targets[i] = targets[p];
      kinds[i] = kinds[p];
      i = p;
    }
    keys[i] = key;
    targets[i] = target;
    kinds[i] = kind;
  }

  pop(): boolean {
    if (this.n === 0) return false;
    const { keys, targets, kinds } = this;
    this.time = Math.floor(keys[0] / SEQ_SPAN);
    this.target = targets[0];
    this.kind = kinds[0];
    const last = --this.n;
    if (last > 0) {
      const key = keys[last];
      let i = 0;
      for (;;) {
        const first = 4 * i + 1;
        if (first >= last) break;
        let c = first;
        let ck = keys[first];
        const end = Math.min(first + 4, last);
        for (let j = first + 1; j < end; j++) {
          if (keys[j] < ck) {
            c = j;
            ck = keys[j];
          }
        }
        if (ck > key) break;
        keys[i] = ck;
        targets[i] = targets[c];
        kinds[i] = kinds[c];
        i = c;
      }
      keys[i] = key;
      targets[i] = targets[last];
      kinds[i] = kinds[last];
    }
    return true;
  }

  private grow(): void {
    const cap = this.keys.length * 2;
    const keys = new Float64Array(cap);
    const targets = new Int32Array(cap);
    const kinds = new Int32Array(cap);
    keys.set(this.keys);
    targets.set(this.targets);
    kinds.set(this.kinds);
    Object.assign(this, { keys, targets, kinds });
  }
}

/** flatqueue: its ids index a slot pool holding the payload (free slots on a stack). */
class FlatQueueAdapter implements Queue {
  time = 0;
  target = 0;
  kind = 0;
  private q = new FlatQueue<number>();
  private slotTargets = new Int32Array(1024);
  private slotKinds = new Int32Array(1024);
  private free = Int32Array.from({ length: 1024 }, (_, i) => 1023 - i);
  private freeTop = 1024;
  private nextSeq = 0;

  get size(): number {
    return this.q.length;
  }

  push(time: number, target: number, kind: number): void {
    if (this.freeTop === 0) this.grow();
    const slot = this.free[--this.freeTop];
    this.slotTargets[slot] = target;
    this.slotKinds[slot] = kind;
    this.q.push(slot, time * SEQ_SPAN + (this.nextSeq++ & SEQ_MASK));
  }

  pop(): boolean {
    if (this.q.length === 0) return false;
    this.time = Math.floor(this.q.peekValue()! / SEQ_SPAN);
    const slot = this.q.pop()!;
    this.target = this.slotTargets[slot];
    this.kind = this.slotKinds[slot];
    this.free[this.freeTop++] = slot;
    return true;
  }

  private grow(): void {
    const old = this.slotTargets.length;
    const cap = old * 2;
    const slotTargets = new Int32Array(cap);
    const slotKinds = new Int32Array(cap);
    const free = new Int32Array(cap);
    slotTargets.set(this.slotTargets);
    slotKinds.set(this.slotKinds);
    for (let i = 0; i < old; i++) free[i] = cap - 1 - i;
    Object.assign(this, { slotTargets, slotKinds, free, freeTop: old });
  }
}

interface EventObject {
  time: number;
  seq: number;
  target: number;
  kind: number;
}

const compareEvents = (a: EventObject, b: EventObject): number => a.time - b.time || a.seq - b.seq;

class TinyQueueAdapter implements Queue {
  time = 0;
  target = 0;
  kind = 0;
  private q = new TinyQueue<EventObject>([], compareEvents);
  private nextSeq = 0;

  get size(): number {
    return this.q.length;
  }

  push(time: number, target: number, kind: number): void {
    this.q.push({ time, seq: this.nextSeq++, target, kind });
  }

  pop(): boolean {
    const e = this.q.pop();
    if (e === undefined) return false;
    this.time = e.time;
    this.target = e.target;
    this.kind = e.kind;
    return true;
  }
}

class HeapJsAdapter implements Queue {
  time = 0;
  target = 0;
  kind = 0;
  private q = new Heap<EventObject>(compareEvents);
  private nextSeq = 0;

  get size(): number {
    return this.q.length;
  }

  push(time: number, target: number, kind: number): void {
    this.q.push({ time, seq: this.nextSeq++, target, kind });
  }

  pop(): boolean {
    const e = this.q.pop();
    if (e === undefined) return false;
    this.time = e.time;
    this.target = e.target;
    this.kind = e.kind;
    return true;
  }
}

const CANDIDATES: { name: string; create: () => Queue }[] = [
  { name: 'EventQueue (binary heap, packed f64 key)', create: () => new EventQueue() },
  { name: 'binary heap, time+seq parallel arrays', create: () => new BinaryHeapTwoArrays() },
  { name: '4-ary heap, packed f64 key', create: () => new QuaternaryHeap() },
  { name: 'flatqueue 3 (packed key, slot pool)', create: () => new FlatQueueAdapter() },
  { name: 'tinyqueue 3 (objects)', create: () => new TinyQueueAdapter() },
  { name: 'heap-js 2 (objects)', create: () => new HeapJsAdapter() },
];

interface DriverState {
  i: number;
  now: number;
  sink: number;
}

const RANDOM_MASK = 65535;
const STEADY_PENDING = 200;
const STEADY_POPS = 10_000;
const BURST_SIZE = 1000;

// The drivers are cloned per candidate (see cloneDriver), so they must not use module-scope names.
function steadyDriver(q: Queue, rnd: Uint32Array, st: DriverState, pops: number, pending: number): number {
  let i = st.i;
  let ops = 0;
  for (let k = 0; k < pops; k++) {
    q.pop();
    const now = q.time;
    const target = q.target;
    const kind = q.kind;
    let r = rnd[i];
    i = (i + 1) & 65535;
    const fan = q.size < pending ? 1 + (r & 1) : (r >>> 1) & 1;
    for (let j = 0; j < fan; j++) {
      r = rnd[i];
      i = (i + 1) & 65535;
      const delta = r & 1 ? 1 + ((r >>> 1) & 3) : 1 + ((r >>> 3) % 50);
      q.push(now + delta, (target + j) & 1023, (kind + 1) & 15);
    }
    ops += 1 + fan;
  }
  st.i = i;
  return ops;
}

function burstDriver(q: Queue, rnd: Uint32Array, st: DriverState, count: number): number {
  let i = st.i;
  const base = st.now;
  for (let k = 0; k < count; k++) {
    const r = rnd[i];
    i = (i + 1) & 65535;
    q.push(base + (k >> 2) + (r & 15), k & 1023, r & 15);
  }
  let sum = 0;
  while (q.pop()) sum += q.kind;
  st.i = i;
  st.now = base + (count >> 2);
  st.sink += sum;
  return 2 * count;
}

/**
 * A fresh copy of a driver function. V8 keeps type feedback per function literal, so one shared driver
 * would see every candidate at its q.push/q.pop call sites and go megamorphic, slowing all candidates
 * alike and blurring the comparison; a clone per candidate keeps each call site monomorphic, as in the engine.
 */
function cloneDriver<F extends (...args: never[]) => number>(driver: F): F {
  return new Function(`return ${driver.toString()}`)() as F;
}

function randomTable(seed: number): Uint32Array {
  const table = new Uint32Array(RANDOM_MASK + 1);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < table.length; i++) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    table[i] = x;
  }
  return table;
}

export interface EventQueueBenchResult {
  /** `candidate [workload]`. */
  name: string;
  candidate: string;
  workload: 'steady' | 'burst';
  opsPerSec: number;
}

function runSuite(suite: Benchmark.Suite): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    suite.on('complete', () => resolvePromise());
    suite.on('error', (event: Benchmark.Event) => reject((event.target as { error?: unknown }).error));
    suite.run({ async: false });
  });
}

/** Measures every candidate on both workloads; prints a table and the winner (best geometric mean). */
export async function runEventQueueBench(options: { maxTime?: number } = {}): Promise<EventQueueBenchResult[]> {
  const maxTime = options.maxTime ?? 2;
  const rnd = randomTable(0x5eed);
  const results: EventQueueBenchResult[] = [];
  for (const workload of ['steady', 'burst'] as const) {
    const suite = new Benchmark.Suite(`event queue, ${workload}`);
    const counters = new Map<string, { ops: number; calls: number }>();
    for (const { name, create } of CANDIDATES) {
      const q = create();
      const st: DriverState = { i: 0, now: 0, sink: 0 };
      const counter = { ops: 0, calls: 0 };
      counters.set(name, counter);
      let fn: () => void;
      if (workload === 'steady') {
        for (let k = 0; k < STEADY_PENDING; k++) q.push(rnd[k] % 50, k, 0);
        const drive = cloneDriver(steadyDriver);
        fn = () => {
          counter.ops += drive(q, rnd, st, STEADY_POPS, STEADY_PENDING);
          counter.calls++;
        };
      } else {
        const drive = cloneDriver(burstDriver);
        fn = () => {
          counter.ops += drive(q, rnd, st, BURST_SIZE);
          counter.calls++;
        };
      }
      suite.add(name, fn, { maxTime });
    }
    await runSuite(suite);
    suite.forEach((bench: Benchmark) => {
      const candidate = bench.name!;
      const { ops, calls } = counters.get(candidate)!;
      if (bench.error) throw bench.error;
      results.push({ name: `${candidate} [${workload}]`, candidate, workload, opsPerSec: bench.hz * (ops / calls) });
    });
  }

  const rows = CANDIDATES.map(({ name }) => {
    const steady = results.find((r) => r.candidate === name && r.workload === 'steady')!.opsPerSec;
    const burst = results.find((r) => r.candidate === name && r.workload === 'burst')!.opsPerSec;
    return { name, steady, burst, score: Math.sqrt(steady * burst) };
  });
  const mops = (x: number): string => `${(x / 1e6).toFixed(1)}M`.padStart(8);
  console.log(`${'candidate'.padEnd(44)}  steady    burst  geomean   (ops/sec; op = one push or one pop)`);
  for (const r of rows) console.log(`${r.name.padEnd(44)}${mops(r.steady)} ${mops(r.burst)} ${mops(r.score)}`);
  const winner = rows.reduce((a, b) => (b.score > a.score ? b : a));
  console.log(`winner: ${winner.name}`);
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runEventQueueBench();
}
