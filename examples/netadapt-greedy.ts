/**
 * NetAdapt's outer loop on a table from `eyeriss-sim lut`: shrink layers until the network fits a latency budget,
 * each step taking the cheapest shrink per saved cycle. The cost of a shrink is the user's: an accuracy drop per
 * layer and keep from an optional JSON file ({ "conv1": { "0.5": 0.8 } }, in points); without it, the fraction of
 * the layer's channels removed stands in. Latency is the network's full-size cycles minus the table's savings,
 * each layer's entry measured with every other layer at full size (the table's assumption).
 *
 * Usage: tsx examples/netadapt-greedy.ts LUT.json BUDGET_CYCLES [ACCURACY.json]
 */
import { readFileSync } from 'node:fs';
import type { Lut } from 'eyeriss-sim';

const [lutFile, budgetText, accuracyFile] = process.argv.slice(2);
if (!lutFile || !budgetText) throw new Error('usage: netadapt-greedy.ts LUT.json BUDGET_CYCLES [ACCURACY.json]');
const lut = JSON.parse(readFileSync(lutFile, 'utf8')) as Lut;
const budget = Number(budgetText);
const accuracy = accuracyFile ? (JSON.parse(readFileSync(accuracyFile, 'utf8')) as Record<string, Record<string, number>>) : undefined;

/** The cost of taking a layer to an entry: the user's accuracy drop, or the fraction of channels removed. */
const cost = (layer: string, keep: number): number => accuracy?.[layer]?.[String(keep)] ?? 1 - keep;

const at = new Map(lut.layers.map((l) => [l.name, 0])); // index of each layer's current entry (0: full size)
let cycles = lut.network.cycles;
let energy = lut.network.energyJoules;
console.log(`start: ${cycles} cycles, ${(energy * 1e6).toFixed(2)} uJ; budget ${budget} cycles`);
while (cycles > budget) {
  let best: { layer: Lut['layers'][number]; next: number; saved: number; perCycle: number } | undefined;
  for (const layer of lut.layers) {
    const i = at.get(layer.name)!;
    const [now, next] = [layer.entries[i]!, layer.entries[i + 1]];
    if (!next) continue;
    const saved = now.cycles - next.cycles;
    if (saved <= 0) continue;
    const perCycle = (cost(layer.name, next.keep) - cost(layer.name, now.keep)) / saved;
    if (!best || perCycle < best.perCycle) best = { layer, next: i + 1, saved, perCycle };
  }
  if (!best) {
    console.log(`cannot reach the budget: no shrink saves cycles any more (${cycles} cycles)`);
    break;
  }
  const { layer, next, saved } = best;
  const [from, to] = [layer.entries[next - 1]!, layer.entries[next]!];
  at.set(layer.name, next);
  cycles -= saved;
  energy -= from.energyJoules - to.energyJoules;
  console.log(`shrink ${layer.name} to ${to.channels}/${layer.channels} channels: -${saved} cycles -> ${cycles} cycles, ${(energy * 1e6).toFixed(2)} uJ`);
}
const kept = lut.layers.filter((l) => at.get(l.name)! > 0).map((l) => `${l.name}=${l.entries[at.get(l.name)!]!.channels}`);
console.log(`result: ${cycles} cycles, ${(energy * 1e6).toFixed(2)} uJ; ${kept.length ? kept.join(' ') : 'no layer shrunk'}`);
