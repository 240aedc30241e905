import type { Component, Simulator } from '../engine/simulator.js';
import type { AccessCounts, DataType } from '../stats/access-counts.js';
import { counterIndex, metadataIndex } from '../stats/access-counts.js';
import { Credits } from './credits.js';
import type { SourceBank } from './glb/glb.js';
import type { CreditSink } from './pe/processing-element.js';

/** One packet of a channel's program: a payload (segment or tile id) for a set of PEs. */
export interface Packet {
  payload: number;
  pass: number;
  bits: number;
  /** SPad entries it takes in each destination (iacts; 0 for weights, which take the whole SPad). */
  entries: number;
  /** Output channels (rows) of a weight tile; 0 for iacts. */
  rows: number;
  dests: number[];
}

/** The ordered packets a channel sends, generated lazily. */
export interface PacketProgram {
  /** Fills `pk` with the next packet; false when there are no more. */
  next(pk: Packet): boolean;
}

/** Where a channel's packets end up. */
export interface PacketReceiver {
  deliver(pe: number, pk: Packet, arrival: number): void;
}

export interface ChannelConfig {
  name: string;
  dataType: DataType;
  portBits: number;
  /** Cycles from the end of a transfer to the data being usable in the PE. */
  latency: number;
  /** Inter-cluster mesh links the channel's multicast tree uses (flit-hops per flit). */
  hops: number;
  /** Per-destination credits: SPad entries and slots. */
  entryCredits: number;
  slotCredits: number;
  /** Bits of a packet that are CSC metadata (addresses and counts). */
  metadataBits: (pk: Packet) => number;
  /** The PEs this channel can send to (credits are kept for them only). */
  destinations: readonly number[];
  numPes: number;
}

/**
 * A source port and its multicast tree through the NoC: the routers are circuit-switched and statically
 * configured per layer (JETCAS19 §III-B), so a channel owns its tree and sends one packet at a time, at the
 * port width, when every destination is ready (the ready signals are ANDed at the source, §III-B).
 *
 * Behind the port sits the GLB's storage for this channel (sim/hw/glb): the channel generates packets ahead,
 * has the bank stage their data, and sends each once the bank says it is there.
 */
export class MulticastChannel implements Component, CreditSink {
  id = -1;
  readonly name: string;
  packets = 0;
  lastSend = 0;
  private busyUntil = 0;
  // Credits per destination PE, indexed through `slotOf` (PE id -> index, -1 if not a destination).
  private readonly slotOf: Int32Array;
  // Per destination: SPad entries (A) and slots (B), returned together.
  private readonly credits: Credits[];
  // Packets generated ahead, their data staged in the bank: a ring of the bank's lookahead.
  private readonly ahead: Packet[] = [];
  private aheadHead = 0;
  private aheadCount = 0;
  private programDone = false;
  private generated = false; // the slot after the ring's last holds a packet not yet staged
  private waitingFor = -1; // the PE whose credit return would unblock the head packet
  // The wake-up a credit return queued and the channel has not stepped at yet. Returns are told out of time
  // order (a PE knows a later pass's release before an earlier one's), so an earlier one must wake it again.
  private creditWake = Infinity;
  private readonly cSource: number;
  private readonly cHop: number;
  private readonly cDelivery: number;
  private readonly mNoc: number;

  constructor(
    private readonly sim: Simulator,
    private readonly cfg: ChannelConfig,
    private readonly program: PacketProgram,
    private readonly receiver: PacketReceiver,
    private readonly bank: SourceBank,
    private readonly counts: AccessCounts,
  ) {
    this.name = cfg.name;
    this.slotOf = new Int32Array(cfg.numPes).fill(-1);
    cfg.destinations.forEach((pe, i) => (this.slotOf[pe] = i));
    this.credits = cfg.destinations.map(() => new Credits(cfg.entryCredits, cfg.slotCredits));
    for (let i = 0; i < bank.lookahead; i++) this.ahead.push({ payload: 0, pass: 0, bits: 0, entries: 0, rows: 0, dests: [] });
    this.cSource = counterIndex('nocSource', cfg.dataType, 'transfer');
    this.cHop = counterIndex('nocHop', cfg.dataType, 'transfer');
    this.cDelivery = counterIndex('nocDelivery', cfg.dataType, 'transfer');
    this.mNoc = metadataIndex('noc', cfg.dataType);
  }

  get finished(): boolean {
    return this.programDone && !this.generated && this.aheadCount === 0;
  }

  returnCredit(pe: number, time: number, entries: number, slots: number): void {
    this.credits[this.slotOf[pe]!]!.give(time, entries, slots);
    const unblocks = pe === this.waitingFor;
    if (unblocks) this.waitingFor = -1;
    // A return told after its time (a PE learns a release late) is acted on now.
    const at = Math.max(time, this.sim.now);
    if ((unblocks || this.creditWake !== Infinity) && at < this.creditWake) {
      this.creditWake = at;
      this.sim.wake(this.id, at);
    }
  }

  /**
   * Sends every packet whose conditions are known: the port free, the data in the bank (or loaded by the
   * pass controller), and room in every destination (credits already returned, perhaps for a later cycle).
   * A packet leaves at the latest of those times, which is the cycle the hardware would send it whenever
   * this step runs; the channel waits only for what it cannot know yet: a credit return, a load, off-chip
   * data under finite bandwidth.
   */
  step(now: number): void {
    if (now >= this.creditWake) this.creditWake = Infinity;
    this.fetchAhead(now);
    while (this.aheadCount > 0) {
      const slot = this.aheadHead;
      const pk = this.ahead[slot]!;
      const ready = this.bank.readyAt(slot, pk, this.id);
      if (ready === Infinity) return; // the bank wakes us
      let t = Math.max(now, this.busyUntil, ready);
      for (const pe of pk.dests) {
        t = this.credits[this.slotOf[pe]!]!.earliest(t, pk.entries, 1);
        if (t === Infinity) {
          this.waitingFor = pe;
          return;
        }
      }
      const flits = Math.ceil(pk.bits / this.cfg.portBits);
      this.busyUntil = t + flits;
      const arrival = this.busyUntil + this.cfg.latency;
      for (const pe of pk.dests) {
        const credits = this.credits[this.slotOf[pe]!]!;
        credits.available(t);
        credits.take(pk.entries, 1);
        this.receiver.deliver(pe, pk, arrival);
      }
      const c = this.counts.c;
      c[this.cSource] += flits;
      c[this.cHop] += flits * this.cfg.hops;
      c[this.cDelivery] += flits * pk.dests.length;
      const meta = this.cfg.metadataBits(pk);
      this.counts.metadataBits[this.mNoc] += meta;
      this.bank.sent(slot, pk, t, meta);
      this.packets++;
      this.lastSend = this.busyUntil;
      this.aheadHead = (slot + 1) % this.ahead.length;
      this.aheadCount--;
      this.fetchAhead(now);
    }
  }

  /** Generates packets ahead and has the bank stage their data while it has room. */
  private fetchAhead(now: number): void {
    const n = this.ahead.length;
    while (this.aheadCount < n) {
      const i = (this.aheadHead + this.aheadCount) % n;
      const pk = this.ahead[i]!;
      if (!this.generated) {
        if (this.programDone || !this.program.next(pk)) {
          this.programDone = true;
          return;
        }
        this.generated = true;
      }
      if (!this.bank.stage(i, pk, now, this.id)) return;
      this.generated = false;
      this.aheadCount++;
    }
  }
}
