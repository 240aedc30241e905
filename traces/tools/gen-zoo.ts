/**
 * Writes the zoo traces (traces/{vgg16,vgg16-sparse,mobilenet-v1,squeezenet-1.0,squeezenet-1.1,googlenet,
 * resnet50}.json) from the published layer shapes. Deterministic: same code, same files. The JSON files are the
 * artifact; this script documents where every number comes from and keeps them consistent.
 *
 * Run from the repository root: npx tsx traces/tools/gen-zoo.ts
 *
 * Iact densities: only VGG-16 has measured per-layer figures (Eyeriss v1, JSSC17 Table VI). Elsewhere they are our
 * choice, marked as such in each layer's source: 1.0 for the image, 0.5 for post-ReLU activations (a common
 * ballpark: ReLU zeroes about half of a layer's outputs), 1.0 after a global average pool (an average over a whole
 * feature map is zero only if the whole map is).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OffChipLayerType, OnChipLayerType } from '../../sim/workloads/layer.js';
import { writeTrace, type LayerObject, type TraceObject } from '../../sim/workloads/trace-io.js';

type Shape3 = [c: number, h: number, w: number];
/** Zero padding as top, bottom, left, right. */
type Pads = [number, number, number, number];
interface Density {
  value: number;
  why: string;
}
interface ConvOptions {
  stride?: number;
  /** Symmetric padding, or [top, bottom, left, right]. */
  pad?: number | Pads;
  groups?: number;
  /** Layer feeding this one (default: the previous layer, or the network input for the first). */
  from?: string;
  iact?: Density;
  weight?: Density;
  /** Extra words for the layer's source (e.g. the row of the paper's table). */
  note?: string;
}

const DENSE: Density = { value: 1, why: 'dense' };
const IMAGE: Density = { value: 1, why: 'the input image [our choice]' };
const POST_RELU: Density = { value: 0.5, why: 'post-ReLU activations [our choice, no measured figure]' };
const AFTER_GAP: Density = {
  value: 1,
  why: 'global average of ReLU outputs, zero only if the whole map is [our choice]',
};

/** Builds one trace layer by layer, tracking output shapes so every layer's c/h/w are written (and checked). */
class Net {
  readonly layers: LayerObject[] = [];
  private readonly outputs = new Map<string, { shape: Shape3; type: string }>();
  private seed = 0;

  constructor(
    readonly inputShape: Shape3,
    /** Citation of the shapes, repeated in each layer's source. */
    private readonly shapeSource: string,
  ) {}

  private feed(from: string | undefined): { shape: Shape3; type: string; inputs: string[]; name?: string } {
    const last = this.layers.at(-1)?.name;
    const name = from ?? last;
    if (name === undefined) return { shape: this.inputShape, type: 'INPUT', inputs: [] };
    const out = this.outputs.get(name);
    if (!out) throw new Error(`no layer ${name}`);
    return { ...out, inputs: name === last ? [] : [name], name };
  }

  private push(layer: LayerObject, shape: Shape3): string {
    this.layers.push(layer);
    this.outputs.set(layer.name, { shape, type: layer.type });
    return layer.name;
  }

  shape(name: string): Shape3 {
    return this.outputs.get(name)!.shape;
  }

  conv(name: string, m: number, k: number, o: ConvOptions = {}): string {
    const { shape: [c, h, w], type: feedType, inputs } = this.feed(o.from);
    const stride = o.stride ?? 1;
    const [pt, pb, pl, pr] = typeof o.pad === 'number' || o.pad === undefined ? Array(4).fill(o.pad ?? 0) : o.pad;
    const groups = o.groups ?? 1;
    const type: OnChipLayerType = groups > 1 && groups === c ? 'DWCONV' : groups === 1 && k === 1 ? 'PWCONV' : 'CONV';
    const iact = o.iact ?? (feedType === 'INPUT' ? IMAGE : feedType === 'POOL_AVG' ? AFTER_GAP : POST_RELU);
    const weight = o.weight ?? DENSE;
    const e = Math.floor((h + pt + pb - k) / stride) + 1;
    const f = Math.floor((w + pl + pr - k) / stride) + 1;
    const layer: LayerObject = {
      name, type, c, h, w, m, r: k, s: k,
      // Defaults (stride 1, one group) are left out, as in the hand-written traces.
      ...(stride > 1 ? { strideH: stride, strideW: stride } : {}),
      padTop: pt, padBottom: pb, padLeft: pl, padRight: pr,
      ...(groups > 1 ? { groups } : {}),
      iactDensity: iact.value, weightDensity: weight.value, seed: ++this.seed, inputs,
      source: `${this.shapeSource}${o.note ? ` ${o.note}` : ''}; iact density ${iact.value}: ${iact.why}; weight density ${weight.value}: ${weight.why}`,
    };
    return this.push(layer, [m, e, f]);
  }

  /** FC over the whole input (a filter as large as the input, as the chip runs it). */
  fc(name: string, m: number, o: Pick<ConvOptions, 'from' | 'iact' | 'weight' | 'note'> = {}): string {
    const { shape: [c, h, w], type: feedType, inputs } = this.feed(o.from);
    const iact = o.iact ?? (feedType === 'POOL_AVG' ? AFTER_GAP : POST_RELU);
    const weight = o.weight ?? DENSE;
    const layer: LayerObject = {
      name, type: 'FC', c, h, w, m, iactDensity: iact.value, weightDensity: weight.value, seed: ++this.seed, inputs,
      source: `${this.shapeSource}${o.note ? ` ${o.note}` : ''}; iact density ${iact.value}: ${iact.why}; weight density ${weight.value}: ${weight.why}`,
    };
    return this.push(layer, [m, 1, 1]);
  }

  /**
   * k x k pooling; `ceil` gives Caffe's and PyTorch's ceil_mode output size, written as one extra zero row/column
   * at the bottom/right (the windows are the same; only the output size matters to the trace).
   */
  pool(type: 'POOL_MAX' | 'POOL_AVG', name: string, k: number, stride: number, o: { pad?: number; ceil?: boolean; from?: string } = {}): string {
    const { shape: [c, h, w], inputs } = this.feed(o.from);
    const pad = o.pad ?? 0;
    const out = (x: number) => (o.ceil ? Math.ceil : Math.floor)((x + 2 * pad - k) / stride) + 1;
    const [e, f] = [out(h), out(w)];
    const extraH = (e - 1) * stride + k - (h + 2 * pad);
    const extraW = (f - 1) * stride + k - (w + 2 * pad);
    const layer: LayerObject = {
      name, type, c, h, w, r: k, s: k,
      ...(stride > 1 ? { strideH: stride, strideW: stride } : {}),
      padTop: pad, padBottom: pad + Math.max(0, extraH), padLeft: pad, padRight: pad + Math.max(0, extraW), inputs,
      source: `${this.shapeSource}: ${k}x${k} stride-${stride} ${type === 'POOL_MAX' ? 'max' : 'average'} pooling${pad ? ` pad ${pad}` : ''}${extraH > 0 || extraW > 0 ? ' in ceil mode (one extra bottom/right pad row/column gives the same output size)' : ''}, run off-chip`,
    };
    return this.push(layer, [c, e, f]);
  }

  /** Global average pooling over the whole feature map. */
  globalAvgPool(name: string): string {
    const [, h] = this.feed(undefined).shape;
    return this.pool('POOL_AVG', name, h, 1);
  }

  join(type: Extract<OffChipLayerType, 'ADD' | 'CONCAT'>, name: string, inputs: string[]): string {
    const shapes = inputs.map((i) => this.shape(i));
    const [c0, h, w] = shapes[0]!;
    const c = type === 'CONCAT' ? shapes.reduce((sum, s) => sum + s[0], 0) : c0;
    const what = type === 'ADD' ? 'element-wise sum (ReLU after it implied)' : 'channel concatenation';
    return this.push(
      { name, type, inputs, source: `${this.shapeSource}: ${what} of ${inputs.join(', ')}, run off-chip` },
      [c, h, w],
    );
  }

  softmax(name: string): string {
    const { shape, inputs } = this.feed(undefined);
    return this.push({ name, type: 'SOFTMAX', inputs, source: `${this.shapeSource}: softmax classifier output, run off-chip` }, shape);
  }

  trace(name: string, description: string, sources: string[]): TraceObject {
    return { version: 1, name, description, sources, batch: 1, inputShape: [...this.inputShape], layers: this.layers };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// VGG-16

const JSSC17_VGG =
  'JSSC17: Chen, Krishna, Emer, Sze, "Eyeriss", IEEE JSSC 52(1), 2017 - Table VI (VGG-16 measured per layer on the v1 chip, N=3): zeros in ifmaps, via cucapra/fodlam data/eyeriss-vgg16.csv';
/** 1 - "Zeros" of JSSC17 Table VI per CONV layer [MEAS]; CONV4-1 is 64.3% in the CSV (the raw OCR reads 74.3%). */
const VGG_IACT_ZEROS: Record<string, number> = {
  conv1_1: 1.6, conv1_2: 47.7, conv2_1: 24.8, conv2_2: 38.7, conv3_1: 39.7, conv3_2: 58.1, conv3_3: 58.7,
  conv4_1: 64.3, conv4_2: 74.7, conv4_3: 85.4, conv5_1: 79.4, conv5_2: 87.4, conv5_3: 88.5,
};
/** EIE (ISCA 2016) Table III activation densities of the VGG-16 FC layers [recalled, not checked; our choice]. */
const VGG_FC_IACT: Record<string, number> = { fc6: 0.183, fc7: 0.375, fc8: 0.411 };
/** Han, Mao, Dally, "Deep Compression", ICLR 2016, Table 5 column "Weights% (P)": pruning as in Han et al. NIPS 2015. */
const VGG_PRUNED_WEIGHTS: Record<string, number> = {
  conv1_1: 0.58, conv1_2: 0.22, conv2_1: 0.34, conv2_2: 0.36, conv3_1: 0.53, conv3_2: 0.24, conv3_3: 0.42,
  conv4_1: 0.32, conv4_2: 0.27, conv4_3: 0.34, conv5_1: 0.35, conv5_2: 0.29, conv5_3: 0.36,
  fc6: 0.04, fc7: 0.04, fc8: 0.23,
};
const HAN_PRUNING =
  'Han, Mao, Dally, "Deep Compression", ICLR 2016 (arXiv 1510.00149), Table 5 "Weights% (P)": remaining weights of VGG-16 after magnitude pruning, the pruning of Han, Pool, Tran, Dally, "Learning both Weights and Connections", NIPS 2015 (its Table 5, 7.5% overall, 13x; read from the Deep Compression text, whose table extraction shifts the FC rows: matched by #Weights 103M/17M/4M)';

function vgg16(sparse: boolean): TraceObject {
  const net = new Net([3, 224, 224], 'VGG-16 (Simonyan & Zisserman, ICLR 2015, Table 1 config D)');
  const weight = (name: string): Density =>
    sparse ? { value: VGG_PRUNED_WEIGHTS[name]!, why: 'remaining weights after pruning, Deep Compression Table 5 (Han et al. NIPS 2015)' } : DENSE;
  const blocks = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];
  blocks.forEach((block, b) => {
    block.forEach((m, i) => {
      const name = `conv${b + 1}_${i + 1}`;
      const zeros = VGG_IACT_ZEROS[name]!;
      const iact = {
        value: Math.round((100 - zeros) * 10) / 1000,
        why: `1 - zeros in ifmaps = 1 - ${zeros}%, JSSC17 Table VI [MEAS on the v1 chip, dense network, N=3]`,
      };
      net.conv(name, m, 3, { pad: 1, iact, weight: weight(name), note: '3x3 conv, pad 1' });
    });
    net.pool('POOL_MAX', `pool${b + 1}`, 2, 2);
  });
  for (const [name, m] of [['fc6', 4096], ['fc7', 4096], ['fc8', 1000]] as const) {
    const iact = { value: VGG_FC_IACT[name]!, why: 'EIE (Han et al., ISCA 2016) Table III for the VGG-16 FC layers [recalled, not checked against the paper; our choice]' };
    net.fc(name, m, { iact, weight: weight(name), note: name === 'fc6' ? 'FC over the 512x7x7 pool5 output' : 'FC' });
  }
  net.softmax('prob');
  const sources = [
    'Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition", ICLR 2015, Table 1 config D - layer shapes (224x224 input; 15.47G MACs and 138.3M weights incl. FC)',
    JSSC17_VGG,
    'EIE: Han et al., "EIE: Efficient Inference Engine on Compressed DNN", ISCA 2016, Table III - FC input activation densities (recalled, not verified; our choice)',
  ];
  if (sparse) sources.push(HAN_PRUNING);
  return net.trace(
    sparse ? 'vgg16-sparse' : 'vgg16',
    `VGG-16 (config D), 224x224x3 input, batch 1: 13 CONV and 3 FC on chip, max pooling off chip. CONV iact densities measured on Eyeriss v1 (JSSC17 Table VI); FC iact densities our choice (EIE). ${sparse ? 'Weight densities of the magnitude-pruned VGG-16 (Han et al. NIPS 2015, 7.5% overall); iact densities are those measured on the dense network.' : 'Dense weights.'}`,
    sources,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// MobileNet v1, width 1.0, 224x224

function mobilenetV1(): TraceObject {
  const net = new Net([3, 224, 224], 'MobileNet v1 (Howard et al. 2017) Table 1, width 1.0, 224x224 input, TF "SAME" padding');
  // TF "SAME" with stride 2 on an even input pads only the bottom/right.
  const same = (stride: number): number | Pads => (stride === 2 ? [0, 1, 0, 1] : 1);
  net.conv('conv1', 32, 3, { stride: 2, pad: same(2) });
  // (output channels of the point-wise layer, stride of the depth-wise layer); the 13th DW layer has stride 1 as in
  // the reference implementation (Table 1 prints s2 but keeps 7x7).
  const blocks: [number, number][] = [
    [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
    [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
  ];
  blocks.forEach(([m, stride], i) => {
    const c = net.shape(net.layers.at(-1)!.name)[0];
    net.conv(`conv_dw_${i + 1}`, c, 3, { stride, pad: same(stride), groups: c, note: `depth-wise 3x3 stride ${stride}` });
    net.conv(`conv_pw_${i + 1}`, m, 1, { note: 'point-wise 1x1' });
  });
  net.globalAvgPool('avg_pool');
  net.fc('fc', 1000);
  net.softmax('prob');
  return net.trace(
    'mobilenet-v1',
    'MobileNet v1, width 1.0, 224x224x3 input, batch 1: CONV, 13 x (DWCONV 3x3 + PWCONV 1x1) and FC on chip (28 layers), global average pool off chip; 569M MACs, 4.2M weights (Howard et al. Table 1/8). Dense weights; iact densities are our choice (no published per-layer figures): 1.0 for the image and after the global pool, 0.5 post-ReLU.',
    [
      'Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications", arXiv 1704.04861, 2017, Table 1 (layer shapes) and Table 8 (1.0 MobileNet-224: 569M mult-adds, 4.2M parameters)',
      'tensorflow/models research/slim/nets/mobilenet_v1.py - stride 1 of the last depth-wise layer and TF "SAME" padding',
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// SqueezeNet 1.0 and 1.1 (the released Caffe models)

function squeezenet(version: '1.0' | '1.1'): TraceObject {
  const deploy = `forresti/SqueezeNet SqueezeNet_v${version}/deploy.prototxt`;
  const net = new Net([3, 227, 227], `SqueezeNet ${version} (${deploy}, 227x227 input)`);
  // Caffe pooling rounds the output size up (ceil mode).
  const maxPool = (name: string) => net.pool('POOL_MAX', name, 3, 2, { ceil: true });
  const fire = (i: number, squeeze: number, expand: number) => {
    const s = net.conv(`fire${i}/squeeze1x1`, squeeze, 1, { note: `fire${i} squeeze 1x1` });
    const e1 = net.conv(`fire${i}/expand1x1`, expand, 1, { from: s, note: `fire${i} expand 1x1` });
    const e3 = net.conv(`fire${i}/expand3x3`, expand, 3, { from: s, pad: 1, note: `fire${i} expand 3x3 pad 1, reads the squeeze output` });
    net.join('CONCAT', `fire${i}/concat`, [e1, e3]);
  };
  if (version === '1.0') {
    net.conv('conv1', 96, 7, { stride: 2, note: '96 7x7 stride 2' });
    maxPool('pool1');
    fire(2, 16, 64);
    fire(3, 16, 64);
    fire(4, 32, 128);
    maxPool('pool4');
    fire(5, 32, 128);
    fire(6, 48, 192);
    fire(7, 48, 192);
    fire(8, 64, 256);
    maxPool('pool8');
    fire(9, 64, 256);
    // The released v1.0 model pads its 1x1 conv10 by 1 (15x15 output); the paper's Table 1 shows 13x13.
    net.conv('conv10', 1000, 1, { pad: 1, note: '1x1 with pad 1 as in the released deploy.prototxt (15x15 output; Table 1 of the paper shows 13x13)' });
  } else {
    net.conv('conv1', 64, 3, { stride: 2, note: '64 3x3 stride 2' });
    maxPool('pool1');
    fire(2, 16, 64);
    fire(3, 16, 64);
    maxPool('pool3');
    fire(4, 32, 128);
    fire(5, 32, 128);
    maxPool('pool5');
    fire(6, 48, 192);
    fire(7, 48, 192);
    fire(8, 64, 256);
    fire(9, 64, 256);
    net.conv('conv10', 1000, 1, { note: '1x1' });
  }
  net.globalAvgPool('pool10');
  net.softmax('prob');
  const totals = version === '1.0' ? '861M MACs, 1.24M weights' : '388M MACs, 1.23M weights';
  return net.trace(
    `squeezenet-${version}`,
    `SqueezeNet ${version} as released (Caffe deploy.prototxt), 227x227x3 input, batch 1: conv1, 8 fire modules (squeeze 1x1 feeding expand 1x1 and expand 3x3 in parallel, joined by CONCAT) and conv10 on chip; max pooling (ceil mode), global average pooling and softmax off chip; ${totals}. Dense weights; iact densities are our choice: 1.0 for the image, 0.5 post-ReLU.`,
    [
      'Iandola et al., "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size", arXiv 1602.07360, 2016, Table 1 - fire module sizes',
      `${deploy} - the released model's layer parameters (227x227 input${version === '1.0' ? ', conv10 pad 1' : '; v1.1 README: conv1 64 3x3, pooling after fire3 and fire5'})`,
      'pytorch/vision torchvision/models/squeezenet.py - same layers (224x224 there); num_params 1,248,424 (1.0) and 1,235,496 (1.1) incl. biases',
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// GoogLeNet (Inception v1), without the two auxiliary classifiers

function googlenet(): TraceObject {
  const net = new Net([3, 224, 224], 'GoogLeNet (Szegedy et al., CVPR 2015, Table 1; BVLC bvlc_googlenet deploy.prototxt)');
  const maxPool = (name: string) => net.pool('POOL_MAX', name, 3, 2, { ceil: true });
  const inception = (id: string, n1: number, r3: number, n3: number, r5: number, n5: number, proj: number) => {
    const x = net.layers.at(-1)!.name;
    const p = `inception_${id}`;
    const b1 = net.conv(`${p}/1x1`, n1, 1, { from: x, note: `inception (${id}) #1x1` });
    net.conv(`${p}/3x3_reduce`, r3, 1, { from: x, note: `inception (${id}) #3x3 reduce` });
    const b3 = net.conv(`${p}/3x3`, n3, 3, { pad: 1, note: `inception (${id}) #3x3, pad 1` });
    net.conv(`${p}/5x5_reduce`, r5, 1, { from: x, note: `inception (${id}) #5x5 reduce` });
    const b5 = net.conv(`${p}/5x5`, n5, 5, { pad: 2, note: `inception (${id}) #5x5, pad 2` });
    net.pool('POOL_MAX', `${p}/pool`, 3, 1, { pad: 1, from: x });
    const bp = net.conv(`${p}/pool_proj`, proj, 1, { note: `inception (${id}) pool proj` });
    net.join('CONCAT', `${p}/output`, [b1, b3, b5, bp]);
  };
  net.conv('conv1/7x7_s2', 64, 7, { stride: 2, pad: 3, note: 'conv 7x7/2, pad 3' });
  maxPool('pool1/3x3_s2');
  net.conv('conv2/3x3_reduce', 64, 1, { note: 'conv2 #3x3 reduce' });
  net.conv('conv2/3x3', 192, 3, { pad: 1, note: 'conv2 3x3, pad 1' });
  maxPool('pool2/3x3_s2');
  inception('3a', 64, 96, 128, 16, 32, 32);
  inception('3b', 128, 128, 192, 32, 96, 64);
  maxPool('pool3/3x3_s2');
  inception('4a', 192, 96, 208, 16, 48, 64);
  inception('4b', 160, 112, 224, 24, 64, 64);
  inception('4c', 128, 128, 256, 24, 64, 64);
  inception('4d', 112, 144, 288, 32, 64, 64);
  inception('4e', 256, 160, 320, 32, 128, 128);
  maxPool('pool4/3x3_s2');
  inception('5a', 256, 160, 320, 32, 128, 128);
  inception('5b', 384, 192, 384, 48, 128, 128);
  net.globalAvgPool('pool5/7x7_s1');
  net.fc('loss3/classifier', 1000, { note: 'linear 1024 -> 1000' });
  net.softmax('prob');
  return net.trace(
    'googlenet',
    'GoogLeNet (Inception v1), 224x224x3 input, batch 1: 57 CONV (inception modules with 1x1 reduce convs and a 3x3/1 max-pool + 1x1 projection branch, joined by CONCAT) and 1 FC on chip; pooling (Caffe ceil mode) and softmax off chip. The two auxiliary classifiers (training only) are left out, and so are the two LRN layers (shape-preserving normalisation, not a layer type here). 1.58G MACs, 6.99M weights. Dense weights; iact densities are our choice: 1.0 for the image and after the global pool, 0.5 post-ReLU.',
    [
      'Szegedy et al., "Going Deeper with Convolutions", CVPR 2015, Table 1 - layer and inception-module shapes (5x5 branch as in the paper; torchvision uses 3x3 there)',
      'BVLC/caffe models/bvlc_googlenet/deploy.prototxt - paddings, strides and ceil-mode pooling of the released model',
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// ResNet-50 (torchvision, v1.5: stride on the 3x3 conv of the bottleneck)

function resnet50(): TraceObject {
  const net = new Net([3, 224, 224], 'ResNet-50 (He et al., CVPR 2016, Table 1; torchvision resnet50)');
  net.conv('conv1', 64, 7, { stride: 2, pad: 3, note: 'conv1 7x7/2, pad 3' });
  let x = net.pool('POOL_MAX', 'maxpool', 3, 2, { pad: 1 });
  const stages: [blocks: number, planes: number, stride: number][] = [[3, 64, 1], [4, 128, 2], [6, 256, 2], [3, 512, 2]];
  stages.forEach(([blocks, planes, firstStride], s) => {
    for (let b = 0; b < blocks; b++) {
      const p = `layer${s + 1}.${b}`;
      const stride = b === 0 ? firstStride : 1;
      net.conv(`${p}.conv1`, planes, 1, { from: x, note: 'bottleneck 1x1' });
      net.conv(`${p}.conv2`, planes, 3, { stride, pad: 1, note: `bottleneck 3x3 stride ${stride}, pad 1` });
      const main = net.conv(`${p}.conv3`, planes * 4, 1, { note: 'bottleneck 1x1 expansion x4' });
      // torchvision adds a 1x1 projection where the shape changes: the first block of each stage.
      const shortcut =
        b === 0 ? net.conv(`${p}.downsample`, planes * 4, 1, { from: x, stride, note: `projection shortcut 1x1 stride ${stride}` }) : x;
      x = net.join('ADD', `${p}.add`, [main, shortcut]);
    }
  });
  net.globalAvgPool('avgpool');
  net.fc('fc', 1000, { note: 'linear 2048 -> 1000' });
  net.softmax('prob');
  return net.trace(
    'resnet50',
    'ResNet-50 (torchvision v1.5: stride 2 on the bottleneck 3x3), 224x224x3 input, batch 1: 53 CONV/PWCONV (incl. 4 projection shortcuts) and 1 FC on chip; pooling, ADD (ReLU after it implied) and softmax off chip; 4.09G MACs, 25.5M weights. BatchNorm is folded into the convs (no layer). Dense weights; iact densities are our choice: 1.0 for the image and after the global pool, 0.5 post-ReLU.',
    [
      'He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016, Table 1 - 50-layer bottleneck stages [3, 4, 6, 3]',
      'pytorch/vision torchvision/models/resnet.py - Bottleneck with the stride on conv2 (v1.5), downsample = 1x1 conv where the shape changes; 25,557,032 parameters incl. BatchNorm and FC bias, 4.09 GFLOPS (MACs)',
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------------

const tracesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const trace of [vgg16(false), vgg16(true), mobilenetV1(), squeezenet('1.0'), squeezenet('1.1'), googlenet(), resnet50()]) {
  writeTrace(trace, path.join(tracesDir, `${trace.name}.json`));
  console.log(`wrote traces/${trace.name}.json (${trace.layers.length} layers)`);
}
