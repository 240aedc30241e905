/** A layer's tensor sizes against what the simulator can hold (LIMITS.tensorElements, sim/config/bounds.ts). */
import { LIMITS } from '../config/bounds.js';
import { InputError } from '../errors.js';
import { type LayerShape, outHeight, outWidth, weightCount } from './layer.js';

/** The first of a layer's tensors with more than LIMITS.tensorElements elements, if any. */
function oversizedTensor(l: LayerShape): { what: string; elements: number } | null {
  const sizes: [string, number][] = [
    ['input activations (n x c x h x w)', l.N * l.C * l.H * l.W],
    ['padded input activations', l.N * l.C * (l.H + l.padTop + l.padBottom) * (l.W + l.padLeft + l.padRight)],
    ['weights (m x c/groups x r x s)', weightCount(l)],
    ['outputs (n x m x e x f)', l.N * l.M * Math.max(1, outHeight(l)) * Math.max(1, outWidth(l))],
  ];
  const big = sizes.find(([, n]) => n > LIMITS.tensorElements);
  return big ? { what: big[0], elements: big[1] } : null;
}

/** Fails, before anything is allocated, if a layer's tensors cannot be held; `where` names the file and layer. */
export function checkLayerSize(where: string, l: LayerShape, why = ''): void {
  const big = oversizedTensor(l);
  if (big) {
    throw new InputError(`${where}: ${big.what}: got ${big.elements.toExponential(3)} elements${why}, expected at most ${LIMITS.tensorElements} (2^28; make the layer or batch smaller)`);
  }
}
