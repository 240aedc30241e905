import { describe, expect, test } from 'vitest';
import seedrandom from 'seedrandom';
import { EventQueue } from '../../sim/engine/event-queue.js';
import { SimulationError } from '../../sim/errors.js';

/** Deterministic generator in [0, 1). */
const rng = (seed: number): (() => number) => seedrandom(String(seed));

function drain(q: EventQueue): [number, number, number][] {
  const out: [number, number, number][] = [];
  while (q.pop()) out.push([q.time, q.target, q.kind]);
  return out;
}

describe('EventQueue', () => {
  test('empty queue', () => {
    const q = new EventQueue();
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBe(Infinity);
    expect(q.pop()).toBe(false);
  });

  test('pops in time order and reports the payload', () => {
    const q = new EventQueue();
    q.push(30, 3, 33);
    q.push(10, 1, 11);
    q.push(20, 2, 22);
    q.push(0, 7, -5);
    expect(q.size).toBe(4);
    expect(q.peekTime()).toBe(0);
    expect(drain(q)).toEqual([
      [0, 7, -5],
      [10, 1, 11],
      [20, 2, 22],
      [30, 3, 33],
    ]);
    expect(q.size).toBe(0);
  });

  test('equal times pop in push order', () => {
    const q = new EventQueue();
    for (let i = 0; i < 50; i++) q.push(i % 2 === 0 ? 5 : 3, i, 0);
    const targets = drain(q).map(([, target]) => target);
    const odd = Array.from({ length: 25 }, (_, i) => 2 * i + 1);
    const even = Array.from({ length: 25 }, (_, i) => 2 * i);
    expect(targets).toEqual([...odd, ...even]);
  });

  test('grows past its initial capacity', () => {
    const q = new EventQueue(2);
    const n = 5000;
    for (let i = 0; i < n; i++) q.push((i * 7919) % 1000, i, i & 15);
    expect(q.size).toBe(n);
    const popped = drain(q);
    expect(popped).toHaveLength(n);
    for (let i = 1; i < n; i++) {
      const [t0, id0] = popped[i - 1];
      const [t1, id1] = popped[i];
      expect(t0 < t1 || (t0 === t1 && id0 < id1)).toBe(true);
    }
  });

  test('clear empties the queue and it stays usable', () => {
    const q = new EventQueue();
    q.push(5, 1, 1);
    q.push(6, 2, 2);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBe(Infinity);
    q.push(9, 3, 3);
    expect(drain(q)).toEqual([[9, 3, 3]]);
  });

  test('accepts times up to 2^32 - 1 and rejects others', () => {
    const q = new EventQueue();
    q.push(2 ** 32 - 1, 1, 0);
    q.push(2 ** 32 - 1, 2, 0);
    q.push(0, 3, 0);
    expect(drain(q).map(([t, id]) => [t, id])).toEqual([
      [0, 3],
      [2 ** 32 - 1, 1],
      [2 ** 32 - 1, 2],
    ]);
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 32]) expect(() => q.push(bad, 0, 0)).toThrow(SimulationError);
  });

  test('interleaved push/pop matches a sorted-array model', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const random = rng(seed);
      const q = new EventQueue(4);
      // Model: [time, seq, target, kind], kept sorted by (time, seq).
      const model: [number, number, number, number][] = [];
      let seq = 0;
      let now = 0;
      for (let step = 0; step < 20_000; step++) {
        if (model.length === 0 || random() < 0.52) {
          const time = now + Math.floor(random() * 20);
          const target = Math.floor(random() * 1000);
          const kind = Math.floor(random() * 2 ** 31) - 2 ** 30;
          q.push(time, target, kind);
          const entry: [number, number, number, number] = [time, seq++, target, kind];
          let at = model.length;
          while (at > 0 && model[at - 1][0] > time) at--;
          model.splice(at, 0, entry);
        } else {
          const [time, , target, kind] = model.shift()!;
          const popped = q.pop();
          // Plain comparisons in the loop (expect() per step is slow); report the first mismatch.
          if (!popped || q.time !== time || q.target !== target || q.kind !== kind) {
            expect({ seed, step, popped, got: [q.time, q.target, q.kind] }).toEqual({
              seed, step, popped: true, got: [time, target, kind],
            });
          }
          now = time;
        }
        const head = model.length > 0 ? model[0][0] : Infinity;
        if (q.size !== model.length || q.peekTime() !== head) {
          expect({ seed, step, size: q.size, head: q.peekTime() }).toEqual({ seed, step, size: model.length, head });
        }
      }
    }
  });

  test('FIFO order survives sequence-number renumbering (past 2^21 pushes)', () => {
    const q = new EventQueue();
    // Push ~2.2M events with ~10 pending, three per cycle, so renumbering happens with ties and
    // different times pending; times never decrease in push order, so pops must come in push order.
    let next = 0;
    let expected = 0;
    const push = () => {
      q.push(Math.floor(next / 3), next, 0);
      next++;
    };
    for (let i = 0; i < 10; i++) push();
    for (let i = 0; i < 2_200_000; i++) {
      q.pop();
      if (q.target !== expected) expect(q.target).toBe(expected);
      expected++;
      push();
    }
    while (q.pop()) {
      expect(q.target).toBe(expected);
      expected++;
    }
    expect(expected).toBe(next);
  });
});
