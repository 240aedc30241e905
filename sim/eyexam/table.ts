import { formatTable } from '../report/table.js';
import { STEP_NAMES, type EyexamStep } from './eyexam.js';
import type { EyexamReport } from './run.js';

/** A bound as a percentage of the peak; steps 1-2 usually lie far above it (the layer alone limits little). */
export function percentOfPeak(fraction: number): string {
  return fraction >= 10 ? '>999%' : `${(100 * fraction).toFixed(1)}%`;
}

const stepLabel = (step: number): string => `${step} ${STEP_NAMES[step]}`;

/** The table `eyeriss-sim eyexam` prints: per layer, each step's bound as a share of the peak. */
export function eyexamTable(r: EyexamReport): string {
  const numbers = r.eyexam.steps.map((s) => s.step);
  const cells = (steps: readonly EyexamStep[]): string[] =>
    numbers.map((n) => {
      const s = steps.find((x) => x.step === n);
      return s ? percentOfPeak(s.fractionOfPeak) : '';
    });
  const rows = r.layers.map((l) => [l.name, ...cells(l.eyexam.steps), l.eyexam.simulatedMacsPerCycle.toFixed(1),
    STEP_NAMES[l.eyexam.costliestStep]!, l.eyexam.averageBandwidthLimit]);
  rows.push(['network', ...cells(r.eyexam.steps), r.eyexam.steps.at(-1)!.macsPerCycle.toFixed(1), STEP_NAMES[r.eyexam.costliestStep]!, '']);
  const legend = numbers.map(stepLabel).join(', ');
  return `${formatTable(['layer', ...numbers.map(String), 'MACs/cycle', 'costliest step', 'step 6 limit'], rows)}\n` +
    `bounds in % of the peak (${r.eyexam.peakMacsPerCycle} MACs/cycle) after each step: ${legend}; ` +
    'step 6 limit: the resource needing the most cycles at its average bandwidth';
}
