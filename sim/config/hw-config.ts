import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { LIMITS } from './bounds.js';
import { looksLikePath, packageRoot } from '../paths.js';
import { parseYamlText, readInputFile, validateDocument } from './validate.js';

/*
 * The architecture spec (Timeloop's "arch"): everything about the hardware, nothing about the workload or the
 * mapping. Units are in the field names or the comments; the sources of the published values are in the YAML
 * files beside each value (hw-configs/eyeriss-v2.yaml).
 */

/** A positive integer up to a bound of sim/config/bounds.ts; `why` is printed with the bound. */
const upTo = (max: number, why: string, min = 1) => z.number().int().min(min).max(max, { error: why });
const bits = upTo(LIMITS.bits, 'held in a 32-bit integer');
const spad = upTo(LIMITS.spadEntries, 'SPad addresses are 16-bit');
const perCluster = upTo(LIMITS.perCluster, 'at most one per PE of the largest array');
const arrayDim = upTo(LIMITS.arrayDim, `our bound; at most ${LIMITS.pes} PEs in all`);

/** Names of the PE implementations (sim/hw/pe/registry.ts maps them to code). */
export const PE_TYPES = ['sparse-csc', 'dense-gating'] as const;
/** Names of the NoC implementations (sim/hw/noc/registry.ts). */
export const NOC_TYPES = ['hierarchical-mesh', 'flat-multicast'] as const;
/** Names of the GLB implementations (sim/hw/glb/registry.ts). */
export const GLB_TYPES = ['banked', 'shared'] as const;
/** Names of the psum chain implementations (sim/hw/psum-chain/registry.ts). */
export const PSUM_CHAIN_TYPES = ['column'] as const;

const peSchema = z
  .object({
    type: z.enum(PE_TYPES),
    simdWidth: upTo(LIMITS.simdWidth, 'our bound'), // MACs per PE per cycle
    pipelineStages: upTo(LIMITS.pipelineStages, 'our bound', 2), // stages from the first SPad read to the psum write
    iactReadStage: upTo(LIMITS.pipelineStages, 'our bound'), // stage that reads an iact's value
    weightReadStage: upTo(LIMITS.pipelineStages, 'our bound'), // stage that reads a weight data word (at or after the iact read)
    fetchQueueEntries: upTo(LIMITS.fetchQueueEntries, 'our bound: one slot per entry per PE'), // non-zero iacts buffered between the iact fetch and the weight fetch stages
    iactAddrSpadEntries: spad,
    iactAddrBits: bits,
    iactDataSpadEntries: spad,
    iactDataEntryBits: bits, // data + CSC count
    weightAddrSpadEntries: spad,
    weightAddrBits: bits,
    // The weight data SPad's size: in words, or (so that simdWidth alone sets the SIMD) in entries, one weight each,
    // words = entries / simdWidth. One of the two.
    weightDataSpadWords: spad.optional(),
    weightDataSpadEntries: spad.optional(),
    // simdWidth entries of data (+ CSC count for sparse-csc); omitted: exactly that, from simdWidth.
    weightDataWordBits: upTo(LIMITS.simdWidth * LIMITS.bits, 'simdWidth entries of at most 32 bits').optional(),
    psumSpadEntries: spad,
    psumEntryBits: bits,
    cscCountBits: bits, // zeros-run field of a CSC entry
    psumLinkBits: upTo(LIMITS.portBits, 'our bound'), // vertical PE-to-PE psum link inside a cluster, bits per cycle
  })
  .strict();

const routerSchema = z.object({ routersPerCluster: perCluster, portBits: upTo(LIMITS.portBits, 'our bound') }).strict();

const nocSchema = z
  .object({
    type: z.enum(NOC_TYPES),
    iact: routerSchema,
    weight: routerSchema,
    // The psum chain's implementation (sim/hw/psum-chain/registry.ts); omitted: column, the only one.
    psum: routerSchema.extend({ chain: z.enum(PSUM_CHAIN_TYPES).default('column') }).strict(),
    hopLatencyCycles: upTo(LIMITS.nocLatencyCycles, 'event times must stay below 2^32 cycles', 0), // extra cycles per mesh hop (routers are circuit-switched muxes)
    localLatencyCycles: upTo(LIMITS.nocLatencyCycles, 'event times must stay below 2^32 cycles'), // router cluster -> PE cluster (all-to-all), cycles
  })
  .strict();

const glbSchema = z
  .object({
    // The GLB's implementation (sim/hw/glb/registry.ts): banked (v2: iact and psum banks per cluster, final
    // outputs skip the GLB) or shared (v1: one pool of banks shared by ifmaps and psums, final outputs stored
    // in it). Omitted: shared if sharedIactPsumBanks, else banked.
    type: z.enum(GLB_TYPES).optional(),
    iactBanksPerCluster: perCluster,
    iactBankBytes: upTo(LIMITS.bankBytes, 'our bound'),
    psumBanksPerCluster: perCluster,
    psumBankBytes: upTo(LIMITS.bankBytes, 'our bound'),
    // One pool of banks split between ifmaps and psums per layer (Eyeriss v1) instead of fixed iact and
    // psum banks; the pool is iactBanksPerCluster banks of iactBankBytes. Follows from type; omitted: type is shared.
    sharedIactPsumBanks: z.boolean().optional(),
    // Bytes of GLB for filters (Eyeriss v1); 0 = weights go straight from off-chip to the PEs (v2).
    filterBytes: upTo(LIMITS.bankBytes, 'our bound', 0).default(0),
  })
  .strict();

const offChipSchema = z
  .object({
    // Aggregate read+write bandwidth in GB/s (1e9 B/s); null = unlimited, as in JETCAS19's headline results.
    bandwidthGBps: z.number().positive().max(LIMITS.bandwidthGBps, { error: 'our bound; null for unlimited' }).nullable(),
    latencyCycles: upTo(LIMITS.offChipLatencyCycles, 'event times must stay below 2^32 cycles', 0),
    // Whether processing stops while a GLB pass's ifmaps load and its outputs store (Eyeriss v1).
    blocksProcessing: z.boolean().default(false),
    // Feature maps stored run-length coded off-chip: run bits, level bits, pairs per word (Eyeriss v1's RLC).
    rlc: z.object({ runBits: bits, levelBits: bits, pairsPerWord: upTo(LIMITS.bits, 'our bound'), wordBits: upTo(LIMITS.portBits, 'our bound') }).strict().nullable().default(null),
  })
  .strict();

export const hwConfigSchema = z
  .object({
    version: z.literal(1),
    name: z.string().min(1),
    description: z.string(),
    technologyNm: upTo(100_000, 'our bound'),
    // mm^2 of the core; the simulator cannot derive it, the metrics card (sim/report/card.ts) only reports it.
    coreAreaMm2: z.number().positive().max(1e6, { error: 'our bound' }).optional(),
    clockMHz: z.number().positive().max(LIMITS.clockMHz, { error: 'our bound: 100 GHz' }),
    precision: z
      .object({ iactBits: bits, weightBits: bits, psumBits: bits, outputBits: bits })
      .strict(),
    array: z
      .object({ clusterRows: arrayDim, clusterCols: arrayDim, peRowsPerCluster: arrayDim, peColsPerCluster: arrayDim })
      .strict(),
    pe: peSchema,
    noc: nocSchema,
    glb: glbSchema,
    offChip: offChipSchema,
    // Energy per action and per cycle: a name in hw-configs/energy/ or a path (sim/energy/energy-table.ts).
    energyTable: z.string().min(1),
  })
  .strict()
  .transform((c, ctx) => {
    // SIMD is one field: the weight word holds simdWidth entries, and a SPad given in entries has entries / simdWidth words.
    const { weightDataSpadEntries: entries, weightDataSpadWords: words, weightDataWordBits: wordBits, ...pe } = c.pe;
    const fail = (section: 'pe' | 'glb', field: string, message: string) => {
      ctx.issues.push({ code: 'custom', message, path: [section, field], input: c[section] });
      return z.NEVER;
    };
    if ((entries === undefined) === (words === undefined)) return fail('pe', 'weightDataSpadEntries', 'exactly one of pe.weightDataSpadEntries and pe.weightDataSpadWords');
    if (entries !== undefined && entries % pe.simdWidth !== 0) return fail('pe', 'weightDataSpadEntries', `a multiple of pe.simdWidth = ${pe.simdWidth}`);
    const entryBits = c.precision.weightBits + (pe.type === 'sparse-csc' ? pe.cscCountBits : 0);
    // The GLB type and the older sharedIactPsumBanks flag say the same thing: each follows from the other.
    const glbType = c.glb.type ?? (c.glb.sharedIactPsumBanks ? 'shared' : 'banked');
    if (c.glb.sharedIactPsumBanks !== undefined && c.glb.sharedIactPsumBanks !== (glbType === 'shared')) {
      return fail('glb', 'sharedIactPsumBanks', `${glbType === 'shared'} (glb.type ${glbType}), or omitted`);
    }
    return {
      ...c,
      pe: { ...pe, weightDataSpadWords: words ?? entries! / pe.simdWidth, weightDataWordBits: wordBits ?? pe.simdWidth * entryBits },
      glb: { ...c.glb, type: glbType, sharedIactPsumBanks: glbType === 'shared' },
    };
  });

export type HwConfig = z.output<typeof hwConfigSchema>;

export interface LoadedHwConfig {
  config: HwConfig;
  file: string;
  sha256: string;
}

/** Cross-field rules the schema cannot say: router counts follow the array, SPad words follow the precision. */
function checkConsistency(file: string, c: HwConfig): void {
  const mesh = c.noc.type === 'hierarchical-mesh';
  const rules: [boolean, string, unknown, string][] = [
    [!mesh || c.noc.weight.routersPerCluster === c.array.peRowsPerCluster, 'noc.weight.routersPerCluster',
      c.noc.weight.routersPerCluster, `${c.array.peRowsPerCluster} (one weight router per PE row, array.peRowsPerCluster)`],
    [!mesh || c.noc.psum.routersPerCluster === c.array.peColsPerCluster, 'noc.psum.routersPerCluster',
      c.noc.psum.routersPerCluster, `${c.array.peColsPerCluster} (one psum router per PE column, array.peColsPerCluster)`],
    [!mesh || c.noc.iact.routersPerCluster === c.glb.iactBanksPerCluster, 'noc.iact.routersPerCluster',
      c.noc.iact.routersPerCluster, `${c.glb.iactBanksPerCluster} (one iact router per iact bank, glb.iactBanksPerCluster)`],
    [!mesh || c.glb.psumBanksPerCluster === c.array.peColsPerCluster, 'glb.psumBanksPerCluster',
      c.glb.psumBanksPerCluster, `${c.array.peColsPerCluster} (one psum bank per PE column)`],
    [c.pe.type !== 'sparse-csc' || c.pe.iactDataEntryBits === c.precision.iactBits + c.pe.cscCountBits, 'pe.iactDataEntryBits',
      c.pe.iactDataEntryBits, `${c.precision.iactBits + c.pe.cscCountBits} (precision.iactBits + pe.cscCountBits)`],
    [c.pe.type !== 'sparse-csc' || c.pe.weightDataWordBits === c.pe.simdWidth * (c.precision.weightBits + c.pe.cscCountBits),
      'pe.weightDataWordBits', c.pe.weightDataWordBits,
      `${c.pe.simdWidth * (c.precision.weightBits + c.pe.cscCountBits)} (pe.simdWidth x (weightBits + cscCountBits))`],
    [c.pe.psumEntryBits === c.precision.psumBits, 'pe.psumEntryBits', c.pe.psumEntryBits,
      `${c.precision.psumBits} (precision.psumBits)`],
    [c.pe.weightReadStage >= c.pe.iactReadStage && c.pe.weightReadStage <= c.pe.pipelineStages, 'pe.weightReadStage',
      c.pe.weightReadStage, `between pe.iactReadStage and pe.pipelineStages`],
    [c.pe.type !== 'dense-gating' || c.pe.weightDataWordBits >= c.pe.simdWidth * c.precision.weightBits, 'pe.weightDataWordBits',
      c.pe.weightDataWordBits, `>= ${c.pe.simdWidth * c.precision.weightBits} (pe.simdWidth x precision.weightBits)`],
    [c.pe.type !== 'dense-gating' || c.pe.iactDataEntryBits >= c.precision.iactBits, 'pe.iactDataEntryBits',
      c.pe.iactDataEntryBits, `>= ${c.precision.iactBits} (precision.iactBits)`],
    [c.glb.type !== 'shared' || c.noc.type === 'flat-multicast', 'glb.type', c.glb.type,
      `banked with noc.type ${c.noc.type} (the shared GLB takes psums over v1's flat-multicast buses; the mesh's psum chains across clusters have no GLB port)`],
    [!c.offChip.blocksProcessing || c.glb.type === 'shared', 'offChip.blocksProcessing', c.offChip.blocksProcessing,
      `false with glb.type ${c.glb.type} (passes that block on off-chip loads are the shared GLB's, JSSC17 §V-B)`],
    [c.pe.cscCountBits <= 8, "pe.cscCountBits", c.pe.cscCountBits, "<= 8 (counts are stored in bytes)"],
    [c.precision.psumBits <= 32 && c.precision.psumBits >= c.precision.iactBits, 'precision.psumBits',
      c.precision.psumBits, `between precision.iactBits and 32`],
  ];
  for (const [ok, field, value, expected] of rules) {
    if (!ok) throw new InputError(`${file}: field ${field}: got ${JSON.stringify(value)}, expected ${expected}`);
  }
  checkSize(file, c);
}

/** The array's size against what the simulator can hold (sim/config/bounds.ts), before anything is allocated. */
function checkSize(file: string, c: HwConfig): void {
  const a = c.array;
  const pes = a.clusterRows * a.clusterCols * a.peRowsPerCluster * a.peColsPerCluster;
  if (pes > LIMITS.pes) {
    throw new InputError(`${file}: field array: got ${a.clusterRows}x${a.clusterCols} clusters of ${a.peRowsPerCluster}x${a.peColsPerCluster} PEs = ${pes} PEs, expected at most ${LIMITS.pes} (the largest array the simulator is known to fit in memory)`);
  }
  // Bytes of typed arrays per PE: SPads (data, counts, arrival times), psums, the fetch queue's slots.
  const p = c.pe;
  const perPe = 3 * p.iactDataSpadEntries + 16 * p.iactAddrSpadEntries + 2 * p.weightAddrSpadEntries +
    3 * p.weightDataSpadWords * p.simdWidth + 12 * p.psumSpadEntries + 8 * p.fetchQueueEntries;
  if (pes * perPe > LIMITS.peStateBytes) {
    throw new InputError(`${file}: field pe: ${pes} PEs with these SPad and queue sizes need about ${((pes * perPe) / 2 ** 30).toFixed(1)} GiB of simulator state, expected at most ${LIMITS.peStateBytes / 2 ** 30} GiB (make the array or the SPads smaller)`);
  }
}

export function hwConfigDir(): string {
  return join(packageRoot(), 'hw-configs');
}

/** Names of the shipped hardware configs (hw-configs/*.yaml). */
export function listHwConfigNames(): string[] {
  return readdirSync(hwConfigDir())
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/**
 * Parses and validates a hardware config from text (the sweep runner edits configs in memory). A relative
 * `energyTable` path is resolved against `dir`, the config file's folder, not the working directory.
 */
export function parseHwConfig(file: string, text: string, dir?: string): HwConfig {
  const config = validateDocument(file, parseYamlText(file, text), hwConfigSchema);
  checkConsistency(file, config);
  if (dir !== undefined && looksLikePath(config.energyTable)) {
    const table = isAbsolute(config.energyTable) ? config.energyTable : resolve(dir, config.energyTable);
    if (!existsSync(table)) {
      throw new InputError(`${file}: field energyTable: got ${JSON.stringify(config.energyTable)}, expected an energy table name or a file (${table}, relative to the config's folder, does not exist)`);
    }
    return { ...config, energyTable: table };
  }
  return config;
}

/** Loads `--hw NAME|FILE`: a bare name is looked up in hw-configs/, anything path-like is read as a file. */
export function loadHwConfig(nameOrPath: string): LoadedHwConfig {
  let file = nameOrPath;
  if (!looksLikePath(nameOrPath)) {
    const names = listHwConfigNames();
    if (!names.includes(nameOrPath)) {
      throw new InputError(`--hw: unknown hardware config "${nameOrPath}", expected one of ${names.join(', ')} or a file path`);
    }
    file = join(hwConfigDir(), `${nameOrPath}.yaml`);
  }
  const { bytes, sha256 } = readInputFile(file);
  return { config: parseHwConfig(file, bytes.toString('utf8'), dirname(file)), file, sha256 };
}
