import { describe, expect, it } from 'vitest';
import { ruleText } from './ruleText';
import type { Rule } from './api/types';

// Intl puts no-break spaces in "75 %"; compare with plain spaces.
const plain = (s: string) => s.replace(/\s+/g, ' ');

describe('ruleText', () => {
  const agreementAndIqr: Rule = {
    min_n: 10,
    all: [{ agreement: { min_percent: 75 } }, { iqr: { max: 1 } }],
  };

  it('states agreement and IQR as a conjunction in German', () => {
    expect(plain(ruleText(agreementAndIqr, 'de'))).toBe(
      'Konsens, wenn mindestens 75 % der gültigen Antworten im Zustimmungsbereich der Skala liegen ' +
        'und der Interquartilsabstand (IQR) höchstens 1 beträgt. ' +
        'Dafür sind mindestens 10 gültige Antworten nötig.',
    );
  });

  it('states agreement and IQR as a conjunction in English', () => {
    expect(plain(ruleText(agreementAndIqr, 'en'))).toBe(
      "Consensus when at least 75% of valid answers lie in the scale's agreement band " +
        'and the interquartile range (IQR) is at most 1. ' +
        'At least 10 valid answers are required.',
    );
  });

  const anyCombination: Rule = {
    any: [
      { all: [{ agreement: { min_percent: 80 } }, { sd: { max: 0.8 } }] },
      { cv: { max: 0.25 } },
      { min_n: 5, iqr: { max: 1.5 } },
    ],
  };

  it('states an any-combination with a bracketed conjunction in German', () => {
    expect(plain(ruleText(anyCombination, 'de'))).toBe(
      'Konsens, wenn (mindestens 80 % der gültigen Antworten im Zustimmungsbereich der Skala liegen ' +
        'und die Standardabweichung höchstens 0,8 beträgt) ' +
        'oder der Variationskoeffizient höchstens 0,25 beträgt ' +
        'oder der Interquartilsabstand (IQR) höchstens 1,5 beträgt (bei mindestens 5 gültigen Antworten).',
    );
  });

  it('states an any-combination with a bracketed conjunction in English', () => {
    expect(plain(ruleText(anyCombination, 'en'))).toBe(
      "Consensus when (at least 80% of valid answers lie in the scale's agreement band " +
        'and the standard deviation is at most 0.8) ' +
        'or the coefficient of variation is at most 0.25 ' +
        'or the interquartile range (IQR) is at most 1.5 (with at least 5 valid answers).',
    );
  });

  const comet: Rule = {
    comet: { in_band: { min: 7, max: 9 }, out_band: { min: 1, max: 3 }, min_percent: 70, max_opposite_percent: 15 },
  };

  it('states the COMET 70/15 rule in German', () => {
    expect(plain(ruleText(comet, 'de'))).toBe(
      'Konsens, wenn mindestens 70 % der Bewertungen zwischen 7 und 9 liegen und weniger als 15 % zwischen 1 und 3 ' +
        '(COMET; im umgekehrten Fall Konsens für Ablehnung).',
    );
  });

  it('states the COMET 70/15 rule in English', () => {
    expect(plain(ruleText(comet, 'en'))).toBe(
      'Consensus when at least 70% of ratings lie between 7 and 9 and fewer than 15% between 1 and 3 ' +
        '(COMET; the reverse counts as consensus against).',
    );
  });

  it('keeps decimals of percentages and uses the language of a regional code', () => {
    expect(plain(ruleText({ agreement: { min_percent: 66.7 } }, 'en-GB'))).toContain('at least 66.7% of valid');
    expect(plain(ruleText({ agreement: { min_percent: 66.7 } }, 'de-AT'))).toContain('mindestens 66,7 % der');
  });

  it('says so when no rule is set', () => {
    expect(ruleText({}, 'de')).toBe('Keine Konsensregel festgelegt.');
    expect(ruleText(undefined, 'en')).toBe('No consensus rule set.');
  });
});
