import { describe, expect, test } from 'vitest';
import { isOnChip } from '../../sim/workloads/layer.js';
import { shippedTraceSummaries, traceSummary } from '../../sim/workloads/summary.js';
import { layerOutputShape, listTraceNames, loadTrace } from '../../sim/workloads/trace.js';

const ZOO = [
  'vgg16',
  'vgg16-sparse',
  'mobilenet-v1',
  'squeezenet-1.0',
  'squeezenet-1.1',
  'googlenet',
  'resnet50',
];

/**
 * Published totals per inference (MACs and weights of the on-chip layers, biases and BatchNorm excluded). Exact
 * where the published figure is exact, otherwise within the figure's rounding.
 */
const PUBLISHED: Record<string, { layers: number; macs: number | [number, number]; weights: number | [number, number] }> = {
  // Simonyan & Zisserman config D: 15.47 GMAC, 138,357,544 parameters incl. 13,416 biases (torchvision num_params).
  vgg16: { layers: 16, macs: 15_470_264_320, weights: 138_357_544 - 13_416 },
  // Howard et al. Table 8: 569M mult-adds, 4.2M parameters.
  'mobilenet-v1': { layers: 28, macs: [568.5e6, 569.5e6], weights: [4.15e6, 4.25e6] },
  // Released Caffe model at 227x227 (conv10 padded): 0.86 GMAC; torchvision 1,248,424 params incl. 3,976 biases.
  'squeezenet-1.0': { layers: 26, macs: [860e6, 862e6], weights: 1_248_424 - 3_976 },
  // v1.1 README: "2.4x less computation" than v1.0; torchvision 1,235,496 params incl. 3,944 biases.
  'squeezenet-1.1': { layers: 26, macs: [386e6, 390e6], weights: 1_235_496 - 3_944 },
  // Szegedy et al. Table 1: ops sum to 1.586G (text: "1.5 billion multiply-adds"), params 6.8M (the table's
  // per-layer counts are rounded and a few are off; our exact count with the 5x5 branches is 6.99M).
  googlenet: { layers: 58, macs: [1.57e9, 1.6e9], weights: [6.8e6, 7.0e6] },
  // torchvision: 4.09 GFLOPS (MACs); 25,557,032 params incl. 53,120 BatchNorm parameters and the 1,000 FC biases.
  resnet50: { layers: 54, macs: [4.085e9, 4.095e9], weights: 25_557_032 - 53_120 - 1_000 },
};

function expectFigure(actual: number, expected: number | [number, number]): void {
  if (typeof expected === 'number') expect(actual).toBe(expected);
  else {
    expect(actual).toBeGreaterThanOrEqual(expected[0]);
    expect(actual).toBeLessThanOrEqual(expected[1]);
  }
}

describe('zoo traces', () => {
  test('are shipped', () => {
    expect(listTraceNames()).toEqual(expect.arrayContaining(ZOO));
  });

  test.each(ZOO)('%s: batch 1, cited, a source for every layer, shapes that chain', (name) => {
    const trace = loadTrace(name); // validation checks that every layer's shape chains from its inputs
    expect(trace.batch).toBe(1);
    expect(trace.sources.length).toBeGreaterThan(0);
    for (const layer of trace.layers) expect(layer.source, layer.name).toBeTruthy();
    expect(trace.layers.at(-1)!.type).toBe('SOFTMAX');
    expect(layerOutputShape(trace.layers.at(-1)!)).toEqual([1000, 1, 1]);
    // The image is dense; every other on-chip layer has a documented iact density below 1 or reads a global pool.
    expect(trace.layers.find((l) => isOnChip(l.type))!.iactDensity).toBeGreaterThan(0.98);
  });

  test.each(Object.entries(PUBLISHED))('%s: on-chip layers, MACs and weights match the published totals', (name, p) => {
    const summary = traceSummary(loadTrace(name));
    expect(summary.layers).toBe(p.layers);
    expectFigure(summary.macs, p.macs);
    expectFigure(summary.weights, p.weights);
  });

  test('shippedTraceSummaries lists every trace once', () => {
    const names = shippedTraceSummaries().map((s) => s.name);
    expect(names).toEqual(listTraceNames());
  });

  test('vgg16-sparse differs from vgg16 only in weight densities: Han et al. 2015, 7.5% of the weights overall', () => {
    const strip = (name: string) => loadTrace(name).layers.map(({ weightDensity: _w, source: _s, ...rest }) => rest);
    expect(strip('vgg16-sparse')).toEqual(strip('vgg16'));
    const sparse = loadTrace('vgg16-sparse').layers.filter((l) => isOnChip(l.type));
    expect(sparse.map((l) => l.weightDensity)).toEqual([
      0.58, 0.22, 0.34, 0.36, 0.53, 0.24, 0.42, 0.32, 0.27, 0.34, 0.35, 0.29, 0.36, 0.04, 0.04, 0.23,
    ]);
    const dense = traceSummary(loadTrace('vgg16')).weights;
    const kept = sparse.reduce((sum, l) => sum + l.weightDensity * l.M * (l.C / l.G) * l.R * l.S, 0);
    // 10.3M of 138M in the paper; the per-layer percentages are rounded, so the total lands near 7.6%.
    expect(kept / dense).toBeGreaterThan(0.074);
    expect(kept / dense).toBeLessThan(0.077);
    expect(loadTrace('vgg16').layers.every((l) => l.weightDensity === 1)).toBe(true);
  });

  test('VGG-16 CONV iact densities are 1 - zeros measured on Eyeriss v1 (JSSC17 Table VI)', () => {
    const layers = loadTrace('vgg16').layers;
    const density = (n: string) => layers.find((l) => l.name === n)!.iactDensity;
    expect(density('conv1_1')).toBe(0.984);
    expect(density('conv4_1')).toBe(0.357);
    expect(density('conv5_3')).toBe(0.115);
  });

  test('SqueezeNet fire modules: both expands read the squeeze output and are concatenated', () => {
    for (const name of ['squeezenet-1.0', 'squeezenet-1.1']) {
      const layers = loadTrace(name).layers;
      const byName = new Map(layers.map((l) => [l.name, l]));
      for (let i = 2; i <= 9; i++) {
        expect(byName.get(`fire${i}/expand3x3`)!.inputs).toEqual([`fire${i}/squeeze1x1`]);
        expect(byName.get(`fire${i}/expand1x1`)!.inputs).toEqual([]); // reads the previous layer, the squeeze
        expect(byName.get(`fire${i}/concat`)!.inputs).toEqual([`fire${i}/expand1x1`, `fire${i}/expand3x3`]);
      }
      const last = byName.get('conv10')!;
      expect([last.type, last.M]).toEqual(['PWCONV', 1000]);
      const pool = byName.get('pool10')!;
      expect([pool.type, pool.R, pool.H]).toEqual(['POOL_AVG', pool.H, layerOutputShape(last)[1]]);
    }
  });

  test('GoogLeNet: 9 inception modules of 4 branches joined by CONCAT, no auxiliary classifiers', () => {
    const layers = loadTrace('googlenet').layers;
    const concats = layers.filter((l) => l.type === 'CONCAT');
    expect(concats).toHaveLength(9);
    for (const c of concats) expect(c.inputs).toHaveLength(4);
    const out = (n: string) => layerOutputShape(layers.find((l) => l.name === n)!);
    expect(out('inception_3a/output')).toEqual([256, 28, 28]);
    expect(out('inception_4e/output')).toEqual([832, 14, 14]);
    expect(out('inception_5b/output')).toEqual([1024, 7, 7]);
    const proj = layers.find((l) => l.name === 'inception_3a/pool')!;
    expect([proj.type, proj.R, proj.strideH, proj.padTop]).toEqual(['POOL_MAX', 3, 1, 1]);
    expect(layers.filter((l) => l.type === 'FC').map((l) => l.name)).toEqual(['loss3/classifier']);
  });

  test('ResNet-50: 16 bottlenecks joined by ADD, 4 projection shortcuts (stride 2 in stages 2-4)', () => {
    const layers = loadTrace('resnet50').layers;
    expect(layers.filter((l) => l.type === 'ADD')).toHaveLength(16);
    const projections = layers.filter((l) => l.name.endsWith('downsample'));
    expect(projections.map((l) => [l.type, l.strideH])).toEqual([
      ['PWCONV', 1],
      ['PWCONV', 2],
      ['PWCONV', 2],
      ['PWCONV', 2],
    ]);
    const add = layers.find((l) => l.name === 'layer2.0.add')!;
    expect(add.inputs).toEqual(['layer2.0.conv3', 'layer2.0.downsample']);
    expect(layers.find((l) => l.name === 'layer2.1.add')!.inputs).toEqual(['layer2.1.conv3', 'layer2.0.add']);
    expect(layerOutputShape(layers.find((l) => l.name === 'layer4.2.add')!)).toEqual([2048, 7, 7]);
  });

  test('MobileNet-1.0-224: 13 DW + PW pairs ending at 1024x7x7', () => {
    const layers = loadTrace('mobilenet-v1').layers;
    expect(layers.filter((l) => l.type === 'DWCONV')).toHaveLength(13);
    expect(layers.filter((l) => l.type === 'PWCONV')).toHaveLength(13);
    expect(layerOutputShape(layers.find((l) => l.name === 'conv_pw_13')!)).toEqual([1024, 7, 7]);
  });
});
