import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AffectedPackage } from '../core/index.js';
import { comparatorFor } from '../vulndb/index.js';
import { isExplicitlyUnaffected } from './requirements.js';

const stmt = (unaffected: string[][]): AffectedPackage => ({ ecosystem: 'gem', name: 'x', status: 'affected', ranges: [], unaffected });

test('RubyGems requirement sets: ~> is >= r and release < bump(r), sets are ORed, constraints ANDed', () => {
  const gem = comparatorFor('gem');
  // Patched: "~> 1.2.3" (i.e. >= 1.2.3, < 1.3) or ">= 1.4"; RubyGems semantics worked out by hand.
  const a = stmt([['~> 1.2.3'], ['>= 1.4']]);
  const cases: [string, boolean][] = [
    ['1.2.2', false],
    ['1.2.3', true],
    ['1.2.9', true],
    ['1.3.0', false],
    ['1.3.0.rc1', false],
    ['1.4', true],
    ['2.0', true],
  ];
  for (const [v, want] of cases) assert.equal(isExplicitlyUnaffected(v, a, gem), want, v);
  // "~> 1.2" means >= 1.2, < 2; an AND set "> 1.0", "<= 1.1".
  const b = stmt([['~> 1.2'], ['> 1.0', '<= 1.1']]);
  for (const [v, want] of [['1.9.9', true], ['2.0', false], ['1.0', false], ['1.0.5', true], ['1.1', true], ['1.1.1', false]] as [string, boolean][]) {
    assert.equal(isExplicitlyUnaffected(v, b, gem), want, v);
  }
});

test('no requirement sets or an unparsable constraint never make a version unaffected', () => {
  const composer = comparatorFor('composer');
  assert.equal(isExplicitlyUnaffected('1.0.0', { ...stmt([]), ecosystem: 'composer' }, composer), false);
  assert.equal(isExplicitlyUnaffected('1.0.0', { ...stmt([['?? 1.0.0']]), ecosystem: 'composer' }, composer), false);
  assert.equal(isExplicitlyUnaffected('1.0.0', { ...stmt([['= 1.0.0']]), ecosystem: 'composer' }, composer), true);
  assert.equal(isExplicitlyUnaffected('1.0.1', { ...stmt([['!= 1.0.0', '< 2.0']]), ecosystem: 'composer' }, composer), true);
});
