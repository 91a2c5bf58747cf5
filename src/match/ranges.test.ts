/**
 * OSV `affected` evaluation (https://ossf.github.io/osv-schema/#evaluation): hand-made statements with both sides of
 * every boundary (expectations derived by hand from the spec's pseudo-code), then real records from
 * ../shared/data/vulndb (golang/vulndb OSV, GitHub advisories) evaluated at versions picked from their content.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { AffectedPackage, AffectedStatus, Ecosystem, RangeEvent, VersionRange } from '../core/index.js';
import { shared } from '../../test/support/paths.js';
import { comparatorFor } from '../vulndb/index.js';
import { isAffected } from './ranges.js';

function pkg(ecosystem: Ecosystem, ranges: VersionRange[], extra: { versions?: string[]; status?: AffectedStatus } = {}): AffectedPackage {
  return { ecosystem, name: 'example', status: extra.status ?? 'affected', ranges, ...(extra.versions ? { versions: extra.versions } : {}) };
}
const eco = (...events: RangeEvent[]): VersionRange => ({ type: 'ECOSYSTEM', events });
const semverRange = (...events: RangeEvent[]): VersionRange => ({ type: 'SEMVER', events });

/** Checks `affected` at each version: true/false, or [true, fixed versions]. */
function check(a: AffectedPackage, expectations: Record<string, boolean | [true, string[]]>): void {
  const cmp = comparatorFor(a.ecosystem);
  for (const [version, want] of Object.entries(expectations)) {
    const r = isAffected(version, a, cmp);
    const wantAffected = Array.isArray(want) ? true : want;
    assert.equal(r.affected, wantAffected, `${a.ecosystem} ${version} against ${r.constraint}`);
    if (Array.isArray(want)) assert.deepEqual(r.fixed ?? [], want[1], `fixed versions for ${version}`);
    if (!wantAffected) assert.equal(r.fixed, undefined, `no fix reported for unaffected ${version}`);
  }
}

describe('OSV evaluation: boundaries', () => {
  test('introduced / fixed: the introduced version is vulnerable, the fixed one is not', () => {
    const a = pkg('npm', [eco({ introduced: '1.0.0' }, { fixed: '1.2.3' })]);
    check(a, { '0.9.9': false, '1.0.0-rc.1': false, '1.0.0': [true, ['1.2.3']], '1.2.2': [true, ['1.2.3']], '1.2.3-rc.1': [true, ['1.2.3']], '1.2.3': false, '1.2.4': false, '2.0.0': false });
    assert.equal(isAffected('1.1.0', a, comparatorFor('npm')).constraint, '>= 1.0.0, < 1.2.3');
  });

  test('introduced "0" sorts before every version', () => {
    const a = pkg('pypi', [eco({ introduced: '0' }, { fixed: '2.0' })]);
    check(a, { '0.0.0.dev0': [true, ['2.0']], '0': [true, ['2.0']], '1!0.1': false, '1.9.9': [true, ['2.0']], '2.0rc1': [true, ['2.0']], '2.0': false, '2.0.0': false, '2.0.post1': false });
    assert.equal(isAffected('1.0', a, comparatorFor('pypi')).constraint, '< 2.0');
  });

  test('last_affected is inclusive', () => {
    const a = pkg('npm', [eco({ introduced: '0' }, { last_affected: '4.5.1' })]);
    check(a, { '0.0.1': [true, []], '4.5.1': [true, []], '4.5.2-0': false, '4.5.2': false });
    assert.equal(isAffected('1.0.0', a, comparatorFor('npm')).constraint, '<= 4.5.1');
  });

  test('limit: versions at or above every limit are outside the range; "*" is infinity', () => {
    const limited = pkg('npm', [eco({ introduced: '1.0.0' }, { limit: '2.0.0' })]);
    check(limited, { '0.9.0': false, '1.0.0': [true, []], '1.9.9': [true, []], '2.0.0': false, '2.1.0': false });
    const two = pkg('npm', [eco({ introduced: '1.0.0' }, { limit: '1.5.0' }, { limit: '3.0.0' })]);
    check(two, { '1.6.0': [true, []], '2.9.9': [true, []], '3.0.0': false });
    const star = pkg('npm', [eco({ introduced: '1.0.0' }, { limit: '*' })]);
    check(star, { '0.1.0': false, '1.0.0': [true, []], '99.0.0': [true, []] });
  });

  test('introduced after fixed re-opens the range (one range, several intervals)', () => {
    const a = pkg('maven', [eco({ introduced: '0' }, { fixed: '1.0' }, { introduced: '2.0' }, { fixed: '2.5' })]);
    check(a, { '0.9': [true, ['1.0', '2.5']], '1.0': false, '1.9': false, '2.0-SNAPSHOT': false, '2.0': [true, ['2.5']], '2.4.9': [true, ['2.5']], '2.5-rc1': [true, ['2.5']], '2.5': false, '3.0': false });
    assert.equal(isAffected('2.1', a, comparatorFor('maven')).constraint, '< 1.0 || >= 2.0, < 2.5');
  });

  test('events are sorted before the walk, whatever their order in the record', () => {
    const a = pkg('npm', [eco({ fixed: '1.2.0' }, { introduced: '2.0.0' }, { fixed: '2.1.0' }, { introduced: '1.0.0' })]);
    check(a, { '0.5.0': false, '1.0.0': [true, ['1.2.0', '2.1.0']], '1.2.0': false, '2.0.0': [true, ['2.1.0']], '2.1.0': false });
  });

  test('equal versions keep the record order: introduced X, fixed X is empty; fixed X, introduced X re-opens', () => {
    check(pkg('npm', [eco({ introduced: '1.0.0' }, { fixed: '1.0.0' })]), { '0.1.0': false, '1.0.0': false, '1.1.0': false });
    check(pkg('npm', [eco({ introduced: '0' }, { fixed: '1.0.0' }, { introduced: '1.0.0' }, { fixed: '2.0.0' })]), { '0.5.0': [true, ['1.0.0', '2.0.0']], '1.0.0': [true, ['2.0.0']], '2.0.0': false });
  });

  test('several ranges are OR-ed', () => {
    const a = pkg('gem', [eco({ introduced: '0' }, { fixed: '1.13.4' }), eco({ introduced: '1.14.0' }, { fixed: '1.14.3' })]);
    check(a, { '1.13.3': [true, ['1.13.4']], '1.13.4.rc1': [true, ['1.13.4']], '1.13.4': false, '1.13.10': false, '1.14.0': [true, ['1.14.3']], '1.14.3': false });
    assert.equal(isAffected('1.0', a, comparatorFor('gem')).constraint, '< 1.13.4 || >= 1.14.0, < 1.14.3');
  });

  test('the versions list: membership by string or by the ecosystem\u2019s equality', () => {
    const listOnly = pkg('pypi', [], { versions: ['1.0', '1.1rc1'] });
    check(listOnly, { '1.0': [true, []], '1.0.0': [true, []], '1.1c1': [true, []], '1.1': false, '0.9': false, 'not a version': false });
    assert.equal(isAffected('1.0', listOnly, comparatorFor('pypi')).constraint, '= one of 1.0, 1.1rc1');
    // Listed versions add to the ranges.
    const both = pkg('npm', [eco({ introduced: '2.0.0' }, { fixed: '2.1.0' })], { versions: ['1.5.0'] });
    check(both, { '1.5.0': [true, ['2.1.0']], '1.5.1': false, '2.0.5': [true, ['2.1.0']] });
    // A literally listed string matches even if the scheme cannot parse it.
    check(pkg('npm', [], { versions: ['weird-tag'] }), { 'weird-tag': [true, []], 'other-tag': false });
  });

  test('SEMVER ranges compare with SemVer 2.0 whatever the ecosystem (Go: without the v)', () => {
    // NuGet alone would take 1.0.0.1 as a version; SemVer 2.0 does not: reported, not matched.
    const nuget = pkg('nuget', [semverRange({ introduced: '0' }, { fixed: '1.0.1' })]);
    check(nuget, { '1.0.0': [true, ['1.0.1']], '1.0.1': false, '1.0.0-beta': [true, ['1.0.1']] });
    const r = isAffected('1.0.0.1', nuget, comparatorFor('nuget'));
    assert.equal(r.affected, false);
    assert.match(r.invalidVersion ?? '', /not a valid SemVer 2\.0 version/);
    // Build metadata does not count for precedence.
    check(pkg('npm', [semverRange({ introduced: '0' }, { fixed: '2.0.0+build.5' })]), { '2.0.0': false, '1.9.9+x': [true, ['2.0.0+build.5']] });
    check(pkg('golang', [semverRange({ introduced: '0' }, { fixed: '1.2.3' })]), { 'v1.2.2': [true, ['1.2.3']], 'v1.2.3': false, '1.2.2': [true, ['1.2.3']], 'v1.2.3+incompatible': false });
  });

  test('Go ECOSYSTEM ranges written without the v (as GitHub advisories do) still compare', () => {
    check(pkg('golang', [eco({ introduced: '0' }, { fixed: '0.17.0' })]), { 'v0.16.0': [true, ['0.17.0']], 'v0.17.0': false, 'v0.0.0-20231128000000-abcdefabcdef': [true, ['0.17.0']] });
    check(pkg('golang', [], { versions: ['1.4.0'] }), { 'v1.4.0': [true, []], 'v1.4.1': false });
  });

  test('GIT ranges are not evaluated on versions; the versions list beside them is', () => {
    const git: VersionRange = { type: 'GIT', events: [{ introduced: '0' }, { fixed: 'a3f1c0ffee0ddba11deadbeefcafebabe0000001' }] };
    const gitOnly = pkg('npm', [git]);
    const r = isAffected('1.0.0', gitOnly, comparatorFor('npm'));
    assert.equal(r.affected, false);
    assert.match(r.constraint, /^GIT start\.\.a3f1c0ffee0d$/);
    check(pkg('npm', [git], { versions: ['1.0.0', '1.0.1'] }), { '1.0.0': [true, []], '1.0.1': [true, []], '1.0.2': false });
  });

  test('an unparsable installed version is not matched but reported', () => {
    const a = pkg('npm', [eco({ introduced: '0' }, { fixed: '9.9.9' })]);
    for (const v of ['not-a-version', '', '1.2', '*']) {
      const r = isAffected(v, a, comparatorFor('npm'));
      assert.equal(r.affected, false, v);
      assert.match(r.invalidVersion ?? '', /is not a valid npm version/, v);
    }
    const py = isAffected('1.0-foo-bar', pkg('pypi', [eco({ introduced: '0' }, { fixed: '2.0' })]), comparatorFor('pypi'));
    assert.deepEqual([py.affected, typeof py.invalidVersion], [false, 'string']);
    // A valid version gets no such report.
    assert.equal(isAffected('10.0.0', a, comparatorFor('npm')).invalidVersion, undefined);
  });

  test('distribution statuses', () => {
    const fixedDeb = pkg('deb', [eco({ introduced: '0' }, { fixed: '1.2.3-1+deb12u1' })], { status: 'fixed' });
    check(fixedDeb, { '1.2.3-1': [true, ['1.2.3-1+deb12u1']], '1.2.2-5': [true, ['1.2.3-1+deb12u1']], '1.2.3-1+deb12u1': false, '1.2.3-2': false, '1:0.1-1': false });
    const cmp = comparatorFor('deb');
    for (const status of ['unfixed', 'will-not-fix', 'end-of-life'] as const) {
      const r = isAffected('1.0-1', pkg('deb', [], { status }), cmp);
      assert.deepEqual(r, { affected: true, constraint: 'all versions' }, status);
      check(pkg('deb', [eco({ introduced: '0' })], { status }), { '0.1': [true, []], '99:9': [true, []] });
    }
    assert.deepEqual(isAffected('1.0-1', pkg('deb', [eco({ introduced: '0' })], { status: 'not-affected' }), cmp), { affected: false, constraint: 'not affected' });
    // rpm and apk distro statements, as Red Hat / Alpine feeds give them.
    check(pkg('rpm', [eco({ introduced: '0' }, { fixed: '1:3.0.7-25.el9_3' })], { status: 'fixed' }), { '1:3.0.7-24.el9': [true, ['1:3.0.7-25.el9_3']], '1:3.0.7-25.el9_3': false, '3.0.7-27.el9': [true, ['1:3.0.7-25.el9_3']] });
    check(pkg('apk', [eco({ introduced: '0' }, { fixed: '3.1.4-r6' })], { status: 'fixed' }), { '3.1.4-r5': [true, ['3.1.4-r6']], '3.1.4-r6': false, '3.1.5-r0': false });
  });
});

// Real records --------------------------------------------------------------------------------------------------

const OSV_ECOSYSTEMS: Record<string, Ecosystem> = { npm: 'npm', PyPI: 'pypi', Go: 'golang', Maven: 'maven', 'crates.io': 'cargo', RubyGems: 'gem', NuGet: 'nuget', Packagist: 'composer' };

interface OsvAffected {
  package: { ecosystem: string; name: string };
  ranges?: VersionRange[];
  versions?: string[];
}

/** The `affected` entries of an OSV file for one package, as AffectedPackage (a minimal adapter for the test). */
function osvAffected(file: string, name: string): AffectedPackage[] {
  const record = JSON.parse(readFileSync(file, 'utf8')) as { affected: OsvAffected[] };
  const out = record.affected
    .filter((a) => a.package.name === name)
    .map((a): AffectedPackage => ({ ecosystem: OSV_ECOSYSTEMS[a.package.ecosystem]!, name, status: 'affected', ranges: a.ranges ?? [], ...(a.versions ? { versions: a.versions } : {}) }));
  assert.ok(out.length > 0, `${file} has no affected entry for ${name}`);
  return out;
}

/** Evaluates every entry of the package (a package may have several) and ORs them, as a matcher does. */
function checkRecord(entries: AffectedPackage[], expectations: Record<string, boolean | string[]>): void {
  const cmp = comparatorFor(entries[0]!.ecosystem);
  for (const [version, want] of Object.entries(expectations)) {
    const results = entries.map((a) => isAffected(version, a, cmp));
    const affected = results.some((r) => r.affected);
    assert.equal(affected, want !== false, `${entries[0]!.name} ${version} against ${results.map((r) => r.constraint).join(' ; ')}`);
    if (Array.isArray(want)) assert.deepEqual(results.flatMap((r) => r.fixed ?? []), want, `fixed versions for ${version}`);
  }
}

const goOsv = (id: string): string => shared('vulndb', 'osv', 'golang-vulndb', 'data', 'osv', `${id}.json`);
const ghsa = (path: string): string => shared('vulndb', 'ghsa', 'advisories', 'github-reviewed', path);

describe('OSV evaluation: real records', () => {
  test('GO-2025-4097 (runc): SEMVER, three introduced/fixed pairs', () => {
    checkRecord(osvAffected(goOsv('GO-2025-4097'), 'github.com/opencontainers/runc'), {
      'v1.0.0-rc2': false,
      'v1.0.0-rc3': ['1.2.8', '1.3.3', '1.4.0-rc.3'],
      'v1.2.7': ['1.2.8', '1.3.3', '1.4.0-rc.3'],
      'v1.2.8': false,
      'v1.2.9': false,
      'v1.3.0-rc.1': ['1.3.3', '1.4.0-rc.3'],
      'v1.3.2': ['1.3.3', '1.4.0-rc.3'],
      'v1.3.3': false,
      'v1.4.0-rc.2': ['1.4.0-rc.3'],
      'v1.4.0-rc.3': false,
      'v1.4.0': false,
    });
  });

  test('GO-2021-0072 (docker/distribution): a +incompatible fix', () => {
    checkRecord(osvAffected(goOsv('GO-2021-0072'), 'github.com/docker/distribution'), {
      'v2.6.2+incompatible': ['2.7.0-rc.0+incompatible'],
      'v2.7.0-beta.1+incompatible': ['2.7.0-rc.0+incompatible'],
      'v2.7.0-rc.0+incompatible': false,
      'v2.7.1+incompatible': false,
    });
  });

  test('GO-2020-0006 (miekg/dns): a pseudo-version fix', () => {
    checkRecord(osvAffected(goOsv('GO-2020-0006'), 'github.com/miekg/dns'), {
      'v1.0.3': ['1.0.4-0.20180125103619-43913f2f4fbd'],
      'v1.0.4-0.20180101000000-aaaaaaaaaaaa': ['1.0.4-0.20180125103619-43913f2f4fbd'],
      'v1.0.4-0.20180125103619-43913f2f4fbd': false,
      'v1.0.4': false,
    });
  });

  test('GO-2023-2402 and GHSA-45x7-px36-x8w8 (Terrapin): the same fix in SEMVER and in ECOSYSTEM form', () => {
    const expectations = { 'v0.16.0': ['0.17.0'], 'v0.17.0': false, 'v0.18.0': false };
    checkRecord(osvAffected(goOsv('GO-2023-2402'), 'golang.org/x/crypto'), expectations);
    const terrapin = ghsa('2023/12/GHSA-45x7-px36-x8w8/GHSA-45x7-px36-x8w8.json');
    checkRecord(osvAffected(terrapin, 'golang.org/x/crypto'), expectations);
    checkRecord(osvAffected(terrapin, 'paramiko'), { '3.3.1': ['3.4.0'], '3.4.0': false, '3.4.0rc1': ['3.4.0'] });
    checkRecord(osvAffected(terrapin, 'russh'), { '0.40.1': ['0.40.2'], '0.40.2': false, '0.40.2-beta.1': ['0.40.2'] });
  });

  test('GHSA-c2qf-rxjj-qqgw (semver ReDoS): three affected entries for one npm package', () => {
    checkRecord(osvAffected(ghsa('2023/06/GHSA-c2qf-rxjj-qqgw/GHSA-c2qf-rxjj-qqgw.json'), 'semver'), {
      '7.5.1': ['7.5.2'],
      '7.5.2': false,
      '7.0.0': ['7.5.2'],
      '7.0.0-rc.1': false, // a pre-release of 7.0.0 sorts before 7.0.0 and after 5.7.2
      '6.3.0': ['6.3.1'],
      '6.3.1': false,
      '5.7.1': ['5.7.2'],
      '5.7.2': false,
    });
  });

  test('GHSA-29mw-wpgm-hmr9 (lodash): last_affected for lodash.trim', () => {
    checkRecord(osvAffected(ghsa('2022/01/GHSA-29mw-wpgm-hmr9/GHSA-29mw-wpgm-hmr9.json'), 'lodash.trim'), { '4.5.1': [], '4.5.0': [], '4.5.2': false });
    checkRecord(osvAffected(ghsa('2022/01/GHSA-29mw-wpgm-hmr9/GHSA-29mw-wpgm-hmr9.json'), 'lodash'), { '4.17.20': ['4.17.21'], '4.17.21': false });
  });

  test('GHSA-r683-j2x4-v87g (node-fetch): an introduced "1.0" that is not a SemVer version', () => {
    // "1.0" is no npm version: it sorts before every valid one, so [1.0, 3.1.1) behaves as [0, 3.1.1).
    checkRecord(osvAffected(ghsa('2022/01/GHSA-r683-j2x4-v87g/GHSA-r683-j2x4-v87g.json'), 'node-fetch'), {
      '2.6.6': ['3.1.1', '2.6.7'],
      '2.6.7': ['3.1.1'],
      '3.0.0': ['3.1.1'],
      '3.1.1': false,
    });
  });

  test('GHSA-36p3-wjmg-h94x (Spring4Shell): Maven .RELEASE qualifiers', () => {
    checkRecord(osvAffected(ghsa('2022/03/GHSA-36p3-wjmg-h94x/GHSA-36p3-wjmg-h94x.json'), 'org.springframework:spring-beans'), {
      '5.2.19.RELEASE': ['5.2.20.RELEASE'],
      '5.2.20.RELEASE': false,
      '5.2.20': false, // RELEASE is the empty qualifier
      '5.2.25.RELEASE': false,
      '5.3.0-RC1': false,
      '5.3.0': ['5.3.18'],
      '5.3.17': ['5.3.18'],
      '5.3.18': false,
    });
  });

  test('GHSA-57j2-w4cx-62h2 (jackson-databind): four-part Maven fixes', () => {
    checkRecord(osvAffected(ghsa('2022/03/GHSA-57j2-w4cx-62h2/GHSA-57j2-w4cx-62h2.json'), 'com.fasterxml.jackson.core:jackson-databind'), {
      '2.13.2': ['2.13.2.1'],
      '2.13.2.0': ['2.13.2.1'],
      '2.13.2.1': false,
      '2.12.6': ['2.12.6.1'],
      '2.12.6.1': false,
      '2.12.7': false,
    });
  });

  test('GHSA-jfh8-c2jp-5v3q (log4j-core): three ranges', () => {
    checkRecord(osvAffected(ghsa('2021/12/GHSA-jfh8-c2jp-5v3q/GHSA-jfh8-c2jp-5v3q.json'), 'org.apache.logging.log4j:log4j-core'), {
      '2.0-beta9': ['2.3.1'],
      '2.3': ['2.3.1'],
      '2.3.1': false,
      '2.3.2': false,
      '2.4': ['2.12.2'],
      '2.12.1': ['2.12.2'],
      '2.12.2': false,
      '2.13.0': ['2.15.0'],
      '2.14.1': ['2.15.0'],
      '2.15.0': false,
    });
  });

  test('GHSA-w7pp-m8wf-vj6r (cryptography), GHSA-crjr-9rc5-ghw8 (nokogiri), GHSA-5crp-9r3c-p9vr (Newtonsoft.Json)', () => {
    checkRecord(osvAffected(ghsa('2023/02/GHSA-w7pp-m8wf-vj6r/GHSA-w7pp-m8wf-vj6r.json'), 'cryptography'), { '1.7.2': false, '1.8': ['39.0.1'], '39.0.0': ['39.0.1'], '39.0.1rc1': ['39.0.1'], '39.0.1': false, '39.0.1.post1': false });
    checkRecord(osvAffected(ghsa('2022/04/GHSA-crjr-9rc5-ghw8/GHSA-crjr-9rc5-ghw8.json'), 'nokogiri'), { '1.13.3': ['1.13.4'], '1.13.4.rc1': ['1.13.4'], '1.13.4': false, '1.13.10': false });
    checkRecord(osvAffected(ghsa('2022/06/GHSA-5crp-9r3c-p9vr/GHSA-5crp-9r3c-p9vr.json'), 'Newtonsoft.Json'), { '12.0.3': ['13.0.1'], '13.0.1-beta1': ['13.0.1'], '13.0.1': false, '13.0.1.0': false });
  });
});
