import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { hwConfigDir, loadHwConfig, parseHwConfig } from '../../sim/config/hw-config.js';
import { Simulator } from '../../sim/engine/simulator.js';
import { MulticastChannel, type Packet } from '../../sim/hw/channel.js';
import { Credits } from '../../sim/hw/credits.js';
import { StagingBank } from '../../sim/hw/glb/source-bank.js';
import { OffChipInterface } from '../../sim/hw/off-chip.js';
import { parseMappingText } from '../../sim/mapping/mapping.js';
import { simulateLayer } from '../../sim/run/layer-sim.js';
import { v2With } from '../support/configs.js';
import { AccessCounts } from '../../sim/stats/access-counts.js';
import { layer } from '../support/layers.js';

// Cycle counts worked out by hand from the documented model (eyeriss-v2.yaml values, sim/hw/pe/pipeline.ts):
// a packet takes ceil(bits / 24) cycles on an iact or weight port plus 1 cycle into the PE
// (localLatencyCycles); a token reaches stage 4 two cycles after its front-end cycle, at most two BE-bound
// tokens wait between the halves (stage-3 register + one fetch-queue entry), the psums are complete 3 cycles
// after the last weight word (stages 5-7), and a psum vector takes ceil(20 * M / 40) cycles on a psum link.
describe('hand-checked cycle counts', () => {
  const onePe = v2With({ clusterRows: 1, clusterCols: 1, peRowsPerCluster: 1, peColsPerCluster: 1, routersPerCluster: 1, iactBanksPerCluster: 1, psumBanksPerCluster: 1 });

  it('one PE, one MAC: 10 cycles', () => {
    // Weights: 1 address (7 b) + 1 weight and its SIMD pad (2 x 12 b) = 31 b = 2 flits, in the PE at 3.
    // Iact: 1 address (4 b) + 1 entry (12 b) = 16 b = 1 flit, in the PE at 2. Window starts at 3: FE 3,
    // stage 4 at 5, psums complete at 6 + 3 = 9; one psum takes 1 cycle to the output: 10.
    const l = layer({ type: 'CONV', C: 1, M: 1, H: 1, W: 1 });
    const r = simulateLayer(onePe, l, Int16Array.of(7), Int8Array.of(-3), { engine: 'event', check: true, mapping: parseMappingText('M0=1 C0=1', 'test') });
    expect(r.check).toBe('pass');
    expect(r.outputs[0]).toBe(-21);
    expect(r.cycles).toBe(10);
  });

  it('one PE, a 1x3 filter over 4 output channels: 21 cycles', () => {
    // Weights: 3 columns x 7 b + 12 entries x 12 b = 165 b = 7 flits, in at 8. Iact segments (16 b each)
    // leave at 0, 1, 2 and arrive at 2, 3, 4. Window starts at 8; three tokens of 2 words each:
    // FE 8, 9, 10 (the third waits for the first to start stage 4 at 10), stage 4 at 10-11, 12-13, 14-15,
    // psums complete at 16 + 3 = 19; 4 psums take 2 cycles: 21.
    const l = layer({ type: 'CONV', C: 1, M: 4, H: 1, W: 3, R: 1, S: 3 });
    const iacts = Int16Array.of(1, 2, 3);
    const weights = Int8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12); // M x C x R x S
    const r = simulateLayer(onePe, l, iacts, weights, { engine: 'event', check: true, mapping: parseMappingText('M0=4 C0=1', 'test') });
    expect(r.check).toBe('pass');
    expect(Array.from(r.outputs)).toEqual([14, 32, 50, 68]);
    expect(r.cycles).toBe(21);
    expect(r.peBusyCycles).toBe(6);
  });

  it('one cluster, a 3x3 filter on a column of three PEs: 16 cycles', () => {
    // Each PE row gets its filter row from its own weight router: 3 columns x 7 b + 6 entries x 12 b = 93 b
    // = 4 flits, in at 5. Each PE's input row comes from its own iact router: segments in at 2, 3, 4.
    // All three PEs start at 5 and are done at 13 (as above with 1-word tokens: stage 4 at 7, 8, 9).
    // The bottom PE sends its psum at 13 (1 cycle), the middle adds it and sends at 14, the top at 15,
    // reaching the output at 16.
    const oneCluster = v2With({ clusterRows: 1, clusterCols: 1 });
    const l = layer({ type: 'CONV', C: 1, M: 1, H: 3, W: 3, R: 3, S: 3 });
    const iacts = Int16Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const weights = Int8Array.of(1, 1, 1, 2, 2, 2, 3, 3, 3);
    const r = simulateLayer(oneCluster, l, iacts, weights, { engine: 'event', check: true, mapping: parseMappingText('peRow=R3 M0=1 C0=1', 'test') });
    expect(r.check).toBe('pass');
    expect(r.outputs[0]).toBe(6 + 30 + 72);
    expect(r.cycles).toBe(16);
    expect(r.activePes).toBe(3);
  });
});

// Psum traffic worked out by hand (sim/hw/noc/psum-traffic.ts): a vector of m 20-b psums is
// ceil(20 m / 40) flits on a 40-b psum link or router port. A PE's vector up the local link of its column is
// one delivery per flit; into the psum router (towards a bank, the next cluster or off-chip) a source flit;
// across a link between clusters' routers also a hop and a delivery into the next PE; a bank's read back
// into the bottom PE a source and a delivery flit.
describe('hand-counted psum traffic', () => {
  const psum = (r: ReturnType<typeof simulateLayer>): number[] =>
    [r.counts.get('nocSource', 'psum', 'transfer'), r.counts.get('nocHop', 'psum', 'transfer'), r.counts.get('nocDelivery', 'psum', 'transfer'),
      r.counts.get('glb', 'psum', 'read'), r.counts.get('glb', 'psum', 'write')];

  it('one PE, two reduction passes through its psum bank', () => {
    // C = 2 with C0 = 1: two passes over the same 4 output channels (one window, F = 1). Pass 0 writes its
    // 4 psums (80 b = 2 flits) into the bank: 2 source flits, 2 bank write accesses. Pass 1 reads them back:
    // 2 bank reads, 2 source + 2 delivery flits; its finals go off-chip through the router: 2 source flits.
    // Source 2 + 2 + 2 = 6, hops 0, deliveries 2, bank reads 2, writes 2.
    const onePe = v2With({ clusterRows: 1, clusterCols: 1, peRowsPerCluster: 1, peColsPerCluster: 1, routersPerCluster: 1, iactBanksPerCluster: 1, psumBanksPerCluster: 1 });
    const l = layer({ type: 'CONV', C: 2, M: 4, H: 1, W: 3, R: 1, S: 3 });
    const weights = Int8Array.from({ length: 24 }, (_, i) => i - 11);
    const r = simulateLayer(onePe, l, Int16Array.of(1, 2, 3, 4, 5, 6), weights, { engine: 'event', check: true, mapping: parseMappingText('M0=4 C0=1', 'test') });
    expect(r.check).toBe('pass');
    expect(psum(r)).toEqual([6, 0, 2, 2, 2]);
  });

  it('a chain of six PEs over two clusters', () => {
    // C = 2 over two cluster rows, R = 3 over the PE rows: one chain of 6 PEs, one output (M = 1, 1 flit).
    // Four local links (1 delivery each); the link from the top PE of the first cluster to the bottom PE of
    // the next goes through the psum routers: 1 source, 1 hop, 1 delivery; the final leaves: 1 source.
    // Source 2, hops 1, deliveries 5, no bank access.
    const twoClusters = v2With({ clusterRows: 2, clusterCols: 1 });
    const l = layer({ type: 'CONV', C: 2, M: 1, H: 3, W: 3, R: 3, S: 3 });
    const iacts = Int16Array.from({ length: 18 }, (_, i) => i + 1);
    const weights = Int8Array.from({ length: 18 }, (_, i) => i - 9);
    const r = simulateLayer(twoClusters, l, iacts, weights, { engine: 'event', check: true, mapping: parseMappingText('clusterRow=C2 peRow=R3 M0=1 C0=1', 'test') });
    expect(r.check).toBe('pass');
    expect(psum(r)).toEqual([2, 1, 5, 0, 0]);
  });
});

describe('hand-checked component timing', () => {
  it('a multicast waits for its slowest destination (ready signals ANDed at the source)', () => {
    // Three 48-b packets to PEs 0 and 1 on a 24-b port (2 flits each), 1 cycle into the PE, no bank (one
    // packet staged at the port), off-chip latency 5, one slot credit per destination. PE 0 frees its slot
    // at once (usable the cycle after arrival); PE 1 is slow: it steps 9 cycles after an arrival and frees
    // the slot then (usable a cycle later). A packet is fetched once the port's staging space is free (at the
    // previous packet's send):
    //   p0: fetched at 0, ready 5; credits in hand: sent 5, flits 5-6, arrives 8. PE0 frees at 9, PE1 at 18.
    //   p1: fetched at 5, ready 10; PE1's credit at 18: sent 18, arrives 21. PE0 frees at 22, PE1 at 31.
    //   p2: fetched at 18, ready 23; PE1's credit at 31: sent 31, arrives 34.
    for (const engine of ['event', 'tick'] as const) {
      const sim = new Simulator(engine);
      const counts = new AccessCounts();
      const offChip = new OffChipInterface(sim, counts, null, 5);
      offChip.id = sim.add(offChip);
      const arrivals: number[][] = [[], []];
      let sent = 0;
      const program = { next: (pk: Packet): boolean => (sent < 3 ? (Object.assign(pk, { payload: sent++, pass: 0, bits: 48, entries: 1, rows: 0, dests: [0, 1] }), true) : false) };
      const slow = { name: 'slow PE', pending: [] as number[], step(now: number) {
        while (this.pending.length && this.pending[0]! <= now) {
          this.pending.shift();
          channel.returnCredit(1, now + 1, 1, 1);
        }
      } };
      const slowId = sim.add(slow);
      const channel: MulticastChannel = new MulticastChannel(sim, {
        name: 'test', dataType: 'iact', portBits: 24, latency: 1, hops: 1, entryCredits: 8, slotCredits: 1,
        metadataBits: () => 0, destinations: [0, 1], numPes: 2,
      }, program, {
        deliver: (pe, _pk, arrival) => {
          arrivals[pe]!.push(arrival);
          if (pe === 0) channel.returnCredit(0, arrival + 1, 1, 1);
          else {
            slow.pending.push(arrival + 9);
            sim.wake(slowId, arrival + 9);
          }
        },
      }, new StagingBank({ dataType: 'iact', bufferBits: 0, glbPortBits: 24, dramBits: (pk) => pk.bits, loadedByOthers: null, payloads: 3, metadataBits: () => 0 }, offChip, counts), counts);
      channel.id = sim.add(channel);
      sim.wake(channel.id, 0);
      sim.run();
      expect(arrivals, engine).toEqual([[8, 21, 34], [8, 21, 34]]);
      expect(channel.lastSend).toBe(33);
      // 6 flits out of the port, 6 over the tree's one link, 12 into the PEs; 144 bits read off-chip.
      expect([counts.get('nocSource', 'iact', 'transfer'), counts.get('nocHop', 'iact', 'transfer'), counts.get('nocDelivery', 'iact', 'transfer')]).toEqual([6, 6, 12]);
      expect(offChip.readBits).toBe(144);
    }
  });

  it('credits returned out of order count from their own time', () => {
    // One credit to start. Taken at 0; a return usable at 9, then one at 5 (a second receiver sharing the
    // sender's credits): the earliest two credits are in hand at 9, one at 5.
    const c = new Credits(1);
    expect(c.earliest(0, 1)).toBe(0);
    c.take(1);
    c.give(9, 1);
    c.give(5, 1);
    expect(c.earliest(0, 1)).toBe(5);
    expect(c.earliest(0, 2)).toBe(9);
    expect(c.available(4)).toBe(0);
    expect(c.available(5)).toBe(1);
    expect(c.available(9)).toBe(2);
  });

  it('Eyeriss v1: a GLB pass waits for its ifmaps over the 64-b, 60 MHz link, and the layer for its outputs', () => {
    // 0.48 GB/s at 200 MHz = 19.2 b a cycle, no latency. One 3x3 filter over a 3x3 input (the network's,
    // stored raw at 16 b): one block. At cycle 0 the pass controller asks for its 9 x 16 = 144 b and the
    // filter GIN for 3 rows of 48 b; arbitrated at cycle 1 in component order (controller first): the ifmaps
    // take 1 + 7.5 = 8.5, ready at 9 (9 cycles of stall); the filter rows 11, 13.5 -> 14, 16. The one output
    // (9, kept by the ReLU) goes out run-length coded: 1 pair (5-b run, 16-b level) in one 64-b word, asked
    // for in the cycle the block is done and arbitrated the next: 1 + 3.33 cycles, ready 5 cycles after the
    // block: 9 + 5 = 14 stall cycles in all; 144 + 144 b read, 64 b written.
    const v1 = loadHwConfig('eyeriss-v1').config;
    const l = layer({ type: 'CONV', C: 1, M: 1, H: 3, W: 3, R: 3, S: 3 });
    const r = simulateLayer(v1, l, new Int16Array(9).fill(1), new Int8Array(9).fill(1), { engine: 'event', check: true, networkInput: true });
    expect(r.check).toBe('pass');
    expect(r.outputs[0]).toBe(9);
    expect(r.offChipStallCycles).toBe(14);
    expect(r.dramBits).toEqual({ read: 288, write: 64 });
  });
});

describe('the psum router port paces final outputs', () => {
  // One PE, a 1x1 filter over 16 output channels and a 1x12 input: each window's 16 psums take 8 cycles on
  // the PE's 40-b link, about as long as its MACs.
  const onePe = (psumPortBits: number) => {
    let text = readFileSync(`${hwConfigDir()}/eyeriss-v2.yaml`, 'utf8');
    for (const [k, v] of Object.entries({ clusterRows: 1, clusterCols: 1, peRowsPerCluster: 1, peColsPerCluster: 1, routersPerCluster: 1, iactBanksPerCluster: 1, psumBanksPerCluster: 1 })) {
      text = text.replace(new RegExp(`^(\\s*${k}:)\\s*[^#\\n]*`, 'gm'), `$1 ${v} `);
    }
    text = text.replace(/^(\s*psum:\n(?:\s+.*\n)*?\s*portBits:)\s*\d+/m, `$1 ${psumPortBits}`);
    return parseHwConfig('one-PE v2', text);
  };
  const l = layer({ type: 'PWCONV', C: 1, M: 16, H: 1, W: 12 });
  const iacts = Int16Array.from({ length: 12 }, (_, i) => i + 1);
  const weights = Int8Array.from({ length: 16 }, (_, i) => i - 8);
  const cycles = (bits: number, engine: 'event' | 'tick' = 'event'): number => {
    const hw = onePe(bits);
    expect(hw.noc.psum.portBits).toBe(bits);
    const r = simulateLayer(hw, l, iacts, weights, { engine, check: true, mapping: parseMappingText('M0=16 C0=1', 'test') });
    expect(r.check).toBe('pass');
    return r.cycles;
  };

  it('a port narrower than the PE link holds the column back; a wider one changes nothing (the link paces)', () => {
    const [narrow, base, wide] = [20, 40, 80].map((b) => cycles(b));
    // 12 windows of 16 psums: at 20 b a cycle each vector takes 16 cycles through the port (8 on the link),
    // so the port alone needs 12 x 16 = 192 cycles, more than the whole layer takes with a 40-b port.
    expect(narrow).toBeGreaterThanOrEqual(192);
    expect(base).toBeLessThan(192);
    expect(wide).toBe(base);
    expect(cycles(20, 'tick')).toBe(narrow);
  });
});
