/**
 * Upper bounds on inputs, from what the simulator can represent in memory and time. Every loader checks them
 * before it allocates anything, so an input too large fails at once with a one-line error naming the field and
 * the bound, rather than after minutes in a heap abort, a hang or an overflowed event time.
 *
 * The reasons, each our choice unless it follows from a representation:
 * - Event times are cycles in [0, 2^32) (sim/engine/event-queue.ts packs time and order into one double), so
 *   a layer must finish within 2^32 cycles: a layer's MACs divided by the MACs the array can do per cycle must
 *   stay below that (checked per run, it depends on the hardware), and each fixed latency is bounded so that
 *   thousands of them in a row stay far below it.
 * - SPad addresses are stored in 16 bits (sim/hw/pe/spads.ts), so no SPad has more than 2^16 entries.
 * - Simulator state grows with PEs x SPad sizes; together they must stay under 2 GiB of typed arrays (Node's
 *   heap and the tensors need the rest of a typical machine).
 * - Tensors are typed arrays of at most 2^28 elements (1 GiB as Int32 psums): VGG-16's largest, at batch 16,
 *   has 5.1e7.
 * - The largest array studied is 16384 PEs (hw-configs/sweeps/scaling.yaml), whose worker needs gigabytes.
 */
import { InputError } from '../errors.js';

export const LIMITS = {
  /** Processing elements of a config (array.clusterRows x clusterCols x peRowsPerCluster x peColsPerCluster). */
  pes: 16384,
  /** Any one array dimension. */
  arrayDim: 1024,
  /** Entries or words of any SPad: addresses are 16-bit. */
  spadEntries: 2 ** 16,
  /** Bits of any word, entry, precision or link: a value is held in a 32-bit integer. */
  bits: 32,
  /** NoC port width, bits per cycle (128x the widest shipped port). */
  portBits: 8192,
  /** MACs per PE per cycle. */
  simdWidth: 64,
  /** PE pipeline stages. */
  pipelineStages: 64,
  /** The PE's fetch queue (one Float64 per entry per PE). */
  fetchQueueEntries: 4096,
  /** Routers or banks per cluster: at most one per PE (Eyeriss v1's one cluster has one bank per PE). */
  perCluster: 16384,
  /** Bytes of one GLB bank or of the filter GLB (2^24 = 16 MiB; the shipped banks are 1.5-4 KiB). */
  bankBytes: 2 ** 24,
  /** Cycles of one NoC hop or router-to-PE delivery. */
  nocLatencyCycles: 2 ** 16,
  /** Cycles of one off-chip access. */
  offChipLatencyCycles: 2 ** 20,
  /** MHz: beyond 100 GHz the energy per second would be computed from a clock no chip runs. */
  clockMHz: 1e5,
  /** GB/s of off-chip bandwidth (1 PB/s). */
  bandwidthGBps: 1e6,
  /** Bytes of simulator state the PEs may need (2 GiB). */
  peStateBytes: 2 ** 31,
  /** Images in a batch. */
  batch: 4096,
  /** Elements of any one tensor (iacts, weights, psums, padded iacts). */
  tensorElements: 2 ** 28,
  /** Layers of a trace (ResNet-152 has about 500 with its adds). */
  layers: 10_000,
  /** Nesting depth of a JSON or YAML document (a trace is 4 deep). */
  nesting: 64,
  /** Cycles a layer may take: event times are below 2^32. */
  layerCycles: 2 ** 32 - 1,
  /** Values of one sweep range, and points of a whole sweep. */
  sweepValues: 10_000,
  sweepPoints: 10_000,
} as const;

/** The depth of the deepest nesting of [ and { in a JSON text (outside strings), scanning without parsing. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 91 || ch === 123) max = Math.max(max, ++depth);
    else if (ch === 93 || ch === 125) depth--;
  }
  return max;
}

/** Fails unless a JSON text nests at most LIMITS.nesting deep (deeper input overflows recursive code). */
export function checkJsonDepth(file: string, text: string): void {
  const depth = jsonDepth(text);
  if (depth > LIMITS.nesting) {
    throw new InputError(`${file}: nesting: got ${depth} levels of [ and {, expected at most ${LIMITS.nesting}`);
  }
}
