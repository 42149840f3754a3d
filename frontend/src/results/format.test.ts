import { describe, expect, it } from 'vitest';
import { fmtP, fmtPercent, fmtRatio, fmtShare, fmtStat, formatHalfUp, percentDisplay } from './format';

describe('formatHalfUp (as stats.FormatHalfUp)', () => {
  it.each([
    [81.25, 1, '81.3'],
    [1.005, 2, '1.01'],
    [2.5, 0, '3'],
    [-2.5, 0, '-3'],
    [-0.04, 1, '0.0'],
    [0.95, 1, '1.0'],
    [9.95, 1, '10.0'],
    [99.5, 0, '100'],
    [4, 2, '4.00'],
    [0.000125, 4, '0.0001'],
    [1.5e-7, 7, '0.0000002'],
    [1e21, 0, '1000000000000000000000'],
    [0, 1, '0.0'],
  ])('%s to %s places is %s', (x, d, want) => {
    expect(formatHalfUp(x, d)).toBe(want);
  });

  it('gives nothing for non-finite numbers', () => {
    expect(formatHalfUp(NaN, 1)).toBe('');
    expect(formatHalfUp(Infinity, 1)).toBe('');
  });
});

describe('percentDisplay (as stats.PercentDisplay)', () => {
  it('rounds the exact fraction half up', () => {
    expect(percentDisplay(39, 48, 1)).toBe('81.3');
    expect(percentDisplay(1, 8, 1)).toBe('12.5');
    expect(percentDisplay(1, 3, 1)).toBe('33.3');
    expect(percentDisplay(2, 3, 0)).toBe('67');
    expect(percentDisplay(1, 0, 1)).toBe('');
  });
});

describe('localised display', () => {
  it('uses a decimal comma in German and a point in English', () => {
    expect(fmtPercent(81.25, 'de')).toBe('81,3 %');
    expect(fmtPercent(81.25, 'en')).toBe('81.3%');
    expect(fmtRatio(39, 48, 'de')).toBe('81,3 %');
    expect(fmtShare(0.8125, 'de')).toBe('81,3 %');
    expect(fmtStat(3.25, 'de')).toBe('3,25');
    expect(fmtStat(4, 'de')).toBe('4');
    expect(fmtStat(1.005, 'en')).toBe('1.01');
    expect(fmtStat(null, 'de')).toBe('–');
    expect(fmtP(0.03906, 'de')).toBe('0,039');
    expect(fmtP(0.0004, 'en')).toBe('< 0.001');
  });
});
