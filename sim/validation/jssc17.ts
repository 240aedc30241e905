/**
 * Measured Eyeriss v1 silicon (JSSC17 = Chen, Krishna, Emer, Sze, IEEE JSSC 52(1), 2017): Table V (AlexNet
 * CONV1-5, batch 4) and Table VI (VGG-16 CONV layers, batch 3), both at 1 V, 200 MHz core, 60 MHz link; each
 * DRAM or GLB access is one 16-bit value, and MB is 10^6 bytes (it reproduces the paper's 0.0029 DRAM accesses
 * per MAC). Transcribed from the FODLAM cleaned CSVs (github cucapra/fodlam, data/eyeriss-alexnet.csv and
 * data/eyeriss-vgg16.csv) via ../shared/reference/eyeriss-facts.md §3.4-3.5, which notes the cells where the
 * OCR and the CSV disagree. Also Table III: the mapping the chip used for AlexNet, in this simulator's form.
 */
export interface MeasuredLayer {
  layer: string;
  powerMw: number;
  totalLatencyMs: number;
  processingLatencyMs: number;
  activePes: number;
  /** Fraction of zeros in the layer's input (the traces use 1 - this as the iact density). */
  iactZeros: number;
  glbAccesses: number; // MB
  dramAccesses: number; // MB
}

export interface MeasuredNetwork {
  network: string;
  /** Trace with the measured input zero fractions. */
  trace: string;
  batch: number;
  source: string;
  layers: MeasuredLayer[];
  /** JSSC17 Table III mappings, where published. */
  paperMappings: Record<string, string> | null;
}

export const METRICS = ['totalLatencyMs', 'processingLatencyMs', 'powerMw', 'activePes', 'glbAccesses', 'dramAccesses'] as const;
export type Metric = (typeof METRICS)[number];

const row = (layer: string, powerMw: number, totalLatencyMs: number, processingLatencyMs: number, activePes: number, iactZeros: number, glbAccesses: number, dramAccesses: number): MeasuredLayer =>
  ({ layer, powerMw, totalLatencyMs, processingLatencyMs, activePes, iactZeros, glbAccesses, dramAccesses });

export const JSSC17_ALEXNET: MeasuredNetwork = {
  network: 'alexnet',
  trace: 'alexnet',
  batch: 4,
  source: 'JSSC17 Table V (measured, batch 4, 1 V, 200 MHz core, 60 MHz link); FODLAM data/eyeriss-alexnet.csv',
  layers: [
    row('conv1', 332, 20.9, 16.5, 154, 0.0001, 18.5, 5.0),
    row('conv2', 288, 41.9, 39.2, 135, 0.387, 77.6, 4.0),
    row('conv3', 266, 23.6, 21.8, 156, 0.725, 50.2, 3.0),
    row('conv4', 235, 18.4, 16.0, 156, 0.793, 37.4, 2.1),
    row('conv5', 236, 10.5, 10.0, 156, 0.776, 24.9, 1.3),
  ],
  // JSSC17 Table III (p, q, r, t, e, m, n) as this simulator's mappings: p = M0 filters and q = C0 channels
  // per PE; a PE set of R rows by e output rows, r sets for channels and t for filters stacked or side by
  // side; m filters' psums in the GLB = M0 x t x mblock; n images per pass. CONV2's 5x27 set is folded in
  // two 5x14 and 5x13 halves (rows E2), which is what gives 135 active PEs.
  paperMappings: {
    conv1: 'peRow=R11 peCol=M2.E7 M0=16 C0=1 rows=N1.E1 mode=uncompressed mblock=3',
    conv2: 'peRow=E2.R5 peCol=E14 M0=16 C0=2 rows=N1.E1 mode=uncompressed mblock=4',
    conv3: 'peRow=M4.R3 peCol=E13 M0=16 C0=4 rows=N4.E1 mode=uncompressed',
    conv4: 'peRow=M2.C2.R3 peCol=E13 M0=16 C0=3 rows=N4.E1 mode=uncompressed mblock=2',
    conv5: 'peRow=M2.C2.R3 peCol=E13 M0=16 C0=3 rows=N4.E1 mode=uncompressed mblock=2',
  },
};

export const JSSC17_VGG16: MeasuredNetwork = {
  network: 'vgg16',
  trace: 'vgg16',
  batch: 3,
  source: 'JSSC17 Table VI (measured, batch 3, 1 V, 200 MHz core, 60 MHz link); FODLAM data/eyeriss-vgg16.csv',
  layers: [
    row('conv1_1', 247, 76.2, 38.0, 156, 0.016, 112.6, 15.4),
    row('conv1_2', 218, 910.3, 810.6, 156, 0.477, 2402.8, 54.0),
    row('conv2_1', 242, 470.3, 405.3, 156, 0.248, 1201.4, 33.4),
    row('conv2_2', 231, 894.3, 810.8, 156, 0.387, 2402.8, 48.5),
    row('conv3_1', 254, 241.1, 204.0, 156, 0.397, 607.4, 20.2),
    row('conv3_2', 235, 460.9, 408.1, 156, 0.581, 1214.8, 32.2),
    row('conv3_3', 233, 457.7, 408.1, 156, 0.587, 1214.8, 30.8),
    row('conv4_1', 278, 135.8, 105.1, 168, 0.643, 321.8, 17.8),
    row('conv4_2', 261, 254.8, 210.0, 168, 0.747, 643.7, 28.6),
    row('conv4_3', 240, 246.3, 210.0, 168, 0.854, 643.7, 22.8),
    row('conv5_1', 258, 54.3, 48.3, 163, 0.794, 90.0, 6.3),
    row('conv5_2', 236, 53.7, 48.5, 168, 0.874, 90.0, 5.7),
    row('conv5_3', 230, 53.7, 48.5, 168, 0.885, 90.0, 5.6),
  ],
  paperMappings: null, // not in the retrieved tables
};
