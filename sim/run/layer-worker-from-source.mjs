// Worker entry when runs start from TypeScript sources (vitest, tsx): worker threads do not inherit the
// parent's TypeScript loader, so register tsx here, then load the worker. Compiled runs use dist/.../layer-worker.js.
import { register } from 'tsx/esm/api';

register();
await import('./layer-worker.ts');
