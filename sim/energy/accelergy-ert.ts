/**
 * Import of an Accelergy energy reference table (ERT.yaml, as written by Accelergy 0.3/0.4 and by Timeloop's
 * `timeloop-mapper.ERT.yaml`) into our EnergyTable. Layout, modelled on Accelergy-Project/timeloop-accelergy-exercises
 * workspace/example_designs/example_designs/eyeriss_like/ref_outputs/default_problem/timeloop-mapper.ERT.yaml and on
 * Accelergy-Project/accelergy examples/eyeriss_like/output/reference/ERT.yaml:
 *
 *   ERT:
 *     version: '0.4'
 *     tables:
 *       - name: system.chip.PE[0..167].ifmap_spad      # hierarchy; [a..b] = instance range
 *         actions:
 *           - name: read                                # read/write/fill/update, mac_random/mac_gated, leak, idle...
 *             arguments: {address_delta: 1, data_delta: 1}   # optional; variants of one action are averaged
 *             energy: 0.202442                          # pJ per action (leak: pJ per cycle per instance)
 *
 * Components are matched by the last name segment through ERT_COMPONENT_MAP. Anything not used (unknown
 * components and actions, levels the ERT does not price) is reported in `warnings`, never dropped silently.
 * Accelergy prices an access of the component's own width, which the ERT does not record: energies are copied
 * per access, except DRAM, which is divided by `dramBitsPerAccess` to get our per-bit unit.
 */
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { parseYamlText, readInputFile, validateDocument } from '../config/validate.js';
import { DATA_TYPES, LEVELS, type Action, type DataType, type Level } from '../stats/access-counts.js';
import { COSTED, emptyPj, unitOf, type EnergyTable } from './energy-table.js';

const IACT = /(ifmaps?|iacts?|inputs?|input_activations?)/.source;
const WEIGHT = /(weights?|filters?)/.source;
const PSUM = /(psums?|outputs?)/.source;
const re = (s: string) => new RegExp(`^${s}$`, 'i');

/** Common Accelergy component names (last segment, instance ranges removed) and the level they price. */
export const ERT_COMPONENT_MAP: readonly { pattern: RegExp; level: Level; dataTypes: readonly DataType[] }[] = [
  { pattern: re('(dram|main_memory|offchip|off_chip)'), level: 'dram', dataTypes: DATA_TYPES },
  { pattern: re(`${IACT}_glb`), level: 'glb', dataTypes: ['iact'] },
  { pattern: re(`${WEIGHT}_glb`), level: 'glb', dataTypes: ['weight'] },
  { pattern: re(`${PSUM}_glb`), level: 'glb', dataTypes: ['psum'] },
  { pattern: re('(shared_glb|glb|global_buffer|globalbuffer)'), level: 'glb', dataTypes: DATA_TYPES },
  { pattern: re(`${IACT}_(addr|address|metadata)_spad`), level: 'iactAddrSpad', dataTypes: ['iact'] },
  { pattern: re(`${IACT}(_data)?_spad`), level: 'iactDataSpad', dataTypes: ['iact'] },
  { pattern: re(`${WEIGHT}_(addr|address|metadata)_spad`), level: 'weightAddrSpad', dataTypes: ['weight'] },
  { pattern: re(`${WEIGHT}(_data)?_spad`), level: 'weightDataSpad', dataTypes: ['weight'] },
  { pattern: re(`${PSUM}_spad`), level: 'psumSpad', dataTypes: ['psum'] },
  { pattern: re(`${IACT}_noc`), level: 'nocDelivery', dataTypes: ['iact'] },
  { pattern: re(`${WEIGHT}_noc`), level: 'nocDelivery', dataTypes: ['weight'] },
  { pattern: re(`${PSUM}(_read|_write)?_noc`), level: 'nocDelivery', dataTypes: ['psum'] },
  { pattern: re('(mac|intmac|fpmac|mac_unit)'), level: 'mac', dataTypes: DATA_TYPES },
];

/** Data SPad -> its address SPad, which Sparseloop-style ERTs price as metadata_* actions of the data SPad. */
const ADDR_OF: Partial<Record<Level, Level>> = { iactDataSpad: 'iactAddrSpad', weightDataSpad: 'weightAddrSpad' };

/**
 * Our action for an ERT action on a level, with a rank: when several ERT actions fill one slot (write, fill and
 * update are all writes), the lowest rank wins.
 */
function slotOf(level: Level, ertAction: string): { level: Level; action: Action; rank: number } | undefined {
  const a = ertAction.toLowerCase();
  if (level === 'mac') {
    if (a === 'compute' || a === 'mac_random') return { level, action: 'compute', rank: 0 };
    if (a === 'mac_gated') return { level, action: 'gate', rank: 0 };
    if (a === 'mac_skipped' || a === 'skip') return { level, action: 'skip', rank: 0 };
    return undefined;
  }
  if (level.startsWith('noc')) {
    if (a === 'transfer' || a === 'transfer_random') return { level, action: 'transfer', rank: a === 'transfer' ? 0 : 1 };
    return undefined;
  }
  // Storage: [gated_][metadata_](read|write|fill|update). metadata_* of a data SPad prices its address SPad
  // (Sparseloop style); gated_* is a clock-gated SPad slot, our `gate`.
  const m = /^(gated_)?(metadata_)?(read|write|fill|update)$/.exec(a);
  if (!m) return undefined;
  const [, gated, meta, op] = m;
  const target = meta ? ADDR_OF[level] : level;
  if (!target || (gated && !target.endsWith('Spad'))) return undefined;
  const rank = ['read', 'write', 'fill', 'update'].indexOf(op!) + (meta ? 4 : 0);
  if (gated) return { level: target, action: 'gate', rank };
  return { level: target, action: op === 'read' ? 'read' : 'write', rank };
}

const ertSchema = z
  .object({
    ERT: z
      .object({
        version: z.union([z.string(), z.number()]).optional(),
        tables: z.array(
          z
            .object({
              name: z.string().min(1),
              actions: z.array(
                z
                  .object({
                    name: z.string().min(1),
                    arguments: z.record(z.string(), z.unknown()).nullable().optional(),
                    energy: z.number().min(0),
                  })
                  .loose(),
              ),
            })
            .loose(),
        ),
      })
      .loose(),
  })
  .loose();

export interface ErtImportOptions {
  /** Table name; default: the file name without extension. */
  name?: string;
  /** Bits per DRAM access in the ERT; default 64, the LPDDR4 `width: 64` of the TLX eyeriss_like arch.yaml. */
  dramBitsPerAccess?: number;
}

export interface ErtImport {
  table: EnergyTable;
  warnings: string[];
}

/** Leaf name and instance count: 'system.chip.PE[0..167].ifmap_spad' -> ['ifmap_spad', 168]. */
function parseComponentName(name: string): [leaf: string, instances: number] {
  let instances = 1;
  for (const m of name.matchAll(/\[(\d+)\.\.(\d+)\]/g)) instances *= Number(m[2]) - Number(m[1]) + 1;
  const leaf = name.replace(/\[[^\]]*\]/g, '').split('.').pop()!; // ranges first: they contain dots
  return [leaf, instances];
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Imports an ERT from text; see the module comment. */
export function parseAccelergyErt(
  file: string,
  text: string,
  options: ErtImportOptions = {},
  sha256: string | null = null,
): ErtImport {
  const doc = validateDocument(file, parseYamlText(file, text), ertSchema);
  const dramBits = options.dramBitsPerAccess ?? 64;
  if (!(dramBits > 0) || !Number.isFinite(dramBits)) {
    throw new InputError(`${file}: option dramBitsPerAccess: got ${dramBits}, expected a positive number`);
  }
  const warnings: string[] = [
    `energies are per access of each ERT component's own width (not in the ERT); they are not rescaled to our units`,
    `DRAM energy divided by ${dramBits} bits per access to get pJ per bit`,
  ];
  // Candidates for each slot: value, rank and the component it came from.
  const candidates = new Map<string, { value: number; rank: number; from: string }[]>();
  let leakMw = 0;
  let sawLeak = false;
  let leakCycleAssumed = false;

  for (const comp of doc.ERT.tables) {
    const [leaf, instances] = parseComponentName(comp.name);
    const target = ERT_COMPONENT_MAP.find((m) => m.pattern.test(leaf));
    if (!target) {
      const actions = [...new Set(comp.actions.map((a) => a.name))].join(', ');
      warnings.push(`unknown component "${comp.name}": not imported (actions ${actions})`);
      continue;
    }
    // Variants of one action (different arguments) are averaged, as Accelergy's ERT_summary does.
    const byAction = new Map<string, typeof comp.actions>();
    for (const a of comp.actions) byAction.set(a.name, [...(byAction.get(a.name) ?? []), a]);
    for (const [actionName, variants] of byAction) {
      const energies = variants.map((v) => v.energy);
      const energy = mean(energies);
      if (variants.length > 1) {
        const range = `${Math.min(...energies)}..${Math.max(...energies)} pJ`;
        warnings.push(`${comp.name}.${actionName}: ${variants.length} argument variants averaged (${range})`);
      }
      if (actionName === 'leak') {
        // pJ per cycle per instance at the ERT's global cycle (Accelergy's default 1 ns when not given), so
        // mW = pJ x 1e-9 / seconds. DRAM leakage is off-chip and our leakage term is the chip's.
        if (target.level === 'dram') {
          if (energy > 0) warnings.push(`${comp.name}.leak: off-chip leakage not imported`);
          continue;
        }
        const given = Number(variants[0]!.arguments?.['global_cycle_seconds']);
        if (!(given > 0)) leakCycleAssumed = true;
        leakMw += (energy * instances * 1e-9) / (given > 0 ? given : 1e-9);
        sawLeak = true;
        continue;
      }
      const slot = slotOf(target.level, actionName);
      if (!slot) {
        warnings.push(`${comp.name}: action "${actionName}" has no counterpart in our counters; not imported`);
        continue;
      }
      const value = slot.level === 'dram' ? energy / dramBits : energy;
      for (const dt of target.dataTypes) {
        const key = `${slot.level}.${dt}.${slot.action}`;
        candidates.set(key, [...(candidates.get(key) ?? []), { value, rank: slot.rank, from: `${comp.name}.${actionName}` }]);
      }
    }
  }

  const pj = emptyPj();
  const missing = new Map<Level, Set<string>>();
  for (const level of LEVELS) {
    const { dataTypes, actions } = COSTED[level];
    for (const dt of dataTypes) {
      for (const action of actions) {
        const list = candidates.get(`${level}.${dt}.${action}`);
        if (!list) {
          pj[level][dt][action] = 0;
          // A skipped MAC is never performed: 0 is its natural price, not a gap worth a warning.
          if (!(level === 'mac' && action === 'skip')) {
            missing.set(level, (missing.get(level) ?? new Set()).add(`${dt}.${action}`));
          }
          continue;
        }
        const best = Math.min(...list.map((c) => c.rank));
        const chosen = list.filter((c) => c.rank === best);
        if (chosen.length > 1) {
          warnings.push(`${level}.${dt}.${action}: priced by ${chosen.map((c) => c.from).join(' and ')}; averaged`);
        }
        pj[level][dt][action] = mean(chosen.map((c) => c.value));
      }
    }
  }
  for (const [level, slots] of missing) {
    warnings.push(`no ERT component prices ${level} (${[...slots].join(', ')}, pJ per ${unitOf(level)}); set to 0`);
  }
  if (!sawLeak) warnings.push('no leak actions in the ERT; leakage set to 0');
  if (leakCycleAssumed) warnings.push('leak energies without global_cycle_seconds taken per 1 ns cycle (Accelergy default)');
  warnings.push('an ERT has no clock-tree or control terms; clock and control set to 0');

  const table: EnergyTable = {
    name: options.name ?? basename(file, extname(file)),
    description: `imported from Accelergy ERT ${file}`,
    file,
    sha256,
    pj,
    clock: { activePe: 0, idlePe: 0, activeCluster: 0, idleCluster: 0, chip: 0 },
    control: { activePe: 0 },
    leakage: { mW: leakMw },
  };
  return { table, warnings };
}

/** Reads and imports an Accelergy ERT file. */
export function importAccelergyErt(file: string, options: ErtImportOptions = {}): ErtImport {
  const { bytes, sha256 } = readInputFile(file);
  return parseAccelergyErt(file, bytes.toString('utf8'), options, sha256);
}
