/**
 * `npm run bench [-- --studies]`: the simulator's speed figures in one process. The core issue's targets first
 * (whole networks; with --studies also the NoC-bandwidth study, a 16384-PE scaling point and memory vs cycles),
 * then the two pieces chosen by benchmark: the event queue and the reference convolution.
 */
import { runEventQueueBench } from './event-queue.bench.js';
import { runReferenceConvBench } from './reference-conv.bench.js';
import { printTargets, runTargetsBench } from './targets.bench.js';

console.log('== targets (eyeriss-v2, batch 1, event engine) ==');
printTargets(await runTargetsBench(process.argv.includes('--studies')));
console.log('\n== reference convolution ==');
runReferenceConvBench(3); // prints its own lines
console.log('\n== event queue candidates ==');
await runEventQueueBench({ maxTime: 0.5 });
