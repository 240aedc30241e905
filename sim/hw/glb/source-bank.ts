import type { DataType } from '../../stats/access-counts.js';
import { type AccessCounts, counterIndex, metadataIndex } from '../../stats/access-counts.js';
import type { Packet } from '../channel.js';
import type { OffChipInterface } from '../off-chip.js';
import type { SourceBank } from './glb.js';

/** Packets a channel with a bank generates ahead of its port (its staging ring). */
export const LOOKAHEAD = 64;
const IN_BANK = -1; // the slot's data is still in the bank: no fetch
const ON_CHIP = -2; // written into the bank at `onChipReady` by another channel's load, or made on chip

export interface StagingBankConfig {
  dataType: DataType;
  /** The bank's space in bits (0: no bank, the data passes through a one-packet buffer at the port). */
  bufferBits: number;
  /** Bits per GLB access. */
  glbPortBits: number;
  /** Bits a packet's data takes off-chip (run-length coded feature maps are smaller); 0: made on chip. */
  dramBits: (pk: Packet) => number;
  /**
   * Payloads whose first load into this bank is free: another channel's load of the same data from off-chip
   * writes it into this bank too (the GLB holds what the routers share, so it is read once); null: none.
   */
  loadedByOthers: Uint8Array | null;
  /** Payload ids range over [0, payloads) (for the bank's record of what it holds). */
  payloads: number;
  /** Bits of a packet that are CSC metadata (addresses and counts), on chip and off. */
  metadataBits: (pk: Packet) => number;
}

/**
 * A GLB bank that fetches its channel's data from off-chip packet by packet: data is written into it ahead of
 * need and read out when sent; what it still holds when the program asks for it again is read from it without
 * going off-chip (oldest-sent data is replaced first). Iacts are reused this way across passes that need the
 * same rows (M tiles, overlapping filter rows). With no space (`bufferBits` 0) one packet is staged at the port.
 */
export class StagingBank implements SourceBank {
  readonly lookahead: number;
  // Per ring slot: the off-chip ticket (or IN_BANK / ON_CHIP) and the on-chip ready time.
  private readonly tickets = new Int32Array(LOOKAHEAD);
  private readonly onChipReady = new Float64Array(LOOKAHEAD);
  private readonly loadedOnce: Uint8Array;
  private spaceFreedAt = 0; // cycle the bank's latest freed space became free
  // The bank: payloads in it (oldest first) with their bits, and how many sends of each are still ahead.
  private readonly held: Uint8Array;
  private readonly pending: Uint16Array;
  private order: number[] = [];
  private orderBits: number[] = []; // bits of each payload in `order` (a payload is in the bank once at most)
  private orderHead = 0;
  private usedBits = 0;
  private readonly cGlbRead: number;
  private readonly cGlbWrite: number;
  private readonly mGlb: number;
  private readonly mDram: number;

  constructor(
    private readonly cfg: StagingBankConfig,
    private readonly offChip: OffChipInterface,
    private readonly counts: AccessCounts,
  ) {
    const banked = cfg.bufferBits > 0;
    this.lookahead = banked ? LOOKAHEAD : 1;
    this.held = new Uint8Array(banked ? cfg.payloads : 0);
    this.pending = new Uint16Array(banked ? cfg.payloads : 0);
    this.loadedOnce = new Uint8Array(cfg.loadedByOthers ? cfg.payloads : 0);
    this.cGlbRead = counterIndex('glb', cfg.dataType, 'read');
    this.cGlbWrite = counterIndex('glb', cfg.dataType, 'write');
    this.mGlb = metadataIndex('glb', cfg.dataType);
    this.mDram = metadataIndex('dram', cfg.dataType);
  }

  stage(slot: number, pk: Packet, now: number, requester: number): boolean {
    const { cfg } = this;
    if (this.held.length && this.held[pk.payload]) {
      this.tickets[slot] = IN_BANK; // still in the bank: read again, no off-chip access
    } else {
      if (this.held.length && !this.makeRoom(pk.bits)) return false;
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
        this.tickets[slot] = ON_CHIP;
        this.onChipReady[slot] = dramBits === 0 ? at : at + this.offChip.latency;
      } else {
        this.tickets[slot] = this.offChip.request(at, dramBits, cfg.dataType, false, requester);
        this.counts.metadataBits[this.mDram] += meta;
      }
      if (cfg.bufferBits > 0) {
        this.counts.c[this.cGlbWrite] += Math.ceil(pk.bits / cfg.glbPortBits);
        this.counts.metadataBits[this.mGlb] += meta;
      }
      if (this.held.length) {
        this.held[pk.payload] = 1;
        this.usedBits += pk.bits;
        this.order.push(pk.payload);
        this.orderBits.push(pk.bits);
      }
    }
    if (this.held.length) this.pending[pk.payload]!++;
    return true;
  }

  readyAt(slot: number): number {
    const ticket = this.tickets[slot]!;
    if (ticket >= 0) return this.offChip.readyAt(ticket); // finite bandwidth: the off-chip interface wakes the requester
    return ticket === ON_CHIP ? this.onChipReady[slot]! : 0;
  }

  sent(slot: number, pk: Packet, t: number, meta: number): void {
    if (this.cfg.bufferBits > 0) {
      this.counts.c[this.cGlbRead] += Math.ceil(pk.bits / this.cfg.glbPortBits);
      this.counts.metadataBits[this.mGlb] += meta;
    }
    const ticket = this.tickets[slot]!;
    if (ticket >= 0) this.offChip.release(ticket);
    if (this.held.length) this.pending[pk.payload]!--;
    this.spaceFreedAt = t;
  }

  /** Frees bank space for `bits` by dropping the oldest data with no send ahead; false if it cannot yet. */
  private makeRoom(bits: number): boolean {
    while (this.usedBits + bits > this.cfg.bufferBits && this.orderHead < this.order.length) {
      const oldest = this.order[this.orderHead]!;
      if (this.pending[oldest]! > 0) break;
      this.held[oldest] = 0;
      this.usedBits -= this.orderBits[this.orderHead]!;
      this.orderHead++;
    }
    if (this.orderHead > 4096 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderBits = this.orderBits.slice(this.orderHead);
      this.orderHead = 0;
    }
    // A packet larger than the bank streams through an empty one.
    return this.usedBits + bits <= this.cfg.bufferBits || this.usedBits === 0;
  }
}

/** What a gated bank waits for: Eyeriss v1's pass controller loading each block of passes into the GLB. */
export interface LoadGate {
  /** Cycle from which pass `pass`'s data is in the GLB, or Infinity while unknown. */
  readyAt(pass: number): number;
  /** Asks to be woken when a load time becomes known. */
  notify(component: number): void;
}

/**
 * A bank a pass controller fills (Eyeriss v1, sim/hw/glb/passes.ts): a packet's data is there once its
 * pass's block is loaded; the controller counts the loads' writes, the bank the reads as packets leave.
 */
export class GatedBank implements SourceBank {
  readonly lookahead = LOOKAHEAD;
  private readonly cGlbRead: number;
  private readonly mGlb: number;

  constructor(
    private readonly gate: LoadGate,
    dataType: DataType,
    private readonly glbPortBits: number,
    private readonly counts: AccessCounts,
  ) {
    this.cGlbRead = counterIndex('glb', dataType, 'read');
    this.mGlb = metadataIndex('glb', dataType);
  }

  stage(): boolean {
    return true;
  }

  readyAt(_slot: number, pk: Packet, requester: number): number {
    const loaded = this.gate.readyAt(pk.pass);
    if (loaded === Infinity) this.gate.notify(requester);
    return loaded;
  }

  sent(_slot: number, pk: Packet, _t: number, meta: number): void {
    this.counts.c[this.cGlbRead] += Math.ceil(pk.bits / this.glbPortBits);
    this.counts.metadataBits[this.mGlb] += meta;
  }
}
