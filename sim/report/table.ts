import { BREAKDOWN_DATA_TYPES, GROUP_LABELS, LEVEL_GROUPS, type EnergyBreakdown } from '../energy/energy-model.js';
import type { JsonReport } from './json-report.js';
import type { PeModeChoice } from '../run/network.js';
import { METADATA_PLACES } from '../stats/access-counts.js';

/** Formats rows as a plain text table with right-aligned numeric columns. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => /^[-+0-9.,%]*$/.test(r[i] ?? '')));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fixed = (x: number, digits: number): string => x.toFixed(digits);
const millions = (x: number): string => (x / 1e6).toFixed(2);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** When both sparse-PE modes were simulated: the energy of the mode not kept, relative to the kept one. */
function otherModeCell(c: PeModeChoice): string {
  const kept = c.runs[0]?.energyJoules;
  const other = c.runs[1];
  if (!other) return '';
  return other.simulated && kept && other.energyJoules !== null ? `${other.peMode} ${(other.energyJoules / kept).toFixed(2)}x` : `${other.peMode} not simulated`;
}

/** Cycle-weighted mean of a per-layer fraction: the share of the whole run's PE- (or MAC-) cycles. */
function cycleWeighted(r: JsonReport, f: (l: JsonReport['layers'][number]) => number): number {
  const cycles = r.layers.reduce((a, l) => a + l.cycles, 0);
  return cycles > 0 ? r.layers.reduce((a, l) => a + f(l) * l.cycles, 0) / cycles : 0;
}

interface Column {
  header: string;
  cell: (l: JsonReport['layers'][number]) => string;
  total: string;
  /** Only with --wide. */
  wide?: boolean;
}

export interface RunTableOptions {
  /** Every column (mapping, NoC modes, the other PE mode's energy, ...); otherwise the columns that fit 120 characters. */
  wide?: boolean;
  /** With --propagate: the iact density the trace assumed beside the one the layer's real inputs had. */
  iactDensities?: boolean;
}

/** The per-layer table `eyeriss-sim run` prints: 120 characters wide at most, or every column with `wide`. */
export function runTable(r: JsonReport, options: RunTableOptions = {}): string {
  const t = r.totals;
  const columns: Column[] = [
    { header: 'layer', cell: (l) => l.name, total: 'total' },
    { header: 'type', cell: (l) => l.type, total: '', wide: true },
    { header: 'mapping', cell: (l) => l.mapping.text, total: '', wide: true },
    { header: 'NoC iact/weight/psum', cell: (l) => `${l.mapping.nocModes.iact}/${l.mapping.nocModes.weight}/${l.mapping.nocModes.psum}`, total: '', wide: true },
    { header: 'PE mode', cell: (l) => l.peModeChoice.picked, total: '' },
    { header: 'other PE mode: energy', cell: (l) => otherModeCell(l.peModeChoice), total: '', wide: true },
    { header: 'cycles', cell: (l) => String(l.cycles), total: String(t.cycles) },
    { header: 'ms', cell: (l) => fixed(l.latencySeconds * 1e3, 3), total: fixed(t.latencySeconds * 1e3, 3) },
    { header: 'MMACs', cell: (l) => millions(l.nominalMacs), total: millions(t.nominalMacs) },
    { header: 'MMACs done', cell: (l) => millions(l.effectiveMacs), total: millions(t.effectiveMacs) },
    { header: 'PE util', cell: (l) => pct(l.peUtilization), total: pct(cycleWeighted(r, (l) => l.peUtilization)) },
    { header: 'MAC util', cell: (l) => pct(l.macUtilization), total: pct(cycleWeighted(r, (l) => l.macUtilization)) },
    { header: 'DRAM kB', cell: (l) => fixed((l.dramBytes.read + l.dramBytes.write) / 1024, 1), total: fixed((t.dramBytesPerInference * r.batch) / 1024, 1) },
    // Power is the chip's (what a chip's measured power covers); DRAM energy is apart.
    { header: 'chip uJ', cell: (l) => fixed(l.energyBreakdown.chipJoules * 1e6, 1), total: fixed(t.chipEnergyJoules * 1e6, 1) },
    { header: 'chip mW', cell: (l) => fixed((l.energyBreakdown.chipJoules / l.latencySeconds) * 1e3, 1), total: fixed(t.chipPowerWatts * 1e3, 1) },
    { header: 'DRAM uJ', cell: (l) => fixed(l.energyBreakdown.dramJoules * 1e6, 1), total: fixed(t.dramEnergyJoules * 1e6, 1) },
  ];
  if (options.iactDensities) {
    columns.push({ header: 'iact density trace/run', cell: (l) => `${fixed(l.iactDensityAssumed, 3)}/${fixed(l.iactDensityMeasured, 3)}`, total: '' });
  }
  columns.push({ header: 'check', cell: (l) => l.check, total: '' });
  const shown = columns.filter((c) => options.wide || !c.wide);
  const rows = [...r.layers.map((l) => shown.map((c) => c.cell(l))), shown.map((c) => c.total)];
  const lines = [
    `${r.hw.name} running ${r.trace.name}, batch ${r.batch}, seed ${r.seed}, ${r.engine} engine`,
    formatTable(shown.map((c) => c.header), rows),
  ];
  if (r.offChipLayers.length) lines.push(`not run on chip: ${r.offChipLayers.map((l) => `${l.name} (${l.type})`).join(', ')}`);
  lines.push(
    `throughput ${t.inferencesPerSecond.toFixed(1)} inferences/s, ${t.inferencesPerJoule.toFixed(1)} inferences/J, ` +
      `chip ${(t.chipPowerWatts * 1e3).toFixed(1)} mW + DRAM ${(t.dramPowerWatts * 1e3).toFixed(1)} mW, ${(t.dramBytesPerInference / 1e6).toFixed(3)} MB DRAM per inference`,
    energyLine(r),
    `simulated in ${r.sim.wallSeconds.toFixed(2)} s: ${r.sim.events} events, ${Math.round(r.sim.simulatedCyclesPerSecond)} simulated cycles/s` +
      (options.wide ? '' : '; --wide for mapping, NoC modes and the other PE mode'),
  );
  return lines.join('\n');
}

/** The derived energy metrics of a report's totals, in one line. */
export function energyLine(r: JsonReport): string {
  const t = r.totals;
  return `energy ${fixed(t.energyJoulesPerInference * 1e6, 3)} uJ per inference (chip ${fixed(t.chipEnergyJoulesPerInference * 1e6, 3)} + ` +
    `DRAM ${fixed(t.dramEnergyJoulesPerInference * 1e6, 3)}), ${fixed(t.pJPerNominalMac, 2)} pJ per nominal MAC, ` +
    `${fixed(t.gopsPerWatt, 1)} GOPS/W`;
}

/** The chip's categories (JETCAS19 Fig. 22, plus leakage) in table order, then DRAM. */
const CHIP_GROUPS = LEVEL_GROUPS.filter((g) => g !== 'dram');

/**
 * Energy of each layer and the network: chip and DRAM apart, each with its power; the chip's energy by category
 * (JETCAS19 Fig. 22) and the total by data type, in uJ (a row's categories add up to its chip energy, its data
 * types to chip + DRAM; 'none' is the per-cycle clock, control and leakage), and a row of the network's shares
 * (categories of the chip's energy, data types of the total).
 */
export function breakdownTable(r: JsonReport): string {
  const uJ = (j: number): string => fixed(j * 1e6, 3);
  const mW = (j: number, seconds: number): string => (seconds > 0 ? fixed((j / seconds) * 1e3, 1) : '');
  const row = (name: string, b: EnergyBreakdown, seconds: number): string[] => [
    name, uJ(b.chipJoules), mW(b.chipJoules, seconds), uJ(b.dramJoules), mW(b.dramJoules, seconds),
    ...CHIP_GROUPS.map((g) => uJ(b.byLevel[g])), ...BREAKDOWN_DATA_TYPES.map((d) => uJ(b.byDataType[d])),
  ];
  const t = r.totals;
  const total = t.energyBreakdown;
  const share = (j: number, of: number): string => (of > 0 ? pct(j / of) : '');
  const rows = [
    ...r.layers.map((l) => row(l.name, l.energyBreakdown, l.latencySeconds)),
    row('total', total, t.latencySeconds),
    ['share', share(total.chipJoules, total.totalJoules), '', share(total.dramJoules, total.totalJoules), '',
      ...CHIP_GROUPS.map((g) => share(total.byLevel[g], total.chipJoules)),
      ...BREAKDOWN_DATA_TYPES.map((d) => share(total.byDataType[d], total.totalJoules))],
  ];
  const header = ['layer', 'chip uJ', 'chip mW', 'DRAM uJ', 'DRAM mW', ...CHIP_GROUPS.map((g) => GROUP_LABELS[g]), ...BREAKDOWN_DATA_TYPES];
  return [
    `energy of the chip by category (JETCAS19 Fig. 22) and of chip + DRAM by data type, uJ (table ${r.energyTable.name})`,
    formatTable(header, rows), energyLine(r), '', metadataTable(r),
  ].join('\n');
}

/** CSC metadata (addresses and zero-run counts) per layer, in kB, where it was stored or moved; 0 in uncompressed mode. */
function metadataTable(r: JsonReport): string {
  const kB = (bits: number): string => fixed(bits / 8 / 1024, 1);
  const rows = r.layers.map((l) => [
    l.name, l.peModeChoice.picked,
    ...METADATA_PLACES.map((place) => kB(Object.values(l.metadataBits[place]).reduce((a, b) => a + b, 0))),
  ]);
  return ['CSC metadata stored or moved, kB (iact + weight)', formatTable(['layer', 'PE mode', ...METADATA_PLACES], rows)].join('\n');
}

/** One CSV row per layer plus a total row. */
export function runCsv(r: JsonReport): string {
  const header = ['layer', 'type', 'mapping', 'peMode', 'cycles', 'latencySeconds', 'nominalMacs', 'effectiveMacs', 'skippedMacs', 'peUtilization', 'macUtilization', 'activePes', 'dramReadBytes', 'dramWriteBytes', 'energyJoules', 'chipEnergyJoules', 'dramEnergyJoules', 'check'];
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = r.layers.map((l) => [
    l.name, l.type, l.mapping.text, l.peModeChoice.picked, l.cycles, l.latencySeconds, l.nominalMacs, l.effectiveMacs, l.skippedMacs, l.peUtilization,
    l.macUtilization, l.activePes, l.dramBytes.read, l.dramBytes.write, l.energyJoules, l.energyBreakdown.chipJoules, l.energyBreakdown.dramJoules, l.check,
  ]);
  const t = r.totals;
  rows.push(['total', '', '', '', t.cycles, t.latencySeconds, t.nominalMacs, t.effectiveMacs, '', '', '', '', '', '', t.energyJoules, t.chipEnergyJoules, t.dramEnergyJoules, '']);
  return [header, ...rows].map((row) => row.map((c) => quote(String(c))).join(',')).join('\n') + '\n';
}
