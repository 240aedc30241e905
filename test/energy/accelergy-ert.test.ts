import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { importAccelergyErt, parseAccelergyErt } from '../../sim/energy/accelergy-ert.js';
import { computeEnergy } from '../../sim/energy/energy-model.js';
import { COSTED } from '../../sim/energy/energy-table.js';
import { InputError } from '../../sim/errors.js';
import { AccessCounts, LEVELS } from '../../sim/stats/access-counts.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'eyeriss-like.ERT.yaml');

describe('Accelergy ERT import', () => {
  const { table, warnings } = importAccelergyErt(fixture);

  test('maps the Eyeriss-like components to our levels', () => {
    expect(table.name).toBe('eyeriss-like.ERT');
    // DRAM: 512 pJ per 64-bit LPDDR4 access -> 8 pJ per bit, for every data type.
    for (const dt of ['iact', 'weight', 'psum'] as const) {
      expect(table.pj.dram[dt].read).toBe(8);
      expect(table.pj.dram[dt].write).toBe(8);
      expect(table.pj.glb[dt].read).toBe(18.183829); // shared_glb serves all data types
      expect(table.pj.glb[dt].write).toBe(14.137929); // write preferred over update
      expect(table.pj.mac[dt].compute).toBe(0.207692); // mac_random
      expect(table.pj.mac[dt].gate).toBe(0.0094); // mac_gated
      expect(table.pj.mac[dt].skip).toBe(0);
    }
    expect(table.pj.iactDataSpad.iact.read).toBeCloseTo((0.102442 + 0.302442) / 2, 12); // argument variants averaged
    expect(table.pj.iactDataSpad.iact.write).toBe(0.176713);
    expect(table.pj.weightDataSpad.weight.read).toBe(1.976602);
    expect(table.pj.psumSpad.psum.write).toBe(0.2191);
  });

  test('leakage: leak pJ per cycle x instances at 1 ns cycles, in mW; DRAM leakage is off-chip', () => {
    const mW = 0.005652 + 168 * (0.000101 + 0.001592 + 0.000134 + 0.002374);
    expect('mW' in table.leakage && table.leakage.mW).toBeCloseTo(mW, 12);
  });

  test('unknown components, unused actions and unpriced levels are reported, not dropped silently', () => {
    const has = (re: RegExp) => expect(warnings.some((w) => re.test(w)), String(re)).toBe(true);
    has(/unknown component "system\.chip\.PE\[0\.\.167\]\.weights_reg": not imported \(actions read\)/);
    has(/PE\[0\.\.167\]\.mac: action "idle" has no counterpart/);
    has(/ifmap_spad\.read: 2 argument variants averaged/);
    has(/no ERT component prices iactAddrSpad/);
    has(/no ERT component prices psumSpad \(psum\.gate, pJ per entry\)/); // TLX ERTs have no gated SPad action
    has(/no ERT component prices nocHop/);
    has(/clock and control set to 0/);
    has(/DRAM energy divided by 64 bits/);
    expect(warnings.some((w) => /mac.*skip/.test(w))).toBe(false); // skip = 0 is not a gap
    for (const w of warnings) expect(w).not.toContain('\n');
  });

  test('the imported table prices every costed action, so it can cost a run', () => {
    for (const level of LEVELS) {
      for (const dt of COSTED[level].dataTypes) {
        for (const a of COSTED[level].actions) expect(table.pj[level][dt][a], `${level}.${dt}.${a}`).toBeTypeOf('number');
      }
    }
    const counts = new AccessCounts();
    counts.add('mac', 'psum', 'compute', 1000);
    counts.add('dram', 'iact', 'read', 64);
    const activity = { cycles: 1000, numPes: 168, peActiveCycles: 0, clusterActiveCycles: 0, numClusters: 1, activePes: 0, activeClusters: 0 };
    const b = computeEnergy(counts.toReport(), activity, table, 1000);
    expect(b.byTerm['mac.psum.compute']).toBeCloseTo(1000 * 0.207692e-12, 16);
    expect(b.byTerm['dram.iact.read']).toBeCloseTo(512e-12, 16);
  });

  test('options: name and DRAM access width', () => {
    const r = importAccelergyErt(fixture, { name: 'tlx', dramBitsPerAccess: 128 });
    expect(r.table.name).toBe('tlx');
    expect(r.table.pj.dram.psum.read).toBe(4);
  });

  test('Sparseloop-style metadata and gated actions price the address SPads and gated slots; two components for one slot are averaged', () => {
    const text = `ERT:
  version: '0.4'
  tables:
    - name: system.PE[0..191].iact_spad
      actions:
        - {name: read, arguments: {}, energy: 0.130}
        - {name: metadata_read, arguments: {}, energy: 0.149}
        - {name: gated_read, arguments: {}, energy: 0.004}
        - {name: gated_metadata_read, arguments: {}, energy: 0.005}
    - name: system.psum_read_NoC
      actions:
        - {name: transfer_random, arguments: {n_destinations: 1}, energy: 1.0}
    - name: system.psum_write_NoC
      actions:
        - {name: transfer_random, arguments: {n_destinations: 1}, energy: 3.0}
`;
    const r = parseAccelergyErt('s.yaml', text);
    expect(r.table.pj.iactDataSpad.iact.read).toBe(0.13);
    expect(r.table.pj.iactAddrSpad.iact.read).toBe(0.149);
    expect(r.table.pj.iactDataSpad.iact.gate).toBe(0.004);
    expect(r.table.pj.iactAddrSpad.iact.gate).toBe(0.005);
    expect(r.table.pj.nocDelivery.psum.transfer).toBe(2);
    expect(r.warnings.some((w) => /nocDelivery\.psum\.transfer: priced by .*psum_read_NoC.* and .*psum_write_NoC.*; averaged/.test(w))).toBe(true);
    expect(r.warnings).toContain('no leak actions in the ERT; leakage set to 0');
  });

  test('a malformed ERT is a one-line InputError naming the file and field', () => {
    const bad = `ERT:\n  tables:\n    - name: system.mac\n      actions:\n        - {name: mac_random, energy: -1}\n`;
    expect(() => parseAccelergyErt('bad.ERT.yaml', bad)).toThrow(InputError);
    expect(() => parseAccelergyErt('bad.ERT.yaml', bad)).toThrow(
      'bad.ERT.yaml: field ERT.tables.0.actions.0.energy: got -1, expected >= 0',
    );
    expect(() => parseAccelergyErt('bad.ERT.yaml', 'tables: []\n')).toThrow(/bad\.ERT\.yaml: field ERT: got nothing \(missing\)/);
  });
});
