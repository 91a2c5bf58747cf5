/**
 * PHP Composer packages through the whole pipeline: every `php-installed-json` case of ../shared/data/pkgdb as a
 * one-layer OCI image (installed), every `php-composer-lock` case as a `dir:` scan (declared), compared with the
 * peer's expected.json; hostile inputs. There is no PHP/Composer tooling on the test machine (Debian's `composer`
 * package would pull in PHP only to re-read the same JSON), so the peers' corpus is the reference.
 *
 * Versions are kept as written ("v1.8.1"), as Syft's purls and Trivy show. Trivy's direct/indirect relationship
 * (derived from composer.json) is not a Package field, so the test checks what it implies instead: every indirect
 * package is reachable through dependsOn from the direct ones. Licenses are compared as sets of license ids: Trivy
 * splits Composer's "MIT or BSD-2-Clause" into two entries, Tollgate writes the SPDX expression
 * "MIT OR BSD-2-Clause" (same ids, and the OR is not lost). Intentional differences: INTENTIONAL below.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Package } from '../../src/core/index.js';
import { analyzer as composerAnalyzer } from '../../src/analyzers/lang/composer/index.js';
import { analyzer as releaseAnalyzer } from '../../src/analyzers/os/release/index.js';
import { inspect } from '../../src/scan/index.js';
import { entriesFromDir, type TarEntry, ociImageSource } from '../support/image-builder.js';
import { pkgdbCases, type ExpectedPackage } from '../support/pkgdb.js';

const ANALYZERS = [releaseAnalyzer, composerAnalyzer];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-composer-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function imageOf(entries: TarEntry[], name: string): Promise<string> {
  return ociImageSource(path.join(tmp, name), [entries]);
}

/**
 * Packages Tollgate reports beyond the peer's list, per case; asserted both ways (the corpus still lacks them, we
 * report them, with the stated dev flag).
 */
const INTENTIONAL: Record<string, { extra: string[]; dev: boolean; why: string }> = {
  'syft-composer-lock': {
    extra: ['behat/gherkin@v4.6.2', 'codeception/codeception@4.1.6'],
    dev: true,
    why:
      'Syft reads only `packages` of composer.lock; `packages-dev` are locked dependencies of the project too. ' +
      'Tollgate reports them flagged dev (as Trivy\'s parser does, see trivy-composer-happy), so policies can choose.',
  },
};

/** License ids of declared licenses / SPDX expressions, for a lenient comparison. */
function licenseIds(list: readonly string[]): string[] {
  return [...new Set(list.flatMap((l) => l.replace(/[()]/g, ' ').split(/\s+(?:OR|AND|WITH)\s+|\s+/).filter((x) => x !== '')))].sort();
}

type Expected = ExpectedPackage & { dev?: boolean; relationship?: string };
const key = (name: string, version: string): string => `${name}@${version}`;
const purlOf = (name: string, version: string): string => `pkg:composer/${name}@${version}`;

function checkCase(caseName: string, complete: boolean, expected: Expected[], ours: Package[], peerAssertsDev: boolean): void {
  const byKey = new Map(ours.map((p) => [key(p.name, p.version), p]));
  assert.equal(byKey.size, ours.length, 'one package per name@version');
  const wanted = expected.map((p) => key(p.name, p.version));
  const intentional = INTENTIONAL[caseName];
  if (intentional) {
    for (const k of intentional.extra) {
      assert.ok(!wanted.includes(k), `corpus now lists ${k}: revisit the intentional difference`);
      assert.equal(byKey.get(k)?.dev === true, intentional.dev, `${k} reported, dev=${intentional.dev}`);
      wanted.push(k);
    }
  }
  if (complete) assert.deepEqual([...byKey.keys()].sort(), [...wanted].sort());
  else for (const k of wanted) assert.ok(byKey.has(k), `missing ${k}`);
  for (const exp of expected) {
    const p = byKey.get(key(exp.name, exp.version))!;
    assert.equal(p.purl, exp.purl ?? purlOf(exp.name, exp.version));
    if (exp.licenses) assert.deepEqual(licenseIds(p.licenses), licenseIds(exp.licenses), `${exp.name} licenses`);
    if (peerAssertsDev) assert.equal(p.dev === true, exp.dev === true, `${exp.name} dev`);
  }
  const direct = expected.filter((p) => p.relationship === 'direct');
  if (direct.length) {
    const byPurl = new Map(ours.map((p) => [p.purl, p]));
    const reached = new Set<string>();
    const stack = direct.map((d) => purlOf(d.name, d.version));
    while (stack.length) {
      const purl = stack.pop()!;
      if (reached.has(purl)) continue;
      reached.add(purl);
      stack.push(...(byPurl.get(purl)?.dependsOn ?? []));
    }
    for (const p of expected.filter((e) => e.relationship === 'indirect')) assert.ok(reached.has(purlOf(p.name, p.version)), `${p.name} reachable`);
  }
  for (const p of ours) for (const d of p.dependsOn ?? []) assert.ok(ours.some((o) => o.purl === d), `${p.name} → ${d} resolves`);
}

/** Trivy's composer tests assert dev flags (an absent flag means false); Syft's assert none. */
const assertsDev = (source: string): boolean => source.startsWith('aquasecurity/trivy');

describe('pkgdb php-installed-json cases as image layers (installed)', () => {
  for (const c of pkgdbCases('php-installed-json')) {
    test(c.name, async () => {
      const doc = await inspect(await imageOf(await entriesFromDir(c.dir), `installed-${c.name}`), { cacheDir: false, analyzers: ANALYZERS });
      const ours = doc.packages.filter((p) => p.type === 'composer');
      checkCase(c.name, c.expected.complete, c.expected.packages as Expected[], ours, assertsDev(c.expected.source));
      for (const p of ours) {
        assert.equal(p.evidence, 'installed');
        assert.deepEqual(p.locations, ['app/vendor/composer/installed.json']);
        assert.equal(p.layer?.index, 0);
        assert.equal(p.layer?.diffId, doc.layers[0]!.diffId);
        assert.equal(p.metadata?.kind, 'composer');
      }
      assert.deepEqual(doc.warnings, []);
    });
  }

  test('trivy-an-vendor-installed: require → dependsOn', async () => {
    const c = pkgdbCases('php-installed-json').find((x) => x.name === 'trivy-an-vendor-installed')!;
    const doc = await inspect(await imageOf(await entriesFromDir(c.dir), 'installed-deps'), { cacheDir: false, analyzers: ANALYZERS });
    const log = doc.packages.find((p) => p.name === 'pear/log')!;
    assert.deepEqual(log.dependsOn, ['pkg:composer/pear/pear_exception@v1.0.2']);
    assert.deepEqual(log.metadata, { kind: 'composer', packageType: 'library' });
  });
});

describe('pkgdb php-composer-lock cases as dir: scans (declared)', () => {
  for (const c of pkgdbCases('php-composer-lock')) {
    test(c.name, async () => {
      const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
      const ours = doc.packages.filter((p) => p.type === 'composer');
      checkCase(c.name, c.expected.complete, c.expected.packages as Expected[], ours, assertsDev(c.expected.source));
      for (const p of ours) {
        assert.equal(p.evidence, 'declared');
        assert.deepEqual(p.locations, ['app/composer.lock']);
      }
      assert.deepEqual(doc.warnings, []);
    });
  }

  test('trivy-composer-happy: Composer\'s "a or b" license string becomes an SPDX expression', async () => {
    const doc = await inspect(`dir:${pkgdbCases('php-composer-lock').find((x) => x.name === 'trivy-composer-happy')!.dir}`, {
      cacheDir: false,
      analyzers: ANALYZERS,
    });
    assert.deepEqual(doc.packages.find((p) => p.name === 'symfony/polyfill-php72')!.licenses, ['MIT OR BSD-2-Clause']);
  });
});

describe('hostile composer inputs', () => {
  test('oversized, malformed and wrongly shaped files become warnings; the rest is still reported', async () => {
    const good = JSON.stringify({ packages: [{ name: 'a/a', version: '1.0.0' }], 'dev-package-names': [] });
    const huge = `[${Array.from({ length: 200_000 }, (_, i) => JSON.stringify({ name: `v/p${i}`, version: '1.0.0', description: 'x'.repeat(40) })).join(',')}]`;
    const entries: TarEntry[] = [
      { path: 'srv/ok/vendor/composer/installed.json', content: good },
      { path: 'srv/huge/vendor/composer/installed.json', content: huge },
      { path: 'srv/broken/vendor/composer/installed.json', content: '{"packages": [{"name": "x/y", "version": ' },
      { path: 'srv/odd/composer.lock', content: JSON.stringify({ packages: { 'a/b': '1' } }) },
    ];
    assert.ok(huge.length > 8 * 1024 * 1024);
    const doc = await inspect(await imageOf(entries, 'hostile'), { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual(doc.packages.map((p) => p.purl), ['pkg:composer/a/a@1.0.0']);
    const w = doc.warnings.join('\n');
    assert.match(w, /skipped srv\/huge\/vendor\/composer\/installed\.json: \d+ bytes is more than the 8388608-byte limit/);
    assert.match(w, /composer: could not analyze srv\/broken\/vendor\/composer\/installed\.json: installed\.json is not valid JSON/);
    assert.match(w, /srv\/odd\/composer\.lock: packages is not an array; ignored/);
  });
});
