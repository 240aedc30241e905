/**
 * `npm run bench`: the simulator's speed figures in one process. Whole networks first (the targets of the
 * core issue), then the two pieces chosen by benchmark: the event queue and the reference convolution.
 */
import { runEventQueueBench } from './event-queue.bench.js';
import { printNetworkBench, runNetworkBench } from './network.bench.js';
import { runReferenceConvBench } from './reference-conv.bench.js';

console.log('== whole networks (eyeriss-v2, batch 1, event engine) ==');
printNetworkBench(runNetworkBench());
console.log('\n== reference convolution ==');
runReferenceConvBench(3); // prints its own lines
console.log('\n== event queue candidates ==');
await runEventQueueBench({ maxTime: 0.5 });
