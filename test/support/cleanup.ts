import { afterAll } from 'vitest';
import { removeTempDirs } from './cli.js';

// Setup file (vitest.config.ts): every test file's scratch folders go when the file ends, pass or fail.
afterAll(removeTempDirs);
