import type { Command } from 'commander';
import { isOnChip } from '../workloads/layer.js';
import { importOnnx } from '../workloads/onnx-import.js';
import { checkTraceOutput, writeTrace } from '../workloads/trace-io.js';

/** `eyeriss-sim import MODEL.onnx -o TRACE.pb`: an ONNX model as a trace with its real int8 weights. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import an ONNX model as a trace (weights quantised to int8; rules in the trace\'s description)')
    .argument('<model>', 'the ONNX model (.onnx)')
    .requiredOption('-o, --out <file>', 'the trace to write: .pb (binary) or .json')
    .option('--name <name>', 'the trace\'s name (default: the model file\'s name)')
    .action((model: string, flags: { out: string; name?: string }) => {
      checkTraceOutput('--out', flags.out); // before the import's work, not after
      const trace = importOnnx(model, flags.name === undefined ? {} : { name: flags.name });
      writeTrace(trace, flags.out);
      const onChip = trace.layers.filter((l) => isOnChip(l.type)).length;
      process.stdout.write(`wrote ${flags.out} (${trace.name}, ${trace.layers.length} layers, ${onChip} on chip)\n`);
    });
}
