/**
 * Energy tables (Accelergy's "energy reference table", in our own small format): pJ per counted action, plus
 * per-cycle terms the counters cannot see (clock tree, control, leakage). Files live in hw-configs/energy/*.yaml
 * and are validated like the hardware configs (sim/config/validate.ts), so every error is one line naming the
 * file, the field, the value and what was expected.
 *
 * Units follow LEVEL_UNITS in sim/stats/access-counts.ts: DRAM energy is per bit, GLB per port access, NoC per
 * flit or flit-hop, SPads per entry (per word for the weight data SPad), MAC per MAC. A level may give a default
 * per action (`glb: {read: 27}`) that a data type overrides (`glb: {psum: {read: 45}}`). `scalePj` multiplies
 * the on-chip entries only: DRAM's pJ per bit are absolute.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { looksLikePath, packageRoot } from '../paths.js';
import { parseYamlText, readInputFile, validateDocument } from '../config/validate.js';
import {
  DATA_TYPES,
  LEVELS,
  LEVEL_UNITS,
  type Action,
  type DataType,
  type Level,
} from '../stats/access-counts.js';

/**
 * The (data type, action) pairs of each level that the simulator can count, hence that a table must price.
 * Address and data SPads hold one data type each; `gate` is a clock-gated SPad slot (a zero operand, or an address
 * SPad in dense mode). The MAC's data type is whatever the PE files it under (pad slots go under weight), so every
 * data type gets the MAC's price. A non-zero count outside this set is refused by computeEnergy, not ignored.
 */
export const COSTED: Record<Level, { dataTypes: readonly DataType[]; actions: readonly Action[] }> = {
  dram: { dataTypes: DATA_TYPES, actions: ['read', 'write'] },
  glb: { dataTypes: DATA_TYPES, actions: ['read', 'write'] },
  nocSource: { dataTypes: DATA_TYPES, actions: ['transfer'] },
  nocHop: { dataTypes: DATA_TYPES, actions: ['transfer'] },
  nocDelivery: { dataTypes: DATA_TYPES, actions: ['transfer'] },
  iactAddrSpad: { dataTypes: ['iact'], actions: ['read', 'write', 'gate'] },
  iactDataSpad: { dataTypes: ['iact'], actions: ['read', 'write', 'gate'] },
  weightAddrSpad: { dataTypes: ['weight'], actions: ['read', 'write', 'gate'] },
  weightDataSpad: { dataTypes: ['weight'], actions: ['read', 'write', 'gate'] },
  psumSpad: { dataTypes: ['psum'], actions: ['read', 'write', 'gate'] },
  mac: { dataTypes: DATA_TYPES, actions: ['compute', 'gate', 'skip'] },
};

/** Absolute pJ per action; only the COSTED (data type, action) pairs are present. */
export type PjPerAction = Record<Level, Record<DataType, Partial<Record<Action, number>>>>;

/** pJ per cycle, per unit named. */
export interface ClockTerms {
  activePe: number; // per PE per cycle it does work
  idlePe: number; // per PE per cycle it is clock-gated
  activeCluster: number; // per PE/GLB/router cluster per cycle any of its PEs works
  idleCluster: number; // per cluster per idle (gated) cycle
  chip: number; // per cycle: clock root and top-level logic
}

/** Static power, either per cycle or in mW (converted with the clock in computeEnergy). */
export type Leakage = { pJPerCycle: number } | { mW: number };

export interface EnergyTable {
  name: string;
  description: string;
  /** Where the table came from (a file path), for reports and error messages. */
  file: string;
  /** SHA-256 of the source file, or null for a table built in memory. */
  sha256: string | null;
  pj: PjPerAction;
  clock: ClockTerms;
  control: { activePe: number }; // pJ per active PE-cycle
  leakage: Leakage;
}

// Bounded so every energy stays finite (a scale of 1e308 once ran to NaN energies): 1e9 pJ = 1 mJ per action or
// cycle and a scale up to 1e6 are far above any real access (our bound); z.number() already refuses NaN and infinities.
const pj = z.number().min(0).max(1e9, { error: 'our bound: 1 mJ, far above any access' });

/** A level: optional per-action defaults, and per-data-type objects overriding them. */
function levelSchema(level: Level) {
  const { dataTypes, actions } = COSTED[level];
  const actionShape = Object.fromEntries(actions.map((a) => [a, pj.optional()]));
  const typeShape = Object.fromEntries(dataTypes.map((d) => [d, z.object(actionShape).strict().optional()]));
  return z.object({ ...actionShape, ...typeShape }).strict().optional();
}

export const energyTableSchema = z
  .object({
    version: z.literal(1),
    name: z.string().min(1),
    description: z.string(),
    technologyNm: z.number().int().min(1).optional(), // informative only
    // Multiplies every on-chip per-action number (not DRAM's, not the per-cycle terms), so a table can be written
    // relative to one MAC and calibrated by changing one number. Absent = 1: the numbers are pJ. DRAM is always
    // in pJ per bit: it comes from a DRAM model, never from a fit to the chip's power.
    scalePj: z.number().positive().max(1e6, { error: 'our bound, so scaled energies stay finite' }).optional(),
    ...Object.fromEntries(LEVELS.map((l) => [l, levelSchema(l)])),
    clock: z.object({ activePe: pj, idlePe: pj, activeCluster: pj, idleCluster: pj, chip: pj }).strict(),
    control: z.object({ activePe: pj }).strict(),
    leakage: z
      .object({ pJPerCycle: pj.optional(), mW: pj.optional() })
      .strict()
      .refine((l) => (l.pJPerCycle === undefined) !== (l.mW === undefined), {
        message: 'exactly one of leakage.pJPerCycle or leakage.mW',
      }),
  })
  .strict();

type LevelSpec = Partial<Record<Action, number>> & Partial<Record<DataType, Partial<Record<Action, number>>>>;

/** 'port accesses' -> 'port access', for messages. */
export function unitOf(level: Level): string {
  const u = LEVEL_UNITS[level];
  return u.endsWith('ies') ? `${u.slice(0, -3)}y` : u.endsWith('sses') ? u.slice(0, -2) : u.replace(/s$/, '');
}

/** An all-empty PjPerAction, to fill in. */
export function emptyPj(): PjPerAction {
  const out = {} as PjPerAction;
  for (const level of LEVELS) {
    out[level] = {} as Record<DataType, Partial<Record<Action, number>>>;
    for (const dt of DATA_TYPES) out[level][dt] = {};
  }
  return out;
}

/** Applies the level defaults and the scale; the first missing price is a one-line InputError. */
function resolvePj(file: string, doc: Record<string, unknown>, scale: number): PjPerAction {
  const out = emptyPj();
  for (const level of LEVELS) {
    const { dataTypes, actions } = COSTED[level];
    const spec = doc[level] as LevelSpec | undefined;
    if (spec === undefined) {
      throw new InputError(
        `${file}: field ${level}: got nothing (missing), expected pJ per ${unitOf(level)} for ${actions.join(', ')}`,
      );
    }
    for (const dt of dataTypes) {
      for (const action of actions) {
        const value = spec[dt]?.[action] ?? spec[action];
        if (value === undefined) {
          const field = dataTypes.length === 1 ? `${level}.${action}` : `${level}.${dt}.${action}`;
          const alt = dataTypes.length === 1 ? '' : `, or the level default ${level}.${action}`;
          throw new InputError(
            `${file}: field ${field}: got nothing (missing), expected a number >= 0 (pJ per ${unitOf(level)})${alt}`,
          );
        }
        out[level][dt][action] = level === 'dram' ? value : value * scale;
      }
    }
  }
  return out;
}

/** Parses and validates an energy table from text. */
export function parseEnergyTable(file: string, text: string, sha256: string | null = null): EnergyTable {
  const doc = validateDocument(file, parseYamlText(file, text), energyTableSchema);
  const leakage: Leakage =
    doc.leakage.pJPerCycle !== undefined ? { pJPerCycle: doc.leakage.pJPerCycle } : { mW: doc.leakage.mW! };
  return {
    name: doc.name,
    description: doc.description,
    file,
    sha256,
    pj: resolvePj(file, doc as Record<string, unknown>, doc.scalePj ?? 1),
    clock: { ...doc.clock },
    control: { ...doc.control },
    leakage,
  };
}

export function energyTableDir(): string {
  return join(packageRoot(), 'hw-configs', 'energy');
}

/** Names of the shipped energy tables (hw-configs/energy/*.yaml). */
export function listEnergyTableNames(): string[] {
  return readdirSync(energyTableDir())
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** Loads an energy table: a bare name is looked up in hw-configs/energy/, anything path-like is read as a file. */
export function loadEnergyTable(nameOrPath: string): EnergyTable {
  let file = nameOrPath;
  if (!looksLikePath(nameOrPath)) {
    const names = listEnergyTableNames();
    if (!names.includes(nameOrPath)) {
      throw new InputError(
        `energy table: unknown name "${nameOrPath}", expected one of ${names.join(', ')} or a file path`,
      );
    }
    file = join(energyTableDir(), `${nameOrPath}.yaml`);
  }
  const { bytes, sha256 } = readInputFile(file);
  return parseEnergyTable(file, bytes.toString('utf8'), sha256);
}
