import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hwConfigDir, listHwConfigNames, loadHwConfig } from '../../sim/config/hw-config.js';
import { configErrorOf as errorOf } from '../support/configs.js';

const text = readFileSync(`${hwConfigDir()}/eyeriss-v2.yaml`, 'utf8');

describe('hardware configs', () => {
  it('the shipped v2 config is the chip as published', () => {
    expect(listHwConfigNames()).toContain('eyeriss-v2');
    const c = loadHwConfig('eyeriss-v2').config;
    expect(c.array.clusterRows * c.array.clusterCols * c.array.peRowsPerCluster * c.array.peColsPerCluster).toBe(192);
    expect([c.noc.iact.portBits, c.noc.weight.portBits, c.noc.psum.portBits]).toEqual([24, 24, 40]);
    expect(c.glb.iactBanksPerCluster * c.glb.iactBankBytes + c.glb.psumBanksPerCluster * c.glb.psumBankBytes).toBe(12 * 1024);
    expect([c.pe.iactAddrSpadEntries, c.pe.iactDataSpadEntries, c.pe.weightAddrSpadEntries, c.pe.weightDataSpadWords, c.pe.psumSpadEntries]).toEqual([9, 16, 16, 96, 32]);
    expect(c.offChip.bandwidthGBps).toBeNull();
  });

  it('every parameter line says where its value comes from', () => {
    const lines = text.split('\n').filter((l) => /^\s+\w+: [^#]*\S/.test(l) && !/^\s*(iact|weight|psum):\s*$/.test(l));
    for (const line of lines) expect(line, line).toMatch(/#\s*\S/);
  });

  it('errors are one line naming the file, the field, the value and what was expected', () => {
    expect(errorOf(text.replace('simdWidth: 2', 'simdWidth: 0'))).toBe('x.yaml: field pe.simdWidth: got 0, expected >= 1');
    expect(errorOf(text.replace(/\nclockMHz:[^\n]*/, ''))).toBe('x.yaml: field clockMHz: got nothing (missing), expected a number');
    expect(errorOf(text.replace('type: sparse-csc', 'type: magic'))).toMatch(/^x\.yaml: field pe\.type: got "magic", expected one of "sparse-csc", "dense-gating"$/);
    expect(errorOf(`${text}\nwarpDrive: 9\n`)).toBe('x.yaml: field warpDrive: unknown field, expected one of the documented fields');
    expect(errorOf(text.replace('peRowsPerCluster: 3', 'peRowsPerCluster: 2'))).toMatch(/field noc\.weight\.routersPerCluster: got 3, expected 2 \(one weight router per PE row/);
    expect(errorOf('pe: [')).toMatch(/^x\.yaml: not valid YAML at line 1/);
    for (const message of [errorOf('pe: ['), errorOf(text.replace('simdWidth: 2', 'simdWidth: x'))]) expect(message).not.toContain('\n');
  });

  it('unknown names list the available configs', () => {
    expect(() => loadHwConfig('eyeriss-v3')).toThrow(/expected one of .*eyeriss-v2/);
  });
});
