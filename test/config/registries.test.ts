import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hwConfigDir, listHwConfigNames, loadHwConfig, parseHwConfig } from '../../sim/config/hw-config.js';
import { glbModel } from '../../sim/hw/glb/registry.js';
import { nocModel } from '../../sim/hw/noc/registry.js';
import { peModel } from '../../sim/hw/pe/registry.js';
import { psumChainModel } from '../../sim/hw/psum-chain/registry.js';
import { configErrorOf as errorOf } from '../support/configs.js';

const read = (name: string): string => readFileSync(`${hwConfigDir()}/${name}.yaml`, 'utf8');

describe('components chosen by name in the config', () => {
  it('each shipped config names its PE, NoC, psum chain and GLB, and the registries build them', () => {
    const chosen = Object.fromEntries(listHwConfigNames().map((name) => {
      const hw = loadHwConfig(name).config;
      return [name, [peModel(hw).name, nocModel(hw).name, psumChainModel(hw).name, glbModel(hw).name]];
    }));
    expect(chosen['eyeriss-v2']).toEqual(['sparse-csc', 'hierarchical-mesh', 'column', 'banked']);
    expect(chosen['eyeriss-v1.5']).toEqual(['dense-gating', 'hierarchical-mesh', 'column', 'banked']);
    expect(chosen['eyeriss-v1']).toEqual(['dense-gating', 'flat-multicast', 'column', 'shared']);
    expect(chosen['eyeriss-v1-192']).toEqual(['dense-gating', 'flat-multicast', 'column', 'shared']);
  });

  it('configs without glb.type or noc.psum.chain keep working: the GLB type follows sharedIactPsumBanks', () => {
    const v2 = read('eyeriss-v2').replace(/\n\s*type: banked[^\n]*/, '').replace(/\n\s*chain: column[^\n]*/, '');
    expect(parseHwConfig('x.yaml', v2).glb.type).toBe('banked');
    expect(parseHwConfig('x.yaml', v2).noc.psum.chain).toBe('column');
    const v1 = read('eyeriss-v1').replace(/type: shared/, 'sharedIactPsumBanks: true');
    const hw = parseHwConfig('x.yaml', v1);
    expect([hw.glb.type, hw.glb.sharedIactPsumBanks]).toEqual(['shared', true]);
    expect(parseHwConfig('x.yaml', read('eyeriss-v1')).glb.sharedIactPsumBanks).toBe(true);
  });

  it('bad names and impossible combinations are one-line errors naming the field and what is allowed', () => {
    const v2 = read('eyeriss-v2');
    const v1 = read('eyeriss-v1');
    expect(errorOf(v2.replace('type: banked', 'type: stacked'))).toBe('x.yaml: field glb.type: got "stacked", expected one of "banked", "shared"');
    expect(errorOf(v2.replace('chain: column', 'chain: ring'))).toBe('x.yaml: field noc.psum.chain: got "ring", expected one of "column"');
    expect(errorOf(v1.replace('type: shared', 'type: shared\n  sharedIactPsumBanks: false'))).toMatch(/^x\.yaml: field glb\.sharedIactPsumBanks: got .*expected true \(glb\.type shared\), or omitted$/);
    expect(errorOf(v2.replace('type: banked', 'type: shared'))).toMatch(/^x\.yaml: field glb\.type: got "shared", expected banked with noc\.type hierarchical-mesh/);
    expect(errorOf(v1.replace('type: shared', 'type: banked'))).toMatch(/^x\.yaml: field offChip\.blocksProcessing: got true, expected false with glb\.type banked/);
  });
});
