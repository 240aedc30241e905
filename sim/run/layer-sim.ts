import type { HwConfig } from '../config/hw-config.js';
import { type EngineKind, Simulator } from '../engine/simulator.js';
import { InputError, SimulationError } from '../errors.js';
import { MulticastChannel, type Packet } from '../hw/channel.js';
import { FinalOutput } from '../hw/final-output.js';
import type { Glb } from '../hw/glb/glb.js';
import { glbModel } from '../hw/glb/registry.js';
import { OffChipInterface } from '../hw/off-chip.js';
import { type ChainView, type CreditSink, ProcessingElement, ringSize } from '../hw/pe/processing-element.js';
import { RecurrenceTiming, SteppedTiming } from '../hw/pe/pipeline.js';
import { PeGroup } from '../hw/pe/pe-group.js';
import { peModel } from '../hw/pe/registry.js';
import { nocModel } from '../hw/noc/registry.js';
import type { NocTopology } from '../hw/noc/noc.js';
import { PsumTraffic } from '../hw/noc/psum-traffic.js';
import type { PsumChain } from '../hw/psum-chain/chain.js';
import { psumChainModel } from '../hw/psum-chain/registry.js';
import { arrayShape, mappingProblem, peGeometry, weightTileSlots } from '../mapping/constraints.js';
import { type Mapping, formatMapping, iactFormat } from '../mapping/mapping.js';
import { type Densities, type MappingCache, rankMappings } from '../mapping/mapper.js';
import type { MappingObjective } from '../mapping/objective.js';
import { MappingPlan } from '../mapping/plan.js';
import { type Problem, problemMacs, toProblem } from '../mapping/problem.js';
import { IactProgram, WeightProgram } from '../hw/channel-programs.js';
import { IactSegmentStore, WeightTileStore } from '../mapping/tiles.js';
import { countOverflows, referenceConv, wrapArrayToBits } from '../reference/conv.js';
import { AccessCounts, metadataIndex } from '../stats/access-counts.js';
import type { LayerSpec } from '../workloads/layer.js';
import { nonZeroFraction } from '../workloads/tensors.js';

export interface LayerRunOptions {
  engine: EngineKind;
  check: boolean;
  /** A mapping the user pinned for this layer, instead of the mapper's choice. */
  mapping?: Mapping;
  /** Whether the layer reads the network's input (stored raw off-chip, not run-length coded). */
  networkInput?: boolean;
  /** Only mappings in this PE mode (a sparse PE's compressed or uncompressed mode); any when absent. */
  peMode?: Mapping['peMode'];
  /** Rankings to reuse within one network run (runNetwork makes one per run); none: rank afresh. */
  mappingCache?: MappingCache;
  /** Told now and then how far the layer has got: simulated cycles over the mapper's estimate (capped below 1). */
  onProgress?: (fraction: number) => void;
  /** What the mapper minimises (default: the estimated cycles). */
  objective?: MappingObjective;
  /** The non-zero fractions of iacts and weights, when the caller measured them already (else measured here). */
  densities?: Densities;
}

export interface LayerResult {
  name: string;
  type: string;
  problem: Problem;
  mapping: Mapping;
  mappingText: string;
  nocModes: NocTopology['modes'];
  estimatedCycles: number | null;
  cycles: number;
  nominalMacs: number;
  effectiveMacs: number;
  gatedMacs: number;
  skippedMacs: number;
  peUtilization: number;
  macUtilization: number;
  activePes: number;
  peBusyCycles: number;
  /** Per cluster: the busiest PE's busy cycles (a lower bound of the cycles the cluster was active). */
  clusterBusyCycles: number[];
  counts: AccessCounts;
  dramBits: { read: number; write: number };
  check: 'pass' | 'fail' | 'skipped';
  checkDetail: string;
  psumOverflows: number | null;
  /** 20-bit outputs, N x (G*M) x E x F. */
  outputs: Int32Array;
  /** Cycles the array waited for off-chip loads and stores of GLB passes (Eyeriss v1; 0 otherwise). */
  offChipStallCycles: number;
  events: number;
}

interface Chosen {
  mapping: Mapping;
  estimate: number | null;
  weights: WeightTileStore;
  topology: NocTopology;
}

/** Picks (or validates) the mapping and encodes the weight tiles it needs. */
function chooseMapping(hw: HwConfig, layer: LayerSpec, p: Problem, iacts: Int16Array, weights: Int8Array, pinned?: Mapping, peMode?: Mapping['peMode'], cache?: MappingCache, objective?: MappingObjective, densities?: Densities): Chosen {
  const noc = nocModel(hw);
  const shape = arrayShape(hw);
  const stores = new Map<string, WeightTileStore>();
  const tilesFor = (m: Mapping): WeightTileStore => {
    const key = `${m.peMode}/${m.M0}/${m.C0}/${m.R0 ?? 1}`;
    let s = stores.get(key);
    if (!s) {
      s = new WeightTileStore(p, m.M0, m.C0, m.peMode, weights, hw.pe.cscCountBits, hw.pe.simdWidth, m.R0);
      stores.set(key, s);
    }
    return s;
  };
  const fits = (m: Mapping): { weights: WeightTileStore; topology: NocTopology } | string => {
    const w = tilesFor(m);
    if (w.maxWords > hw.pe.weightDataSpadWords) {
      return `a weight tile needs ${w.maxWords} words > the ${hw.pe.weightDataSpadWords}-word weight data SPad`;
    }
    const topology = noc.build(new MappingPlan(p, m, shape), hw);
    return typeof topology === 'string' ? topology : { weights: w, topology };
  };
  if (pinned) {
    const why = mappingProblem(p, pinned, hw);
    const ok = why ?? fits(pinned);
    if (typeof ok === 'string') throw new InputError(`layer "${layer.name}": pinned mapping cannot run: ${ok}`);
    return { mapping: pinned, estimate: null, ...ok };
  }
  // Ranked with the densities of the data the layer runs on (its declared ones only describe synthetic data).
  const ranked = rankMappings(p, hw, densities ?? { iact: nonZeroFraction(iacts), weight: nonZeroFraction(weights) }, peMode, cache, objective);
  for (const candidate of ranked) {
    const ok = fits(candidate.mapping);
    if (typeof ok !== 'string') return { mapping: candidate.mapping, estimate: candidate.estimatedCycles, ...ok };
  }
  throw new InputError(
    `layer "${layer.name}": no ${peMode ? `${peMode}-mode ` : ''}mapping fits ${hw.name} (${ranked.length ? 'weight tiles or NoC routes do not fit' : `filter ${p.R}x${p.S}, stride ${p.U}x${p.V} does not fit the PE scratchpads`})`,
  );
}


/**
 * Off-chip bits of each iact segment. Padding is made on chip (our choice: the GLB inserts the zeros as it
 * writes a segment into its bank, so they are never stored or moved off-chip): a segment of padding alone
 * moves nothing; a raw (uncompressed) segment moves only its values inside the input; a CSC segment its
 * encoding, in which padding zeros are only zero-run counts.
 */
function iactDramBits(p: Problem, store: IactSegmentStore, bitsOf: (seg: number) => number, compressed: boolean, iactBits: number): Float64Array {
  const { H, W, Hp, V, C, padTop, padLeft } = p;
  const segments = store.start.length - 1;
  const out = new Float64Array(segments);
  const perRow = store.segmentsPerRow;
  for (let seg = 0; seg < segments; seg++) {
    const k = seg % perRow;
    const h = Math.floor(seg / perRow) % Hp;
    const ct = Math.floor(seg / (perRow * Hp)) % store.channelTiles;
    const y = h - padTop;
    let inside = 0;
    if (y >= 0 && y < H) {
      for (let q = 0; q < V; q++) {
        const x = k * V + q - padLeft;
        if (x >= 0 && x < W) inside++;
      }
    }
    const cCount = Math.min(store.C0, C - ct * store.C0);
    out[seg] = inside === 0 ? 0 : compressed ? bitsOf(seg) : inside * cCount * iactBits;
  }
  return out;
}

/** How a layer's packets are sized and what of them is CSC metadata, for its mapping's formats. */
interface PacketFormats {
  /** The PE's compressed mode (weights in CSC); iacts in CSC (not with `iacts=raw`). */
  compressed: boolean;
  iactsCompressed: boolean;
  /** On-chip bits of an iact segment, and of a weight tile of `mCount` output channels. */
  iactBits: (seg: number) => number;
  weightBits: (tile: number, mCount: number) => number;
  /** CSC metadata of a packet: its address(es) and one zero-run count per entry. */
  iactMeta: (pk: Packet) => number;
  weightMeta: (pk: Packet) => number;
}

function packetFormats(hw: HwConfig, mapping: Mapping, iactStore: IactSegmentStore, w: WeightTileStore): PacketFormats {
  const pe = hw.pe;
  const compressed = mapping.peMode === 'compressed';
  const iactsCompressed = iactFormat(mapping) === 'csc';
  return {
    compressed,
    iactsCompressed,
    iactBits: (seg) => (iactsCompressed ? pe.iactAddrBits + iactStore.entries(seg) * pe.iactDataEntryBits : iactStore.entries(seg) * hw.precision.iactBits),
    weightBits: (tile, mCount) => (compressed
      ? w.columns(tile) * pe.weightAddrBits + w.entries(tile) * (pe.weightDataWordBits / pe.simdWidth)
      : w.columns(tile) * mCount * hw.precision.weightBits),
    iactMeta: (pk) => (iactsCompressed ? pe.iactAddrBits + iactStore.entries(pk.payload) * pe.cscCountBits : 0),
    weightMeta: (pk) => (compressed ? w.columns(pk.payload) * pe.weightAddrBits + w.entries(pk.payload) * pe.cscCountBits : 0),
  };
}

/** What every builder of a layer's components shares. */
interface LayerBuild {
  hw: HwConfig;
  sim: Simulator;
  plan: MappingPlan;
  topology: NocTopology;
  counts: AccessCounts;
  iactStore: IactSegmentStore;
  weights: WeightTileStore;
  formats: PacketFormats;
  geo: ReturnType<typeof peGeometry>;
}

/** The off-chip interface: DRAM behind `offChip.bandwidthGBps` (null: unlimited). */
function buildOffChip(b: LayerBuild): OffChipInterface {
  const { hw } = b;
  const bitsPerCycle = hw.offChip.bandwidthGBps === null ? null : (hw.offChip.bandwidthGBps * 8e9) / (hw.clockMHz * 1e6);
  const offChip = new OffChipInterface(b.sim, b.counts, bitsPerCycle, hw.offChip.latencyCycles);
  offChip.id = b.sim.add(offChip);
  return offChip;
}

/** A PE that belongs to no psum chain (unused by the mapping): it never sends. */
const OFF_CHAIN: ChainView = {
  roleOf: () => ({ kind: 'off', psumIn: false }),
  rowJob: () => null,
  outputOf: () => null,
  lastRow: () => -1,
  receiverOf: () => {
    throw new SimulationError('a PE outside every psum chain has no receiver');
  },
};
const NO_SENDER: CreditSink = { returnCredit: () => undefined };

/** The PEs, by `pe.type` (sim/hw/pe/registry.ts), each with the pipeline timing its engine steps. */
function buildPes(b: LayerBuild, engine: EngineKind): ProcessingElement[] {
  const { hw, plan, formats, geo } = b;
  const pe = hw.pe;
  const lead = pe.weightReadStage - pe.iactReadStage; // from an iact's fetch to its first weight word
  const tail = pe.pipelineStages - pe.weightReadStage; // after the last weight word: MAC and psum update
  const peImpl = peModel(hw);
  const pes: ProcessingElement[] = [];
  for (let i = 0; i < plan.numPes; i++) {
    const ring = ringSize(geo.psumSlots);
    const timing = engine === 'event' ? new RecurrenceTiming(pe.fetchQueueEntries + 1, lead, tail, ring) : new SteppedTiming(pe.fetchQueueEntries + 1, lead, tail, ring);
    const node = peImpl.create(`PE${i}`, i, {
      plan, iacts: b.iactStore, weights: b.weights, compressed: formats.compressed, iactsCompressed: formats.iactsCompressed,
      windowSegments: geo.windowSegments, iactsFreedAsRead: geo.iactsFreedAsRead,
      simdWidth: pe.simdWidth, psumBits: hw.precision.psumBits, psumLinkBits: pe.psumLinkBits, psumSlots: geo.psumSlots,
      iactEntries: pe.iactDataSpadEntries, iactSegments: geo.iactSlots, weightAddrEntries: pe.weightAddrSpadEntries,
      weightEntries: pe.weightDataSpadWords * pe.simdWidth, psumEntries: pe.psumSpadEntries,
    }, b.counts, timing);
    node.chain = OFF_CHAIN;
    node.psumInSender = NO_SENDER;
    pes.push(node);
  }
  return pes;
}

/** The GLB, by `glb.type` (sim/hw/glb/registry.ts): its first phase, which makes the psum stores the chains end in. */
function buildGlb(b: LayerBuild, offChip: OffChipInterface, final: FinalOutput, traffic: PsumTraffic, networkInput: boolean, outputDensity: number | undefined): Glb {
  const { hw, plan, topology, iactStore, formats } = b;
  return glbModel(hw).create({
    hw, sim: b.sim, plan, counts: b.counts, offChip, topology, iacts: iactStore,
    iactDramBits: iactDramBits(plan.problem, iactStore, formats.iactBits, formats.compressed, hw.precision.iactBits),
    iactProgram: (i) => new IactProgram(topology.iact[i]!, plan, iactStore, formats.iactBits),
    weightTiles: b.weights.entryStart.length - 1, iactMeta: formats.iactMeta, weightMeta: formats.weightMeta,
    final, traffic, networkInput, outputDensity,
  });
}

/** The psum chains of the topology, by `noc.psum.chain` (sim/hw/psum-chain/registry.ts), ending in the GLB's psum stores. */
function buildChains(b: LayerBuild, pes: ProcessingElement[], glb: Glb, final: FinalOutput, traffic: PsumTraffic): PsumChain[] {
  const model = psumChainModel(b.hw);
  const ctx = { plan: b.plan, final, finalsInGlb: glb.finalsInGlb, traffic };
  return b.topology.chains.map((spec) =>
    model.build(spec, spec.pes.map((id) => pes[id]!), spec.store === null ? null : glb.psumStores[spec.store]!, ctx));
}

/** Steps each chain's PEs together (sim/hw/pe/pe-group.ts), and a PE in no chain alone. */
function groupPes(b: LayerBuild, pes: ProcessingElement[]): void {
  const groups = [...b.topology.chains.map((spec) => spec.pes.map((id) => pes[id]!)), ...pes.filter((x) => x.chain === OFF_CHAIN).map((x) => [x])];
  for (const members of groups) {
    const group = new PeGroup(members.map((m) => m.name).join('+'), b.sim, members);
    group.id = b.sim.add(group);
    members.forEach((m, i) => (m.waker = group.wakerOf(i)));
  }
}

/** The iact and weight channels of the topology (source ports and multicast trees), each with its GLB bank. */
function buildChannels(b: LayerBuild, pes: ProcessingElement[], glb: Glb): MulticastChannel[] {
  const { hw, sim, plan, topology, counts, formats, geo } = b;
  const pe = hw.pe;
  const channels: MulticastChannel[] = [];
  // Metadata written into the SPads with each delivery.
  const mSpadIact = metadataIndex('spad', 'iact');
  const mSpadWeight = metadataIndex('spad', 'weight');
  const deliverIact = {
    deliver: (id: number, pk: Packet, arrival: number) => {
      pes[id]!.receiveSegment(pk.payload, arrival);
      counts.metadataBits[mSpadIact] += formats.iactMeta(pk);
    },
  };
  const deliverWeight = {
    deliver: (id: number, pk: Packet, arrival: number) => {
      pes[id]!.receiveWeights(pk.payload, pk.pass, pk.rows, arrival);
      counts.metadataBits[mSpadWeight] += formats.weightMeta(pk);
    },
  };
  topology.iact.forEach((spec, index) => {
    const ch = new MulticastChannel(sim, {
      name: spec.name, dataType: 'iact', portBits: hw.noc.iact.portBits,
      latency: spec.hops * hw.noc.hopLatencyCycles + hw.noc.localLatencyCycles, hops: spec.hops,
      entryCredits: pe.iactDataSpadEntries, slotCredits: geo.iactSlots, metadataBits: formats.iactMeta,
      destinations: spec.keys.flat(), numPes: plan.numPes,
    }, new IactProgram(spec, plan, b.iactStore, formats.iactBits), deliverIact, glb.bank('iact', index), counts);
    ch.id = sim.add(ch);
    for (const key of spec.keys) for (const id of key) pes[id]!.iactSender = ch;
    channels.push(ch);
  });
  topology.weight.forEach((spec, index) => {
    const ch = new MulticastChannel(sim, {
      name: spec.name, dataType: 'weight', portBits: hw.noc.weight.portBits,
      latency: spec.hops * hw.noc.hopLatencyCycles + hw.noc.localLatencyCycles, hops: spec.hops,
      entryCredits: 0, slotCredits: weightTileSlots(b.weights.maxWords, b.weights.maxColumns, hw), metadataBits: formats.weightMeta,
      destinations: spec.keys.flat(), numPes: plan.numPes,
    }, new WeightProgram(spec, plan, b.weights, formats.weightBits), deliverWeight, glb.bank('weight', index), counts);
    ch.id = sim.add(ch);
    for (const key of spec.keys) for (const id of key) pes[id]!.weightSender = ch;
    channels.push(ch);
  });
  for (const ch of channels) sim.wake(ch.id, 0);
  return channels;
}

export type CheckOutcome = Pick<LayerResult, 'check' | 'checkDetail' | 'psumOverflows'>;

const UNCHECKED: CheckOutcome = { check: 'skipped', checkDetail: 'not checked (--no-check)', psumOverflows: null };

/** Compares a layer's simulated outputs with the reference convolution, bit for bit (psums wrap at their width). */
export function checkOutputs(hw: HwConfig, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, outputs: Int32Array): CheckOutcome {
  const exact = referenceConv(layer, iacts, weights);
  const expected = wrapArrayToBits(exact, hw.precision.psumBits);
  const bad = expected.findIndex((v, i) => v !== outputs[i]);
  return {
    check: bad < 0 ? 'pass' : 'fail',
    checkDetail: bad < 0 ? `all ${expected.length} outputs equal the reference` : `output ${bad}: simulated ${outputs[bad]}, reference ${expected[bad]}`,
    psumOverflows: countOverflows(exact, hw.precision.psumBits),
  };
}

/**
 * Simulates one on-chip layer: builds the array for its mapping from the registries (PE, psum chain, GLB; the
 * NoC topology came with the mapping), moves the layer's real data through it, and checks the outputs and
 * the MAC conservation. Components are added to the simulator in a fixed order (off-chip, PEs, GLB, channels),
 * which fixes the order of same-cycle events.
 */
export function simulateLayer(hw: HwConfig, layer: LayerSpec, iacts: Int16Array, weights: Int8Array, options: LayerRunOptions): LayerResult {
  const p = toProblem(layer);
  const chosen = chooseMapping(hw, layer, p, iacts, weights, options.mapping, options.peMode, options.mappingCache, options.objective, options.densities);
  const { mapping, topology } = chosen;
  const plan = new MappingPlan(p, mapping, arrayShape(hw));
  const geo = peGeometry(p, mapping, hw);
  const iactStore = new IactSegmentStore(p, mapping.C0, iactFormat(mapping), iacts, hw.pe.cscCountBits, geo.windowSegments);
  const formats = packetFormats(hw, mapping, iactStore, chosen.weights);

  const sim = new Simulator(options.engine);
  const onProgress = options.onProgress;
  if (onProgress) sim.onProgress = (now) => onProgress(Math.min(0.99, now / (chosen.estimate ?? Infinity)));
  const counts = new AccessCounts();
  const b: LayerBuild = { hw, sim, plan, topology, counts, iactStore, weights: chosen.weights, formats, geo };

  const offChip = buildOffChip(b);
  const pes = buildPes(b, options.engine);
  const final = new FinalOutput(plan, offChip, hw.precision.outputBits);
  const traffic = new PsumTraffic(counts, hw.precision.psumBits, hw.pe.psumLinkBits, hw.noc.psum.portBits);
  const glb = buildGlb(b, offChip, final, traffic, options.networkInput ?? false, layer.outputDensity);
  const chains = buildChains(b, pes, glb, final, traffic);
  groupPes(b, pes);
  glb.connect(chains);
  const channels = buildChannels(b, pes, glb);

  sim.run();

  const stuck = [...pes.filter((x) => x.chain !== OFF_CHAIN && !x.finished), ...channels.filter((c) => !c.finished), ...glb.unfinished()];
  if (stuck.length > 0) {
    const pe = stuck.find((c): c is ProcessingElement => c instanceof ProcessingElement);
    throw new SimulationError(`layer "${layer.name}": the array stopped with work left in ${stuck.slice(0, 4).map((c) => c.name).join(', ')}${stuck.length > 4 ? ` and ${stuck.length - 4} more` : ''} (deadlock${pe ? `; ${pe.describe()}` : ''})`);
  }
  const cycles = Math.max(final.lastArrival, offChip.lastCompletion);
  const nominal = problemMacs(p);
  const effective = counts.get('mac', 'psum', 'compute');
  const gated = counts.get('mac', 'psum', 'gate');
  const skipped = counts.get('mac', 'psum', 'skip');
  if (effective + gated + skipped !== nominal) {
    throw new SimulationError(`layer "${layer.name}": MAC conservation broken: ${effective} done + ${gated} gated + ${skipped} skipped != ${nominal} nominal`);
  }
  const notOnce = final.written.findIndex((w) => w !== 1);
  if (notOnce >= 0) {
    throw new SimulationError(`layer "${layer.name}": output ${notOnce} written ${final.written[notOnce]} times, expected exactly once`);
  }
  const outcome = options.check ? checkOutputs(hw, layer, iacts, weights, final.psums) : UNCHECKED;
  const busy = pes.reduce((a, x) => a + x.timing.busyCycles, 0);
  const perCluster = hw.array.peRowsPerCluster * hw.array.peColsPerCluster;
  const clusterBusyCycles = Array.from({ length: plan.numPes / perCluster }, (_, c) =>
    Math.max(...pes.slice(c * perCluster, (c + 1) * perCluster).map((x) => x.timing.busyCycles)));
  return {
    name: layer.name,
    type: layer.type,
    problem: p,
    mapping,
    mappingText: formatMapping(mapping),
    nocModes: topology.modes,
    estimatedCycles: chosen.estimate,
    cycles,
    nominalMacs: nominal,
    effectiveMacs: effective,
    gatedMacs: gated,
    skippedMacs: skipped,
    peUtilization: cycles > 0 ? busy / (plan.numPes * cycles) : 0,
    macUtilization: cycles > 0 ? effective / (plan.numPes * hw.pe.simdWidth * cycles) : 0,
    activePes: pes.filter((x) => x.windowsComputed > 0).length,
    peBusyCycles: busy,
    clusterBusyCycles,
    counts,
    dramBits: { read: offChip.readBits, write: offChip.writeBits },
    ...outcome,
    outputs: final.psums,
    offChipStallCycles: glb.stallCycles,
    events: sim.steps,
  };
}
