/**
 * Rust crates through the whole pipeline:
 *   - every `rust-cargo-lock` case of ../shared/data/pkgdb as a `dir:` scan (declared), compared with the peer's
 *     expected.json (intentional differences in INTENTIONAL, asserted both ways);
 *   - `cargo auditable` executables. crates.io is unreachable from the test machines, so `cargo install
 *     cargo-auditable` cannot run and no such binary can be built here, and the corpus holds no compiled code.
 *     Instead the `.dep-v0` section is written as cargo-auditable writes it (zlib-compressed JSON in the format of
 *     its auditable-serde crate) and placed (a) into a real executable, Debian's /usr/bin/true, with binutils'
 *     `objcopy --add-section` (apt package binutils), and (b) into a minimal synthetic ELF built in code;
 *   - hostile inputs: corrupt zlib, a decompression bomb, section offsets past the end of the file, bad indices,
 *     invalid TOML.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { Package } from '../../src/core/index.js';
import { analyzer as cargoAnalyzer } from '../../src/analyzers/lang/cargo/index.js';
import { buildElf, sectionHeaderOffset } from '../support/elf-builder.js';
import { analyzer as releaseAnalyzer } from '../../src/analyzers/os/release/index.js';
import { inspect } from '../../src/scan/index.js';
import { type TarEntry, ociImageSource } from '../support/image-builder.js';
import { pkgdbCases, type ExpectedPackage } from '../support/pkgdb.js';

const ANALYZERS = [releaseAnalyzer, cargoAnalyzer];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-cargo-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function imageOf(entries: TarEntry[], name: string): Promise<string> {
  return ociImageSource(path.join(tmp, name), [entries]);
}

type Expected = ExpectedPackage & { relationship?: string; id?: string };

const INTENTIONAL: Record<string, { extra: string[]; why: string }> = {
  'trivy-an-happy': {
    extra: ['winapi@0.3.9', 'winapi-i686-pc-windows-gnu@0.4.0', 'winapi-x86_64-pc-windows-gnu@0.4.0'],
    why:
      'winapi is a [dev-dependencies] entry of the Cargo.toml beside the lock; Trivy reads Cargo.toml and drops crates reachable only through ' +
      'dev-dependencies. Tollgate reads Cargo.lock alone (a lockfile lists every locked crate; Syft does the same), so they are reported, not flagged dev',
  },
};

/** Warnings a case is expected to produce (the fixture is deliberately broken). */
const EXPECTED_WARNINGS: Record<string, string[]> = {
  'syft-cargo-lock': ['app/Cargo.lock: unicode-bidi 0.3.4: dependency "bogus" is not in the lockfile'],
};

describe('pkgdb rust-cargo-lock cases as dir: scans (declared)', () => {
  for (const c of pkgdbCases('rust-cargo-lock')) {
    test(c.name, async () => {
      const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
      const ours = doc.packages.filter((p) => p.type === 'cargo');
      // Expected may list a crate twice (same name and version from crates.io and from git): compare as multisets.
      const wanted = (c.expected.packages as Expected[]).filter((p) => p.name !== undefined).map((p) => `${p.name}@${p.version}`);
      for (const k of INTENTIONAL[c.name]?.extra ?? []) {
        assert.ok(!wanted.includes(k), `corpus now lists ${k}: revisit the intentional difference`);
        wanted.push(k);
      }
      const got = ours.map((p) => `${p.name}@${p.version}`);
      if (c.expected.complete) assert.deepEqual(got.sort(), wanted.sort());
      else for (const k of wanted) assert.ok(got.includes(k), `missing ${k}`);
      for (const exp of c.expected.packages as Expected[]) {
        if (exp.purl) assert.ok(ours.some((p) => p.purl === exp.purl), `purl ${exp.purl}`);
      }
      const lock = c.name.startsWith('trivy-an-') ? 'Cargo.lock' : 'app/Cargo.lock';
      for (const p of ours) {
        assert.equal(p.evidence, 'declared');
        assert.deepEqual(p.locations, [lock]);
        assert.equal(p.purl, `pkg:cargo/${p.name}@${p.version}`);
        for (const d of p.dependsOn ?? []) assert.ok(ours.some((o) => o.purl === d), `${p.name} → ${d} resolves`);
      }
      assert.deepEqual(doc.warnings, EXPECTED_WARNINGS[c.name] ?? []);
    });
  }

  test("trivy-an-happy: dependsOn follows Cargo.lock's `name version` references", async () => {
    const c = pkgdbCases('rust-cargo-lock').find((x) => x.name === 'trivy-an-happy')!;
    const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
    const app = doc.packages.find((p) => p.name === 'app')!;
    assert.deepEqual([...(app.dependsOn ?? [])].sort(), ['pkg:cargo/memchr@1.0.2', 'pkg:cargo/regex-syntax@0.5.6', 'pkg:cargo/regex@1.7.3']);
    // Trivy's direct/indirect split, checked through the graph: every indirect crate is reachable from a direct one.
    const byPurl = new Map(doc.packages.map((p) => [p.purl, p]));
    const reached = new Set<string>();
    const stack = (c.expected.packages as Expected[]).filter((p) => p.relationship === 'direct').map((p) => `pkg:cargo/${p.name}@${p.version}`);
    while (stack.length) {
      const purl = stack.pop()!;
      if (reached.has(purl)) continue;
      reached.add(purl);
      stack.push(...(byPurl.get(purl)?.dependsOn ?? []));
    }
    for (const p of (c.expected.packages as Expected[]).filter((e) => e.relationship === 'indirect')) assert.ok(reached.has(`pkg:cargo/${p.name}@${p.version}`));
  });

  test('syft-cargo-lock-git-deps: a git source resolves references written without the commit fragment', async () => {
    const c = pkgdbCases('rust-cargo-lock').find((x) => x.name === 'syft-cargo-lock-git-deps')!;
    const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
    const gitRegex = doc.packages.find((p) => p.name === 'regex' && p.metadata?.kind === 'cargo' && p.metadata.source?.startsWith('git+'))!;
    assert.equal(gitRegex.metadata?.kind === 'cargo' && gitRegex.metadata.source, 'git+https://github.com/rust-lang/regex.git#1a069b9232c607b34c4937122361aa075ef573fa');
    assert.deepEqual([...(gitRegex.dependsOn ?? [])].sort(), ['pkg:cargo/aho-corasick@1.1.3', 'pkg:cargo/memchr@2.7.4', 'pkg:cargo/regex-automata@0.4.9', 'pkg:cargo/regex-syntax@0.8.5']);
  });
});

/** A dependency list as cargo-auditable embeds it. */
function depInfo(packages: unknown[]): Buffer {
  return deflateSync(Buffer.from(JSON.stringify({ packages })));
}

const SAMPLE = [
  { name: 'hello', version: '0.1.0', source: 'local', dependencies: [1, 3], root: true },
  { name: 'rand', version: '0.8.5', source: 'crates.io', dependencies: [2] },
  { name: 'libc', version: '0.2.150', source: 'crates.io' },
  { name: 'serde_derive', version: '1.0.193', source: 'crates.io', kind: 'build', dependencies: [2] },
];

function checkSample(ours: Package[], location: string): void {
  assert.deepEqual(
    ours.map((p) => [p.name, p.version, p.purl, p.evidence, p.locations]),
    [
      ['hello', '0.1.0', 'pkg:cargo/hello@0.1.0', 'installed', [location]],
      ['libc', '0.2.150', 'pkg:cargo/libc@0.2.150', 'installed', [location]],
      ['rand', '0.8.5', 'pkg:cargo/rand@0.8.5', 'installed', [location]],
    ],
  );
  // The build-time proc-macro is not part of the program (Trivy skips it too), nor an edge to it.
  assert.deepEqual(ours.find((p) => p.name === 'hello')!.dependsOn, ['pkg:cargo/rand@0.8.5']);
  assert.deepEqual(ours.find((p) => p.name === 'rand')!.dependsOn, ['pkg:cargo/libc@0.2.150']);
  assert.deepEqual(ours.find((p) => p.name === 'rand')!.metadata, { kind: 'cargo', source: 'crates.io' });
}

describe('cargo auditable executables', () => {
  test('a .dep-v0 section added to a real ELF executable with objcopy', async () => {
    const data = path.join(tmp, 'dep-v0.z');
    await writeFile(data, depInfo(SAMPLE));
    const out = path.join(tmp, 'hello');
    execFileSync('objcopy', ['--add-section', `.dep-v0=${data}`, '--set-section-flags', '.dep-v0=noload,readonly', '/usr/bin/true', out]);
    const doc = await inspect(await imageOf([{ path: 'usr/local/bin/hello', content: await readFile(out), mode: 0o755 }], 'objcopy'), {
      cacheDir: false,
      analyzers: ANALYZERS,
    });
    assert.deepEqual(doc.warnings, []);
    checkSample(doc.packages, 'usr/local/bin/hello');
    assert.equal(doc.packages[0]!.layer?.index, 0);
  });

  test('a minimal synthetic ELF; the plain executable without the section reports nothing', async () => {
    const elf = buildElf([
      { name: '.text', data: Buffer.alloc(4096, 0x90), addr: 0x401000, flags: 5 },
      { name: '.dep-v0', data: depInfo(SAMPLE) },
    ]);
    const doc = await inspect(
      await imageOf(
        [
          { path: 'app/hello', content: elf, mode: 0o755 },
          { path: 'app/true', content: await readFile('/usr/bin/true'), mode: 0o755 },
          // Not executable: not selected even though it holds the section.
          { path: 'app/hello.bak', content: elf, mode: 0o644 },
        ],
        'synthetic',
      ),
      { cacheDir: false, analyzers: ANALYZERS },
    );
    assert.deepEqual(doc.warnings, []);
    checkSample(doc.packages, 'app/hello');
  });
});

describe('hostile cargo inputs', () => {
  test('corrupt, oversized and out-of-bounds data become warnings; good files are still read', async () => {
    const text = { name: '.text', data: Buffer.alloc(4096), addr: 0x401000, flags: 5 };
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    const pastEof = buildElf([text, { name: '.dep-v0', data: depInfo(SAMPLE) }]);
    // Section 2 (.dep-v0) now claims to start 1 GiB into the file.
    pastEof.writeBigUInt64LE(1n << 30n, sectionHeaderOffset(pastEof, 2) + 24);
    const hugeSize = buildElf([text, { name: '.dep-v0', data: depInfo(SAMPLE) }]);
    hugeSize.writeBigUInt64LE(1n << 40n, sectionHeaderOffset(hugeSize, 2) + 32);
    const entries: TarEntry[] = [
      { path: 'bin/corrupt-zlib', content: buildElf([text, { name: '.dep-v0', data: Buffer.from('not zlib at all') }]), mode: 0o755 },
      { path: 'bin/bomb', content: buildElf([text, { name: '.dep-v0', data: bomb }]), mode: 0o755 },
      { path: 'bin/past-eof', content: pastEof, mode: 0o755 },
      { path: 'bin/huge-size', content: hugeSize, mode: 0o755 },
      { path: 'bin/truncated', content: pastEof.subarray(0, pastEof.length - 30), mode: 0o755 },
      { path: 'bin/bad-json', content: buildElf([text, { name: '.dep-v0', data: deflateSync('{"packages": 7}') }]), mode: 0o755 },
      {
        path: 'bin/bad-index',
        content: buildElf([text, { name: '.dep-v0', data: depInfo([{ name: 'ok', version: '1.0.0', dependencies: [5, -1, 0] }, { version: '2' }]) }]),
        mode: 0o755,
      },
      { path: 'src/broken/Cargo.lock', content: '[[package]]\nname = "x"\nversion = ' },
      { path: 'src/good/Cargo.lock', content: 'version = 4\n\n[[package]]\nname = "y"\nversion = "1.2.3"\n' },
    ];
    const doc = await inspect(await imageOf(entries, 'hostile'), { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual(doc.packages.map((p) => p.purl).sort(), ['pkg:cargo/ok@1.0.0', 'pkg:cargo/y@1.2.3']);
    assert.equal(doc.packages.find((p) => p.name === 'ok')!.dependsOn, undefined, 'a self-reference is not kept');
    const w = doc.warnings.join('\n');
    assert.match(w, /cargo: could not analyze bin\/corrupt-zlib: cargo auditable data: not valid zlib data/);
    assert.match(w, /cargo: could not analyze bin\/bomb: cargo auditable data: decompresses to more than 8388608 bytes/);
    assert.match(w, /cargo: could not analyze bin\/past-eof: section \.dep-v0 \(\d+ bytes at offset 1073741824\) lies beyond the end/);
    assert.match(w, /cargo: could not analyze bin\/huge-size: section \.dep-v0 claims 1099511627776 bytes/);
    assert.match(w, /cargo: could not analyze bin\/truncated: ELF section header table .* lies beyond the end/);
    assert.match(w, /cargo: could not analyze bin\/bad-json: cargo auditable data: no packages array/);
    assert.match(w, /bin\/bad-index: package 1 has no name or version; skipped/);
    assert.match(w, /bin\/bad-index: ok 1\.0\.0: 2 dependency indices do not name a package/);
    assert.match(w, /cargo: could not analyze src\/broken\/Cargo\.lock: Cargo\.lock is not valid TOML/);
  });
});
