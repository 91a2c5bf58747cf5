/**
 * Ruby gems through the whole pipeline (source → layer walk → analyzers → merge):
 *   - every `ruby-gemspec` case of ../shared/data/pkgdb as a one-layer OCI image (installed gems), every
 *     `ruby-gemfile-lock` case as a `dir:` scan (declared), compared with the peer's expected.json;
 *   - the gem specifications Debian's `ruby`, `ruby-rack` and `rake` packages install on this machine, checked
 *     against `gem list --local` and against RubyGems' own reading of each file (`Gem::Specification.load`);
 *   - hostile inputs: oversized and unreadable files become warnings, the rest of the image is still reported.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Package } from '../../src/core/index.js';
import { analyzer as gemAnalyzer } from '../../src/analyzers/lang/gem/index.js';
import { analyzer as releaseAnalyzer } from '../../src/analyzers/os/release/index.js';
import { inspect } from '../../src/scan/index.js';
import { entriesFromDir, type TarEntry, ociImageSource } from '../support/image-builder.js';
import { pkgdbCases, type ExpectedPackage } from '../support/pkgdb.js';

const ANALYZERS = [releaseAnalyzer, gemAnalyzer];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-gem-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function imageOf(entries: TarEntry[], name: string): Promise<string> {
  return ociImageSource(path.join(tmp, name), [entries]);
}

/**
 * Where Tollgate deliberately reports something else than the peer, per case and package. Each entry is asserted
 * both ways: the corpus still says `peer` (else the difference must be revisited) and Tollgate says `tollgate`.
 */
const INTENTIONAL: Record<string, Record<string, { field: 'licenses'; peer: unknown; tollgate: unknown; why: string }>> = {
  'trivy-normal01.gemspec': {
    async: {
      field: 'licenses',
      peer: undefined,
      tollgate: ['MIT'],
      why:
        'The gemspec says `spec.licenses = "MIT"`. Trivy only reads an array there; RubyGems stores `Array(value)` ' +
        '(Gem::Specification#licenses=), so the gem does declare MIT, as `gem specification` would show.',
    },
  },
};

const key = (name: string, version: string): string => `${name}@${version}`;

function checkCase(caseName: string, complete: boolean, expected: ExpectedPackage[], ours: Package[]): void {
  const byKey = new Map(ours.map((p) => [key(p.name, p.version), p]));
  assert.equal(byKey.size, ours.length, 'one package per name@version');
  const wanted = expected.map((p) => key(p.name, p.version));
  if (complete) assert.deepEqual([...byKey.keys()].sort(), [...wanted].sort());
  else for (const k of wanted) assert.ok(byKey.has(k), `missing ${k}`);
  for (const exp of expected) {
    const p = byKey.get(key(exp.name, exp.version))!;
    if (exp.purl) assert.equal(p.purl, exp.purl);
    else assert.equal(p.purl, `pkg:gem/${exp.name}@${exp.version}`);
    const intentional = INTENTIONAL[caseName]?.[exp.name];
    if (intentional) {
      assert.deepEqual(exp[intentional.field], intentional.peer, 'corpus changed: revisit the intentional difference');
      assert.deepEqual(p[intentional.field], intentional.tollgate);
    } else if (exp.licenses) {
      // Both peers keep the declared gem license strings, so they can be compared exactly.
      assert.deepEqual(p.licenses, exp.licenses, `${exp.name} licenses`);
    }
  }
}

describe('pkgdb ruby-gemspec cases as image layers (installed)', () => {
  for (const c of pkgdbCases('ruby-gemspec')) {
    test(c.name, async () => {
      const doc = await inspect(await imageOf(await entriesFromDir(c.dir), `gemspec-${c.name}`), { cacheDir: false, analyzers: ANALYZERS });
      const ours = doc.packages.filter((p) => p.type === 'gem');
      checkCase(c.name, c.expected.complete, c.expected.packages, ours);
      for (const p of ours) {
        assert.equal(p.evidence, 'installed');
        assert.equal(p.foundBy, 'gem');
        assert.equal(p.layer?.index, 0);
        assert.equal(p.layer?.diffId, doc.layers[0]!.diffId);
        assert.equal(p.locations.length, 1);
        assert.match(p.locations[0]!, /^usr\/local\/bundle\/specifications\/[^/]+\.gemspec$/);
      }
      assert.deepEqual(doc.warnings, []);
    });
  }
});

describe('pkgdb ruby-gemfile-lock cases as dir: scans (declared)', () => {
  for (const c of pkgdbCases('ruby-gemfile-lock')) {
    test(c.name, async () => {
      const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
      const ours = doc.packages.filter((p) => p.type === 'gem');
      checkCase(c.name, c.expected.complete, c.expected.packages, ours);
      for (const p of ours) {
        assert.equal(p.evidence, 'declared');
        assert.deepEqual(p.locations, ['app/Gemfile.lock']);
      }
      // Trivy's direct/indirect split (from DEPENDENCIES) is not a Package field; what it implies must hold in our
      // graph: every indirect gem is reachable through dependsOn from the direct ones.
      const exp = c.expected.packages as (ExpectedPackage & { relationship?: string })[];
      const direct = exp.filter((p) => p.relationship === 'direct');
      if (direct.length) {
        const byPurl = new Map(ours.map((p) => [p.purl, p]));
        const reached = new Set<string>();
        const stack = direct.map((d) => `pkg:gem/${d.name}@${d.version}`);
        while (stack.length) {
          const purl = stack.pop()!;
          if (reached.has(purl)) continue;
          reached.add(purl);
          stack.push(...(byPurl.get(purl)?.dependsOn ?? []));
        }
        for (const p of exp.filter((e) => e.relationship === 'indirect')) assert.ok(reached.has(`pkg:gem/${p.name}@${p.version}`), `${p.name} reachable`);
      }
      for (const p of ours) for (const d of p.dependsOn ?? []) assert.ok(ours.some((o) => o.purl === d), `${p.name} → ${d} resolves`);
    });
  }

  test('syft-gemfile-lock: dependency edges as the lockfile writes them', async () => {
    const doc = await inspect(`dir:${pkgdbCases('ruby-gemfile-lock').find((c) => c.name === 'syft-gemfile-lock')!.dir}`, { cacheDir: false, analyzers: ANALYZERS });
    const get = (name: string) => doc.packages.find((p) => p.name === name)!;
    // GIT source gem depending on a GEM source gem; `bundler (>= 1.3.0, < 2.0)` is not locked, so no edge.
    assert.deepEqual(get('turbolinks').dependsOn, ['pkg:gem/coffee-rails@4.0.1']);
    assert.ok(!get('rails').dependsOn!.some((d) => d.includes('bundler')));
    assert.equal(get('rails').dependsOn!.length, 8);
    assert.ok(!doc.packages.some((p) => p.name === 'bad-entry'), 'nothing from an unknown section');
  });
});

/** `gem list --local`: "name (default: 1.0, 0.9)" → name@version for each version. */
function gemList(): Set<string> {
  const out = execFileSync('gem', ['list', '--local'], { encoding: 'utf8' });
  const set = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /^(\S+) \((.*)\)$/.exec(line.trim());
    if (!m) continue;
    for (const v of m[2]!.split(', ')) set.add(key(m[1]!, v.replace(/^default: /, '').split(' ')[0]!));
  }
  return set;
}

describe('real gems installed by Debian packages (ruby, ruby-rack, rake)', () => {
  test('every gem specification on the gem path, checked against gem list and Gem::Specification.load', async () => {
    let gempath: string;
    try {
      gempath = execFileSync('gem', ['env', 'gempath'], { encoding: 'utf8' }).trim();
    } catch (e) {
      assert.fail(`RubyGems is needed for this test: apt-get install -y --no-install-recommends ruby ruby-rack rake (${(e as Error).message})`);
    }
    const debianSpecs = '/usr/share/rubygems-integration/all/specifications';
    for (const name of ['rack', 'rake']) {
      assert.ok(
        existsSync(debianSpecs) && readdirSync(debianSpecs).some((n) => n.startsWith(`${name}-`) && n.endsWith('.gemspec')),
        `the ${name} gemspec is missing under ${debianSpecs}: apt-get install -y --no-install-recommends ruby-rack rake`,
      );
    }
    const files: string[] = [];
    for (const home of gempath.split(':')) {
      for (const dir of [path.join(home, 'specifications'), path.join(home, 'specifications', 'default')]) {
        if (!existsSync(dir)) continue;
        for (const n of readdirSync(dir).sort()) if (n.endsWith('.gemspec')) files.push(path.join(dir, n));
      }
    }
    assert.ok(files.length > 50, `only ${files.length} gemspecs found`);
    const entries: TarEntry[] = files.map((f) => ({ path: f.slice(1), content: readFileSync(f) }));
    const doc = await inspect(await imageOf(entries, 'host-gems'), { cacheDir: false, analyzers: ANALYZERS });
    const ours = doc.packages.filter((p) => p.type === 'gem');
    assert.deepEqual(doc.warnings, []);
    assert.equal(ours.length, files.length, 'one package per specification file');

    // The set of name@version RubyGems itself lists.
    assert.deepEqual([...new Set(ours.map((p) => key(p.name, p.version)))].sort(), [...gemList()].sort());

    // Per file, what RubyGems reads when it evaluates the specification (the analyzer never evaluates Ruby).
    const script =
      'require "json"; puts JSON.generate(ARGV.map { |f| s = Gem::Specification.load(f); ' +
      '{ "path" => f, "name" => s.name, "version" => s.version.to_s, "platform" => s.platform.to_s, "licenses" => s.licenses } })';
    const truth = JSON.parse(execFileSync('ruby', ['-e', script, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as {
      path: string;
      name: string;
      version: string;
      platform: string;
      licenses: string[];
    }[];
    const byLocation = new Map(ours.map((p) => [p.locations[0]!, p]));
    for (const t of truth) {
      const p = byLocation.get(t.path.slice(1));
      assert.ok(p, `no package for ${t.path}`);
      assert.equal(p.name, t.name, t.path);
      assert.equal(p.version, t.version, t.path);
      assert.deepEqual(p.licenses, t.licenses, t.path);
      assert.equal(p.metadata?.kind === 'gem' ? (p.metadata.platform ?? 'ruby') : undefined, t.platform, t.path);
      assert.equal(p.evidence, 'installed');
    }
    for (const name of ['rack', 'rake']) {
      assert.ok(
        ours.some((p) => p.name === name && p.locations[0]!.startsWith('usr/share/rubygems-integration/all/specifications/')),
        `${name} from its Debian package`,
      );
    }
  });
});

describe('hostile gem inputs', () => {
  test('oversized lockfile and unreadable specifications become warnings; the rest is still reported', async () => {
    const good = '# stub: ok 1.0.0 ruby lib\nGem::Specification.new do |s|\n  s.name = "ok".freeze\n  s.version = "1.0.0"\nend\n';
    const weird = 'Gem::Specification.new do |s|\n  s.name = "weird"\n  s.version = File.read("VERSION").strip\nend\n';
    const entries: TarEntry[] = [
      { path: 'usr/local/bundle/specifications/ok-1.0.0.gemspec', content: good },
      { path: 'usr/local/bundle/specifications/weird-1.0.gemspec', content: weird },
      { path: 'usr/local/bundle/specifications/binary-1.0.gemspec', content: Buffer.alloc(4096, 0xff) },
      { path: 'app/Gemfile.lock', content: `GEM\n  specs:\n${'    x (1.0)\n'.repeat(500_000)}` },
    ];
    const t0 = Date.now();
    const doc = await inspect(await imageOf(entries, 'hostile'), { cacheDir: false, analyzers: ANALYZERS });
    assert.ok(Date.now() - t0 < 10_000);
    assert.deepEqual(doc.packages.map((p) => p.purl), ['pkg:gem/ok@1.0.0']);
    const w = doc.warnings.join('\n');
    assert.match(w, /skipped app\/Gemfile\.lock: \d+ bytes is more than the 4194304-byte limit/);
    assert.match(w, /gem: could not analyze usr\/local\/bundle\/specifications\/weird-1\.0\.gemspec: weird: no readable gem version/);
    assert.match(w, /gem: could not analyze usr\/local\/bundle\/specifications\/binary-1\.0\.gemspec: not a gem specification/);
  });
});
