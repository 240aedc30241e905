import seedrandom from 'seedrandom';
import { loadHwConfig } from '../../sim/config/hw-config.js';
import type { LayerSpec, LayerType } from '../../sim/workloads/layer.js';

export const v2 = loadHwConfig('eyeriss-v2').config;

/** A layer spec with defaults for everything but the shape fields given. */
export function layer(fields: Partial<LayerSpec> & { type: LayerType }): LayerSpec {
  return {
    name: 'L', N: 1, G: 1, C: 1, H: 1, W: 1, M: 1, R: 1, S: 1, strideH: 1, strideW: 1,
    padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, iactDensity: 1, weightDensity: 1, seed: 1, inputs: [],
    ...fields,
  };
}

/** Small random layers of every on-chip type (CONV, grouped CONV, depth-wise, point-wise, FC), seeded. */
export function randomLayers(seed: string, count: number): LayerSpec[] {
  const rng = seedrandom(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng() * a.length)]!;
  const out: LayerSpec[] = [];
  for (let k = 0; k < count; k++) {
    const kind = (['CONV', 'GCONV', 'DWCONV', 'PWCONV', 'FC'] as const)[k % 5]!;
    const stride = pick([1, 1, 2]);
    const pad = pick([0, 1]);
    const N = pick([1, 1, 2]);
    const dens = { iactDensity: pick([0.3, 0.6, 1]), weightDensity: pick([0.2, 0.5, 1]), seed: k, name: `${kind}${k}` };
    const H = pick([5, 7, 9]);
    if (kind === 'CONV') {
      const R = pick([1, 3, 5]);
      out.push(layer({ type: 'CONV', N, C: pick([3, 8, 17]), M: pick([4, 20, 40]), H, W: H + 2, R, S: R, strideH: stride, strideW: stride,
        padTop: pad, padBottom: pad, padLeft: pad, padRight: pad, ...dens }));
    } else if (kind === 'GCONV') {
      out.push(layer({ type: 'CONV', N, G: 2, C: 8, M: pick([4, 16]), H, W: H, R: 3, S: 3, strideH: stride, strideW: stride,
        padTop: pad, padBottom: pad, padLeft: pad, padRight: pad, ...dens }));
    } else if (kind === 'DWCONV') {
      const C = pick([2, 4, 8]);
      out.push(layer({ type: 'DWCONV', N, G: C, C, M: C, H, W: H, R: 3, S: 3, strideH: stride, strideW: stride,
        padTop: pad, padBottom: pad, padLeft: pad, padRight: pad, ...dens }));
    } else if (kind === 'PWCONV') {
      out.push(layer({ type: 'PWCONV', N, C: pick([3, 16, 33]), M: pick([8, 40]), H, W: H, strideH: stride, strideW: stride, ...dens }));
    } else {
      const side = pick([1, 3]);
      out.push(layer({ type: 'FC', N, C: pick([4, 17]), M: pick([8, 40]), H: side, W: side, R: side, S: side, ...dens }));
    }
  }
  return out;
}
