import type { Component, Simulator } from '../engine/simulator.js';
import type { AccessCounts, DataType } from '../stats/access-counts.js';
import { counterIndex, metadataIndex } from '../stats/access-counts.js';
import { Credits } from './credits.js';
import type { OffChipInterface } from './off-chip.js';
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

/**
 * Eyeriss v1's "no processing while DRAM loads a pass": a channel whose data a pass controller loads into the
 * GLB ahead of each block of passes (sim/hw/glb-passes.ts) waits for that load instead of fetching itself.
 */
export interface LoadGate {
  /** Cycle from which pass `pass`'s data is in the GLB, or Infinity while unknown. */
  readyAt(pass: number): number;
  /** Asks to be woken when a load time becomes known. */
  notify(component: number): void;
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
  /** The GLB space behind the source port, in bits (0: data passes through with one packet of buffering). */
  bufferBits: number;
  glbPortBits: number;
  /**
   * Bits a packet's data takes off-chip (run-length coded feature maps are smaller than on chip); 0 when the
   * data is made on chip (padding), so it never waits for off-chip.
   */
  dramBits: (pk: Packet) => number;
  /**
   * Payloads whose first load into this channel's bank is free: another channel's load of the same data from
   * off-chip writes it into this bank too (the GLB holds what the routers share, so it is read once); null: none.
   */
  loadedByOthers: Uint8Array | null;
  /** Bits of a packet that are CSC metadata (addresses and counts), on chip and off. */
  metadataBits: (pk: Packet) => number;
  /** Payload ids range over [0, payloads) (for the bank's record of what it holds). */
  payloads: number;
  /** When set, a pass controller loads the data (v1); otherwise the channel fetches it packet by packet. */
  gate: LoadGate | null;
  /** The PEs this channel can send to (credits are kept for them only). */
  destinations: readonly number[];
  numPes: number;
}

const LOOKAHEAD = 64;
const ON_CHIP = -2;

/**
 * A source port and its multicast tree through the NoC: the routers are circuit-switched and statically
 * configured per layer (JETCAS19 §III-B), so a channel owns its tree and sends one packet at a time, at the
 * port width, when every destination is ready (the ready signals are ANDed at the source, §III-B).
 *
 * Behind the port sits a GLB bank (or, with no bank, a one-packet buffer): data fetched from off-chip is
 * written there ahead of need and read out when sent; what a bank still holds when the program asks for it
 * again is read from the bank without going off-chip (oldest-sent data is replaced first). Iacts are reused
 * this way across passes that need the same rows (M tiles, overlapping filter rows).
 */
export class MulticastChannel implements Component, CreditSink {
  id = -1;
  readonly name: string;
  packets = 0;
  lastSend = 0;
  private busyUntil = 0;
  // Credits per destination PE, indexed through `slotOf` (PE id -> index, -1 if not a destination).
  private readonly slotOf: Int32Array;
  private readonly entryCredits: Credits[];
  private readonly slotCredits: Credits[];
  // Packets generated ahead, with their off-chip tickets (-1: already in the bank; ON_CHIP: in the bank
  // from `onChipReady`, written there by another channel's load or made on chip): a ring.
  private readonly ahead: Packet[] = [];
  private readonly tickets = new Int32Array(LOOKAHEAD);
  private readonly onChipReady = new Float64Array(LOOKAHEAD);
  private readonly loadedOnce: Uint8Array;
  private aheadHead = 0;
  private aheadCount = 0;
  private programDone = false;
  private generated = false; // the slot after the ring's last holds a packet not yet fetched
  private waitingFor = -1; // the PE whose credit return would unblock the head packet
  private spaceFreedAt = 0; // cycle the bank's latest freed space became free
  // The bank: payloads in it (oldest first), their bits, and how many sends of each are still ahead.
  private readonly held: Uint8Array;
  private readonly pending: Uint16Array;
  private readonly heldBits: Float64Array;
  private order: number[] = [];
  private orderHead = 0;
  private usedBits = 0;
  private readonly cSource: number;
  private readonly cHop: number;
  private readonly cDelivery: number;
  private readonly cGlbRead: number;
  private readonly cGlbWrite: number;
  private readonly mNoc: number;
  private readonly mGlb: number;
  private readonly mDram: number;

  constructor(
    private readonly sim: Simulator,
    private readonly cfg: ChannelConfig,
    private readonly program: PacketProgram,
    private readonly receiver: PacketReceiver,
    private readonly offChip: OffChipInterface,
    private readonly counts: AccessCounts,
  ) {
    this.name = cfg.name;
    this.slotOf = new Int32Array(cfg.numPes).fill(-1);
    cfg.destinations.forEach((pe, i) => (this.slotOf[pe] = i));
    this.entryCredits = cfg.destinations.map(() => new Credits(cfg.entryCredits));
    this.slotCredits = cfg.destinations.map(() => new Credits(cfg.slotCredits));
    for (let i = 0; i < LOOKAHEAD; i++) this.ahead.push({ payload: 0, pass: 0, bits: 0, entries: 0, rows: 0, dests: [] });
    const banked = cfg.bufferBits > 0 && cfg.gate === null;
    this.held = new Uint8Array(banked ? cfg.payloads : 0);
    this.pending = new Uint16Array(banked ? cfg.payloads : 0);
    this.heldBits = new Float64Array(banked ? cfg.payloads : 0);
    this.loadedOnce = new Uint8Array(cfg.loadedByOthers ? cfg.payloads : 0);
    this.cSource = counterIndex('nocSource', cfg.dataType, 'transfer');
    this.cHop = counterIndex('nocHop', cfg.dataType, 'transfer');
    this.cDelivery = counterIndex('nocDelivery', cfg.dataType, 'transfer');
    this.cGlbRead = counterIndex('glb', cfg.dataType, 'read');
    this.cGlbWrite = counterIndex('glb', cfg.dataType, 'write');
    this.mNoc = metadataIndex('noc', cfg.dataType);
    this.mGlb = metadataIndex('glb', cfg.dataType);
    this.mDram = metadataIndex('dram', cfg.dataType);
  }

  get finished(): boolean {
    return this.programDone && !this.generated && this.aheadCount === 0;
  }

  returnCredit(pe: number, time: number, entries: number, slots: number): void {
    const i = this.slotOf[pe]!;
    if (entries) this.entryCredits[i]!.give(time, entries);
    this.slotCredits[i]!.give(time, slots);
    if (pe === this.waitingFor) {
      this.waitingFor = -1;
      this.sim.wake(this.id, time);
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
    this.fetchAhead(now);
    while (this.aheadCount > 0) {
      const pk = this.ahead[this.aheadHead]!;
      const ticket = this.tickets[this.aheadHead]!;
      let t = Math.max(now, this.busyUntil);
      if (this.cfg.gate) {
        const loaded = this.cfg.gate.readyAt(pk.pass);
        if (loaded === Infinity) return this.cfg.gate.notify(this.id);
        t = Math.max(t, loaded);
      } else if (ticket >= 0) {
        const ready = this.offChip.readyAt(ticket);
        if (ready === Infinity) return; // finite bandwidth: the off-chip interface wakes us
        t = Math.max(t, ready);
      } else if (ticket === ON_CHIP) {
        t = Math.max(t, this.onChipReady[this.aheadHead]!);
      }
      for (const pe of pk.dests) {
        const i = this.slotOf[pe]!;
        t = this.entryCredits[i]!.earliest(t, pk.entries);
        if (t !== Infinity) t = this.slotCredits[i]!.earliest(t, 1);
        if (t === Infinity) {
          this.waitingFor = pe;
          return;
        }
      }
      const flits = Math.ceil(pk.bits / this.cfg.portBits);
      this.busyUntil = t + flits;
      const arrival = this.busyUntil + this.cfg.latency;
      for (const pe of pk.dests) {
        const i = this.slotOf[pe]!;
        this.entryCredits[i]!.available(t);
        this.entryCredits[i]!.take(pk.entries);
        this.slotCredits[i]!.available(t);
        this.slotCredits[i]!.take(1);
        this.receiver.deliver(pe, pk, arrival);
      }
      const c = this.counts.c;
      c[this.cSource] += flits;
      c[this.cHop] += flits * this.cfg.hops;
      c[this.cDelivery] += flits * pk.dests.length;
      const meta = this.cfg.metadataBits(pk);
      this.counts.metadataBits[this.mNoc] += meta;
      if (this.cfg.bufferBits > 0) {
        c[this.cGlbRead] += Math.ceil(pk.bits / this.cfg.glbPortBits);
        this.counts.metadataBits[this.mGlb] += meta;
      }
      if (ticket >= 0) this.offChip.release(ticket);
      this.packets++;
      this.lastSend = this.busyUntil;
      if (this.held.length) this.pending[pk.payload]!--;
      this.spaceFreedAt = t;
      this.aheadHead = (this.aheadHead + 1) % LOOKAHEAD;
      this.aheadCount--;
      this.fetchAhead(now);
    }
  }

  /** Generates packets ahead and fetches their data into the bank while it has room. */
  private fetchAhead(now: number): void {
    const { cfg } = this;
    // Without a bank, one packet is staged at the port; with a gate, the controller fetches.
    const limit = cfg.bufferBits > 0 || cfg.gate ? LOOKAHEAD : 1;
    while (this.aheadCount < limit) {
      const i = (this.aheadHead + this.aheadCount) % LOOKAHEAD;
      const pk = this.ahead[i]!;
      if (!this.generated) {
        if (this.programDone || !this.program.next(pk)) {
          this.programDone = true;
          return;
        }
        this.generated = true;
      }
      if (cfg.gate) {
        this.tickets[i] = -1;
      } else if (this.held.length && this.held[pk.payload]) {
        this.tickets[i] = -1; // still in the bank: read again, no off-chip access
      } else {
        if (this.held.length && !this.makeRoom(pk.bits)) return;
        // Fetched once there is room: at the latest when the space it takes was freed by a send.
        const at = Math.max(now, this.spaceFreedAt);
        const meta = cfg.metadataBits(pk);
        const dramBits = cfg.dramBits(pk);
        const sharedLoad = this.loadedOnce.length > 0 && cfg.loadedByOthers![pk.payload] === 1 && this.loadedOnce[pk.payload] === 0;
        if (this.loadedOnce.length) this.loadedOnce[pk.payload] = 1;
        if (dramBits === 0 || sharedLoad) {
          // Made on chip at once, or written here by the load that brings it for another channel: our choice
          // is that it is in the bank after the off-chip latency, as a load of its own would be, but moves no
          // off-chip bits and takes no off-chip bandwidth.
          this.tickets[i] = ON_CHIP;
          this.onChipReady[i] = dramBits === 0 ? at : at + this.offChip.latency;
        } else {
          this.tickets[i] = this.offChip.request(at, dramBits, cfg.dataType, false, this.id);
          this.counts.metadataBits[this.mDram] += meta;
        }
        if (cfg.bufferBits > 0) {
          this.counts.c[this.cGlbWrite] += Math.ceil(pk.bits / cfg.glbPortBits);
          this.counts.metadataBits[this.mGlb] += meta;
        }
        if (this.held.length) {
          this.held[pk.payload] = 1;
          this.heldBits[pk.payload] = pk.bits;
          this.usedBits += pk.bits;
          this.order.push(pk.payload);
        }
      }
      if (this.held.length) this.pending[pk.payload]!++;
      this.generated = false;
      this.aheadCount++;
    }
  }

  /** Frees bank space for `bits` by dropping the oldest data with no send ahead; false if it cannot yet. */
  private makeRoom(bits: number): boolean {
    while (this.usedBits + bits > this.cfg.bufferBits && this.orderHead < this.order.length) {
      const oldest = this.order[this.orderHead]!;
      if (this.pending[oldest]! > 0) break;
      this.held[oldest] = 0;
      this.usedBits -= this.heldBits[oldest]!;
      this.orderHead++;
    }
    if (this.orderHead > 4096 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderHead = 0;
    }
    // A packet larger than the bank streams through an empty one.
    return this.usedBits + bits <= this.cfg.bufferBits || this.usedBits === 0;
  }
}
