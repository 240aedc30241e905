import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { InputError } from '../../sim/errors.js';
import { COSTED, energyTableDir, listEnergyTableNames, loadEnergyTable, parseEnergyTable } from '../../sim/energy/energy-table.js';
import { DATA_TYPES, LEVELS } from '../../sim/stats/access-counts.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'eyeriss-energy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const shippedText = readFileSync(path.join(energyTableDir(), 'eyeriss-65nm.yaml'), 'utf8');

/** The shipped table as a plain object, to edit. */
function shipped(): Record<string, any> {
  return parse(shippedText) as Record<string, any>;
}

function errorOf(doc: unknown): string {
  try {
    parseEnergyTable('bad.yaml', stringify(doc));
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected an InputError');
}

describe('shipped tables', () => {
  test('eyeriss-65nm loads by name and prices every costed action', () => {
    expect(listEnergyTableNames()).toContain('eyeriss-65nm');
    const t = loadEnergyTable('eyeriss-65nm');
    expect(t.name).toBe('eyeriss-65nm');
    expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const level of LEVELS) {
      for (const dt of COSTED[level].dataTypes) {
        for (const action of COSTED[level].actions) {
          const v = t.pj[level][dt][action];
          expect(v, `${level}.${dt}.${action}`).toBeTypeOf('number');
          expect(v).toBeGreaterThanOrEqual(0);
        }
      }
      // Data types a level does not hold are not priced, so a stray count is refused later.
      for (const dt of DATA_TYPES.filter((d) => !COSTED[level].dataTypes.includes(d))) expect(t.pj[level][dt]).toEqual({});
    }
  });

  test('scalePj multiplies the on-chip per-action entries: a MAC costs scalePj; DRAM stays 8 pJ per bit', () => {
    const t = loadEnergyTable('eyeriss-65nm');
    const file = parse(readFileSync(t.file, 'utf8')) as { scalePj: number; clock: { chip: number }; mac: { compute: number } };
    expect(t.pj.mac.psum.compute).toBeCloseTo(file.mac.compute * file.scalePj, 12);
    expect(t.pj.dram.iact.read).toBe(8); // the cited LPDDR4 figure, whatever the on-chip fit
    const doubled = parseEnergyTable('t.yaml', readFileSync(t.file, 'utf8').replace(/^scalePj: \S+/m, `scalePj: ${2 * file.scalePj}`));
    expect(doubled.pj.dram.iact.read).toBe(8);
    expect(doubled.pj.mac.psum.compute).toBeCloseTo(2 * file.mac.compute * file.scalePj, 12);
    expect(t.clock.chip).toBe(file.clock.chip); // per-cycle terms are not scaled
  });

  test('the hierarchy is in order: DRAM bit > GLB > NoC > SPad, address SPads cheaper than data SPads, gated MAC cheaper', () => {
    const { pj } = loadEnergyTable('eyeriss-65nm');
    expect(pj.dram.iact.read! * 24).toBeGreaterThan(pj.glb.iact.read!);
    expect(pj.glb.iact.read!).toBeGreaterThan(pj.nocSource.iact.transfer! + pj.nocHop.iact.transfer! + pj.nocDelivery.iact.transfer!);
    expect(pj.iactAddrSpad.iact.read!).toBeLessThan(pj.iactDataSpad.iact.read!);
    expect(pj.weightAddrSpad.weight.read!).toBeLessThan(pj.weightDataSpad.weight.read!);
    expect(pj.mac.iact.gate!).toBeLessThan(pj.mac.iact.compute! / 10);
    expect(pj.psumSpad.psum.gate!).toBeLessThan(pj.psumSpad.psum.read! / 10);
  });

  test('a path is read as a file; an unknown name lists the shipped ones', () => {
    const file = path.join(tmp, 'mine.yaml');
    writeFileSync(file, shippedText.replace('name: eyeriss-65nm', 'name: mine'));
    expect(loadEnergyTable(file).name).toBe('mine');
    expect(() => loadEnergyTable('no-such-table')).toThrow(/unknown name "no-such-table", expected one of .*eyeriss-65nm/);
    expect(() => loadEnergyTable(path.join(tmp, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read file/);
  });
});

describe('level defaults and overrides', () => {
  test('a level default applies to every data type unless the data type overrides it', () => {
    const doc = shipped();
    doc.glb = { read: 10, write: 11, psum: { read: 20 } };
    const t = parseEnergyTable('t.yaml', stringify(doc));
    const scale = doc.scalePj as number;
    expect(t.pj.glb.iact.read).toBeCloseTo(10 * scale, 12);
    expect(t.pj.glb.weight.read).toBeCloseTo(10 * scale, 12);
    expect(t.pj.glb.psum.read).toBeCloseTo(20 * scale, 12);
    expect(t.pj.glb.psum.write).toBeCloseTo(11 * scale, 12); // psum.write falls back to the level default
  });

  test('without scalePj the numbers are pJ', () => {
    const doc = shipped();
    delete doc.scalePj;
    expect(parseEnergyTable('t.yaml', stringify(doc)).pj.mac.iact.compute).toBe((doc.mac as { compute: number }).compute);
  });

  test('leakage in mW or pJ per cycle', () => {
    const doc = shipped();
    doc.leakage = { pJPerCycle: 12 };
    expect(parseEnergyTable('t.yaml', stringify(doc)).leakage).toEqual({ pJPerCycle: 12 });
  });
});

describe('errors are one line naming the file and the field', () => {
  test('missing level', () => {
    const doc = shipped();
    delete doc.psumSpad;
    expect(errorOf(doc)).toBe('bad.yaml: field psumSpad: got nothing (missing), expected pJ per entry for read, write, gate');
  });

  test('missing action with no level default', () => {
    const doc = shipped();
    doc.glb = { read: 1, psum: { read: 2, write: 3 } };
    expect(errorOf(doc)).toBe(
      'bad.yaml: field glb.iact.write: got nothing (missing), expected a number >= 0 (pJ per port access), or the level default glb.write',
    );
    const doc2 = shipped();
    delete doc2.weightDataSpad.write;
    expect(errorOf(doc2)).toBe('bad.yaml: field weightDataSpad.write: got nothing (missing), expected a number >= 0 (pJ per word)');
  });

  test('missing per-cycle field', () => {
    const doc = shipped();
    delete doc.clock.idlePe;
    expect(errorOf(doc)).toBe('bad.yaml: field clock.idlePe: got nothing (missing), expected a number');
  });

  test('negative energy', () => {
    const doc = shipped();
    doc.glb.psum.read = -1;
    expect(errorOf(doc)).toBe('bad.yaml: field glb.psum.read: got -1, expected >= 0');
    const doc2 = shipped();
    doc2.leakage = { mW: -5 };
    expect(errorOf(doc2)).toBe('bad.yaml: field leakage.mW: got -5, expected >= 0');
  });

  test('unknown level, unknown action, data type a level does not hold', () => {
    const doc = shipped();
    doc.l2cache = { read: 1 };
    expect(errorOf(doc)).toBe('bad.yaml: field l2cache: unknown field, expected one of the documented fields');
    const doc2 = shipped();
    doc2.glb.transfer = 1;
    expect(errorOf(doc2)).toBe('bad.yaml: field glb.transfer: unknown field, expected one of the documented fields');
    const doc3 = shipped();
    doc3.psumSpad.iact = { read: 1 };
    expect(errorOf(doc3)).toBe('bad.yaml: field psumSpad.iact: unknown field, expected one of the documented fields');
  });

  test('wrong version, non-number energy, both leakage forms', () => {
    const doc = shipped();
    doc.version = 2;
    expect(errorOf(doc)).toBe('bad.yaml: field version: got 2, expected one of 1');
    const doc2 = shipped();
    doc2.mac.gate = 'cheap';
    expect(errorOf(doc2)).toBe('bad.yaml: field mac.gate: got "cheap", expected a number');
    const doc3 = shipped();
    doc3.leakage = { mW: 1, pJPerCycle: 2 };
    expect(errorOf(doc3)).toBe('bad.yaml: field leakage: got {"mW":1,"pJPerCycle":2}, expected exactly one of leakage.pJPerCycle or leakage.mW');
  });
});
