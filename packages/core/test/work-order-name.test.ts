import {
  archeryWorkOrderName,
  archeryWorkOrderNameMax,
  workOrderNameSearchText,
  workOrderPositionOf,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';

/** 60 characters, Chinese and ASCII mixed, as release summaries are. */
const sixty = `【A18】【升级】20261203_${'订单导出与门店区域筛选'.repeat(4)}`.slice(0, 60);

describe('Archery work order names', () => {
  it('are <summary> #<seq>/<total> when they fit', () => {
    expect(archeryWorkOrderName('【A18】【升级】20261203_01', { seq: 2, total: 5 })).toBe(
      '【A18】【升级】20261203_01 #2/5',
    );
  });

  it('cut a 60-character summary, never the suffix, to the 50 characters Archery accepts', () => {
    expect(Array.from(sixty)).toHaveLength(60);
    for (const [seq, total] of [
      [1, 3],
      [3, 3],
      [10, 12],
    ] as const) {
      const name = archeryWorkOrderName(sixty, { seq, total });
      const suffix = ` #${seq}/${total}`;
      expect(Array.from(name)).toHaveLength(archeryWorkOrderNameMax);
      expect(name.endsWith(suffix)).toBe(true);
      expect(sixty.startsWith(name.slice(0, -suffix.length))).toBe(true);
    }
  });

  it('never split a character and never end the summary in a space before the suffix', () => {
    const spaced = `${'x'.repeat(44)} ${'y'.repeat(20)}`;
    expect(archeryWorkOrderName(spaced, { seq: 1, total: 2 })).toBe(`${'x'.repeat(44)} #1/2`);
    const emoji = '🚀'.repeat(60);
    expect(Array.from(archeryWorkOrderName(emoji, { seq: 1, total: 1 }))).toHaveLength(50);
  });

  it("recognise the release's orders whatever their numbering, and the bare-summary names of before", () => {
    const renumbered = archeryWorkOrderName(sixty, { seq: 3, total: 4 });
    expect(workOrderPositionOf(renumbered, sixty)).toEqual({ seq: 3, total: 4 });
    expect(workOrderPositionOf(archeryWorkOrderName(sixty), sixty)).toBe('unnumbered');
    // Another release whose summary starts the same way is not this one.
    const other = `${sixty.slice(0, 30)}_other`;
    expect(workOrderPositionOf(archeryWorkOrderName(other, { seq: 1, total: 2 }), sixty)).toBeNull();
    expect(workOrderPositionOf('【A18】【升级】20261203_01 #1/2', '【A18】【升级】20261203_0')).toBeNull();
  });

  it('search with a text every numbering of the name contains', () => {
    const text = workOrderNameSearchText(sixty);
    for (const position of [
      { seq: 1, total: 2 },
      { seq: 99, total: 120 },
    ]) {
      expect(archeryWorkOrderName(sixty, position)).toContain(text);
    }
    expect(archeryWorkOrderName(sixty)).toContain(text);
  });
});
