/**
 * .NET NuGet packages through the whole pipeline: every `dotnet-deps-json` case of ../shared/data/pkgdb as a
 * one-layer OCI image (installed), every `dotnet-packages-lock` case (packages.lock.json, packages.config) as a
 * `dir:` scan (declared), compared with the peer's expected.json; hostile inputs. There is no .NET SDK in Debian's
 * archive, so the peers' corpus is the reference.
 *
 * Conventions: entries the peer marks `root` or `workspace` are the application project itself (corpus README), and
 * `type: project` libraries are not packages in Tollgate, so they are not expected. Trivy's direct/indirect split
 * is not a Package field; the test checks what it implies: every indirect package is reachable through dependsOn
 * from the direct ones. Case-specific differences: INTENTIONAL below.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Package } from '../../src/core/index.js';
import { analyzer as nugetAnalyzer } from '../../src/analyzers/lang/nuget/index.js';
import { analyzer as releaseAnalyzer } from '../../src/analyzers/os/release/index.js';
import { inspect } from '../../src/scan/index.js';
import { entriesFromDir, type TarEntry, ociImageSource } from '../support/image-builder.js';
import { pkgdbCases, type ExpectedPackage } from '../support/pkgdb.js';

const ANALYZERS = [releaseAnalyzer, nugetAnalyzer];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-nuget-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function imageOf(entries: TarEntry[], name: string): Promise<string> {
  return ociImageSource(path.join(tmp, name), [entries]);
}

type Expected = ExpectedPackage & { relationship?: string };
const key = (name: string, version: string): string => `${name}@${version}`;
const purlOf = (name: string, version: string): string => `pkg:nuget/${name}@${version}`;

/** Peer entries Tollgate deliberately does not report, per case; asserted both ways. */
const INTENTIONAL: Record<string, { missing: string[]; why: string }> = {
  'trivy-ambiguous-root.deps': {
    missing: ['Web@1.0.0', 'Worker@1.0.0'],
    why:
      'Both are `type: project` libraries (the solution\'s own projects). Trivy reports them without a relationship ' +
      'only because it cannot tell which one is the root; they are not NuGet packages either way, and a ' +
      'pkg:nuget purl for them would invite false matches against unrelated packages of the same name.',
  },
};

function checkCase(caseName: string, complete: boolean, expected: Expected[], ours: Package[]): void {
  const byKey = new Map(ours.map((p) => [key(p.name, p.version), p]));
  assert.equal(byKey.size, ours.length, 'one package per name@version');
  const intentional = INTENTIONAL[caseName];
  const all = expected.map((p) => key(p.name, p.version));
  for (const k of intentional?.missing ?? []) {
    assert.ok(all.includes(k), `corpus no longer lists ${k}: revisit the intentional difference`);
    assert.ok(!byKey.has(k), `${k} not reported`);
  }
  const packages = expected.filter(
    (p) => p.relationship !== 'root' && p.relationship !== 'workspace' && !intentional?.missing.includes(key(p.name, p.version)),
  );
  const wanted = packages.map((p) => key(p.name, p.version));
  if (complete) assert.deepEqual([...byKey.keys()].sort(), [...wanted].sort());
  else for (const k of wanted) assert.ok(byKey.has(k), `missing ${k}`);
  for (const exp of packages) assert.equal(byKey.get(key(exp.name, exp.version))!.purl, exp.purl ?? purlOf(exp.name, exp.version));

  const direct = packages.filter((p) => p.relationship === 'direct');
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
    for (const p of packages.filter((e) => e.relationship === 'indirect')) assert.ok(reached.has(purlOf(p.name, p.version)), `${p.name} reachable`);
  }
  for (const p of ours) for (const d of p.dependsOn ?? []) assert.ok(ours.some((o) => o.purl === d), `${p.name} → ${d} resolves`);
}

describe('pkgdb dotnet-deps-json cases as image layers (installed)', () => {
  for (const c of pkgdbCases('dotnet-deps-json')) {
    test(c.name, async () => {
      const doc = await inspect(await imageOf(await entriesFromDir(c.dir), `deps-${c.name}`), { cacheDir: false, analyzers: ANALYZERS });
      const ours = doc.packages.filter((p) => p.type === 'nuget');
      checkCase(c.name, c.expected.complete, c.expected.packages as Expected[], ours);
      for (const p of ours) {
        assert.equal(p.evidence, 'installed');
        assert.equal(p.locations.length, 1);
        assert.match(p.locations[0]!, /^app\/[^/]+\.deps\.json$/);
        assert.equal(p.layer?.index, 0);
        assert.equal(p.layer?.diffId, doc.layers[0]!.diffId);
        assert.equal(p.metadata?.kind, 'nuget');
      }
      // A runtime target absent from `targets` is worth a warning (every library is then reported); nothing else is.
      const expectWarning = c.name === 'trivy-missing-target.deps';
      assert.equal(doc.warnings.length, expectWarning ? 1 : 0, doc.warnings.join('\n'));
    });
  }

  test('trivy-happy.deps: the nupkg hash is kept', async () => {
    const c = pkgdbCases('dotnet-deps-json').find((x) => x.name === 'trivy-happy.deps')!;
    const doc = await inspect(await imageOf(await entriesFromDir(c.dir), 'deps-hash'), { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual(doc.packages.find((p) => p.name === 'Newtonsoft.Json')!.metadata, {
      kind: 'nuget',
      sha512: 'ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A==',
    });
  });
});

describe('pkgdb dotnet-packages-lock cases as dir: scans (declared)', () => {
  for (const c of pkgdbCases('dotnet-packages-lock')) {
    test(c.name, async () => {
      const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
      const ours = doc.packages.filter((p) => p.type === 'nuget');
      checkCase(c.name, c.expected.complete, c.expected.packages as Expected[], ours);
      for (const p of ours) {
        assert.equal(p.evidence, 'declared');
        assert.equal(p.locations.length, 1);
        assert.match(p.locations[0]!, /^app\/(packages\.lock\.json|packages\.config)$/);
        assert.equal(p.dev, undefined, 'no fixture has development dependencies');
      }
      assert.deepEqual(doc.warnings, []);
    });
  }

  test('syft-packages-lock: dependencies resolve to the version the same framework locked', async () => {
    const doc = await inspect(`dir:${pkgdbCases('dotnet-packages-lock').find((x) => x.name === 'syft-packages-lock')!.dir}`, {
      cacheDir: false,
      analyzers: ANALYZERS,
    });
    // AutoMapper asks for Microsoft.Extensions.Options >= 6.0.0; net8.0 locked 9.0.0.
    assert.deepEqual(doc.packages.find((p) => p.name === 'AutoMapper')!.dependsOn, ['pkg:nuget/Microsoft.Extensions.Options@9.0.0']);
  });
});

describe('hostile .NET inputs', () => {
  test('oversized, malformed and non-NuGet files become warnings; the rest is still reported', async () => {
    const good = JSON.stringify({ version: 1, dependencies: { 'net8.0': { A: { type: 'Direct', resolved: '1.0.0' } } } });
    const huge = JSON.stringify({
      runtimeTarget: { name: 't' },
      libraries: Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`P${i}/1.0.0`, { type: 'package', sha512: 'x'.repeat(40) }])),
    });
    const entries: TarEntry[] = [
      { path: 'src/packages.lock.json', content: good },
      { path: 'app/Huge.deps.json', content: huge },
      { path: 'app/Broken.deps.json', content: '{"libraries": {"A/1.0": ' },
      { path: 'old/packages.config', content: '<configuration><appSettings/></configuration>' },
      { path: 'older/packages.config', content: '<packages><package id="X" version="1.0' },
    ];
    assert.ok(huge.length > 8 * 1024 * 1024);
    const doc = await inspect(await imageOf(entries, 'hostile'), { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual(doc.packages.map((p) => p.purl), ['pkg:nuget/A@1.0.0']);
    const w = doc.warnings.join('\n');
    assert.match(w, /skipped app\/Huge\.deps\.json: \d+ bytes is more than the 8388608-byte limit/);
    assert.match(w, /nuget: could not analyze app\/Broken\.deps\.json: deps\.json is not valid JSON/);
    assert.match(w, /nuget: could not analyze old\/packages\.config: packages\.config has no <packages> element/);
    assert.match(w, /nuget: could not analyze older\/packages\.config: packages\.config: unterminated tag/);
  });
});
