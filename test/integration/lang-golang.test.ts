/**
 * Go modules through the whole pipeline:
 *   - every `go-mod` and `go-sum` case of ../shared/data/pkgdb as a `dir:` scan (declared), compared with the peer's
 *     expected.json (intentional differences in INTENTIONAL below, asserted both ways);
 *   - real Go executables: the ones Debian installs (`/usr/bin/docker-registry`, `skopeo`, `umoci`) inside a
 *     one-layer OCI image, checked against `go version -m` (Debian package golang-go) and against the Go version
 *     Debian's own package metadata records (`Built-Using: golang-1.19 (= …)`);
 *   - programs compiled here with the same toolchain (offline: a module with a replaced dependency and a version
 *     stamped with -ldflags -X) for linux/amd64, linux/arm64, linux/386, windows/amd64 (PE) and darwin/arm64
 *     (Mach-O), checked against `go version -m` — these cover the `mod`/`dep`/`=>`/`build` lines that Debian's
 *     GOPATH-mode builds do not have;
 *   - hostile executables and manifests.
 * Required apt packages: docker-registry, skopeo, umoci, golang-go. The tests fail (not skip) when they are missing.
 * Build info of Go < 1.18 (the pointer format) cannot be produced by this toolchain; it is covered by synthetic
 * ELF files in src/analyzers/lang/golang/golang.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Package } from '../../src/core/index.js';
import { analyzer as golangAnalyzer } from '../../src/analyzers/lang/golang/index.js';
import { buildElf } from '../support/elf-builder.js';
import { analyzer as releaseAnalyzer } from '../../src/analyzers/os/release/index.js';
import { inspect } from '../../src/scan/index.js';
import { type TarEntry, ociImageSource } from '../support/image-builder.js';
import { pkgdbCases, type ExpectedPackage } from '../support/pkgdb.js';

const ANALYZERS = [releaseAnalyzer, golangAnalyzer];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-golang-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function imageOf(entries: TarEntry[], name: string): Promise<string> {
  return ociImageSource(path.join(tmp, name), [entries]);
}

type Expected = ExpectedPackage & { relationship?: string; id?: string };

/**
 * Differences from the peers, per case: packages we report that the corpus lacks (`extra`) and packages the corpus
 * lists that we do not report (`missing`), as name@version. Each is asserted both ways.
 */
const INTENTIONAL: Record<string, { extra?: string[]; missing?: string[]; why: string }> = {
  'trivy-no-replace': {
    extra: ['github.com/aquasecurity/go-dep-parser@v0.0.0-20220406074731-71021a481237'],
    missing: ['github.com/aquasecurity/go-dep-parser@v0.0.0-20211110174639-8257534ffed3'],
    why: 'the peer test runs its parser with replace=false; a scanner applies replace directives (Trivy does by default, see the "replace" case): the replacement is what gets built',
  },
  'trivy-go-1.16': {
    extra: ['gopkg.in/yaml.v3@v3.0.0-20210107192922-496545a6307b'],
    why: 'before go 1.17 Trivy drops the `// indirect` requirements go.mod does list (its analyzer re-adds modules from go.sum); they are requirements all the same, and without a go.sum they would be lost. Syft keeps them (syft-many-packages, go 1.14, doublestar)',
  },
  'trivy-normal-with-stdlib': {
    missing: ['stdlib@v1.22.5'],
    why: 'the peer test enables useMinVersion; Trivy reports stdlib from go.mod only with --detection-priority comprehensive, since the go/toolchain directive is a minimum, not the toolchain that built anything. Tollgate reports stdlib from binaries, where it is a fact',
  },
  'syft-relative-replace': {
    missing: ['github.com/aws/aws-sdk-go-v2@'],
    why: 'replaced by a directory (`=> ../../../`): project code with no module version to match advisories against; Syft lists it without a version, Trivy drops it (its "replaced with local path" cases), Tollgate follows Trivy',
  },
};

/** The project itself (Trivy's root entry, a go.mod's `module`) is not a dependency; Tollgate does not list it. */
const isRoot = (p: Expected): boolean => p.relationship === 'root';
const key = (name: string, version: string | undefined): string => `${name}@${version ?? ''}`;

function checkCase(caseName: string, complete: boolean, expected: Expected[], ours: Package[]): void {
  const wanted = new Set(expected.filter((p) => !isRoot(p)).map((p) => key(p.name, p.version)));
  const got = new Set(ours.map((p) => key(p.name, p.version)));
  assert.equal(got.size, ours.length, 'one package per name@version');
  const intentional = INTENTIONAL[caseName];
  for (const k of intentional?.extra ?? []) {
    assert.ok(!wanted.has(k), `corpus now lists ${k}: revisit the intentional difference`);
    assert.ok(got.has(k), `${k} reported`);
    wanted.add(k);
  }
  for (const k of intentional?.missing ?? []) {
    assert.ok(wanted.has(k), `corpus no longer lists ${k}: revisit the intentional difference`);
    assert.ok(!got.has(k), `${k} not reported`);
    wanted.delete(k);
  }
  if (complete) assert.deepEqual([...got].sort(), [...wanted].sort());
  else for (const k of wanted) assert.ok(got.has(k), `missing ${k}`);
  for (const exp of expected) {
    const p = ours.find((o) => o.name === exp.name && o.version === exp.version);
    if (!p) continue;
    assert.equal(p.purl, exp.purl ?? `pkg:golang/${exp.name}@${exp.version}`);
  }
}

describe('pkgdb go-mod and go-sum cases as dir: scans (declared)', () => {
  for (const kind of ['go-mod', 'go-sum']) {
    for (const c of pkgdbCases(kind)) {
      test(`${kind}/${c.name}`, async () => {
        const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
        const ours = doc.packages.filter((p) => p.type === 'golang');
        checkCase(c.name, c.expected.complete, c.expected.packages as Expected[], ours);
        const manifest = c.name.startsWith('trivy-an-') ? '' : 'app/';
        for (const p of ours) {
          assert.equal(p.evidence, 'declared');
          assert.equal(p.metadata?.kind, 'go');
          assert.ok(
            p.locations[0] === `${manifest}${kind === 'go-sum' ? 'go.sum' : 'go.mod'}` || p.locations[0] === `${manifest}go.sum`,
            `${p.name} location ${p.locations[0]}`,
          );
        }
        assert.deepEqual(doc.warnings, []);
      });
    }
  }

  test('trivy-an-merge-go-sum-lt-1.17: go < 1.17 takes indirect modules from go.sum, located there', async () => {
    const c = pkgdbCases('go-mod').find((x) => x.name === 'trivy-an-merge-go-sum-lt-1.17')!;
    const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
    const toml = doc.packages.find((p) => p.name === 'github.com/BurntSushi/toml')!;
    assert.deepEqual(toml.locations, ['go.sum']);
    assert.equal(toml.metadata?.kind === 'go' && toml.metadata.sum, 'h1:WXkYYl6Yr3qBf1K79EBnL4mak0OimBfB0XUf9Vl28OQ=');
    const parser = doc.packages.find((p) => p.name === 'github.com/aquasecurity/go-dep-parser')!;
    assert.deepEqual(parser.locations, ['go.mod']);
  });

  test('trivy-replace: the replacement is reported, the original recorded in metadata', async () => {
    const c = pkgdbCases('go-mod').find((x) => x.name === 'trivy-replace')!;
    const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
    const p = doc.packages.find((x) => x.name === 'github.com/aquasecurity/go-dep-parser')!;
    assert.equal(p.purl, 'pkg:golang/github.com/aquasecurity/go-dep-parser@v0.0.0-20220406074731-71021a481237');
    assert.deepEqual(p.metadata, {
      kind: 'go',
      mainModule: 'github.com/org/repo',
      replaces: { path: 'github.com/aquasecurity/go-dep-parser', version: 'v0.0.0-20211110174639-8257534ffed3' },
    });
  });
});

/** `go version -m` output → the Go version and the modules it lists (parsed independently of the analyzer). */
function goVersionM(file: string): { go: string; main?: [string, string]; deps: [string, string, string?, string?][]; settings: Map<string, string> } {
  const out = execFileSync('go', ['version', '-m', file], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '' } });
  const lines = out.split('\n');
  const go = lines[0]!.slice(lines[0]!.indexOf(': ') + 2).trim();
  const deps: [string, string, string?, string?][] = [];
  let main: [string, string] | undefined;
  const settings = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const f = line.trim().split('\t');
    if (f[0] === 'mod') main = [f[1]!, f[2]!];
    else if (f[0] === 'dep') deps.push([f[1]!, f[2]!]);
    else if (f[0] === '=>') {
      const last = deps[deps.length - 1]!;
      last[2] = f[1];
      last[3] = f[2];
    } else if (f[0] === 'build') {
      const eq = f[1]!.indexOf('=');
      settings.set(f[1]!.slice(0, eq), f[1]!.slice(eq + 1));
    }
  }
  return { go, ...(main ? { main } : {}), deps, settings };
}

describe('Go executables installed by Debian packages (real artifacts)', () => {
  const binaries = [
    { file: '/usr/bin/docker-registry', pkg: 'docker-registry', mainPath: 'github.com/docker/distribution/cmd/registry' },
    { file: '/usr/bin/skopeo', pkg: 'skopeo', mainPath: 'github.com/containers/skopeo/cmd/skopeo' },
    { file: '/usr/bin/umoci', pkg: 'umoci', mainPath: 'github.com/opencontainers/umoci/cmd/umoci' },
  ];

  test('stdlib at the toolchain version `go version -m` and Debian Built-Using report; nothing else invented', async () => {
    const entries: TarEntry[] = [];
    for (const b of binaries) entries.push({ path: b.file.slice(1), content: await readFile(b.file), mode: 0o755 });
    // The same bytes without the executable bit are not selected: selection is by mode, not by path.
    entries.push({ path: 'srv/copy-of-skopeo', content: await readFile('/usr/bin/skopeo'), mode: 0o644 });
    const doc = await inspect(await imageOf(entries, 'debian-go'), { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual(doc.warnings, []);
    for (const b of binaries) {
      const ref = goVersionM(b.file);
      // Debian builds these in GOPATH mode: no `mod` or `dep` lines, so only the toolchain is known.
      assert.equal(ref.main, undefined);
      assert.deepEqual(ref.deps, []);
      const builtUsing = execFileSync('dpkg-query', ['-W', '-f=${Built-Using}', b.pkg], { encoding: 'utf8' });
      const debianGo = /golang-1\.\d+ \(= (\d+\.\d+(?:\.\d+)?)-/.exec(builtUsing)?.[1];
      assert.ok(debianGo, `Built-Using of ${b.pkg}: ${builtUsing}`);
      assert.equal(ref.go, `go${debianGo}`);
      const ours = doc.packages.filter((p) => p.locations.includes(b.file.slice(1)));
      assert.deepEqual(
        ours.map((p) => [p.name, p.version, p.purl, p.evidence, p.layer?.index]),
        [['stdlib', `v${debianGo}`, `pkg:golang/stdlib@v${debianGo}`, 'installed', 0]],
      );
      assert.deepEqual(ours[0]!.metadata, { kind: 'go', goVersion: ref.go });
    }
    assert.ok(!doc.packages.some((p) => p.locations.includes('srv/copy-of-skopeo')));
  });
});

describe('Go executables compiled here, compared with `go version -m`', () => {
  let src: string;
  before(async () => {
    src = path.join(tmp, 'src');
    await mkdir(path.join(src, 'app'), { recursive: true });
    await mkdir(path.join(src, 'dep'), { recursive: true });
    await mkdir(path.join(src, 'fork'), { recursive: true });
    await writeFile(path.join(src, 'dep', 'go.mod'), 'module example.com/dep\n\ngo 1.19\n');
    await writeFile(path.join(src, 'dep', 'dep.go'), 'package dep\n\nfunc Hello() string { return "dep" }\n');
    await writeFile(path.join(src, 'fork', 'go.mod'), 'module example.com/fork\n\ngo 1.19\n');
    await writeFile(path.join(src, 'fork', 'fork.go'), 'package fork\n\nfunc Hello() string { return "fork" }\n');
    await writeFile(
      path.join(src, 'app', 'go.mod'),
      'module example.com/app\n\ngo 1.19\n\nrequire (\n\texample.com/dep v1.2.3\n\texample.com/fork v0.4.0\n)\n\nreplace example.com/dep v1.2.3 => ../dep\n\nreplace example.com/fork => ../fork\n',
    );
    await writeFile(
      path.join(src, 'app', 'main.go'),
      'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/dep"\n\t"example.com/fork"\n)\n\nvar version = "dev"\n\nfunc main() { fmt.Println(dep.Hello(), fork.Hello(), version) }\n',
    );
    for (const t of targets) {
      const p = build(t.goos, t.goarch);
      p.catch(() => undefined); // awaited (and reported) by the target's own test
      built.set(`${t.goos}/${t.goarch}`, p);
    }
  });

  const built = new Map<string, Promise<string>>();
  const build = (goos: string, goarch: string): Promise<string> => {
    const out = path.join(tmp, `app-${goos}-${goarch}`);
    // No -trimpath: with it, Go leaves -ldflags out of the build info. Cross builds compile the standard library
    // (about 10 s each), so they run concurrently.
    return promisify(execFile)('go', ['build', '-ldflags', '-s -w -X main.version=1.4.2', '-o', out, '.'], {
      cwd: path.join(src, 'app'),
      env: { ...process.env, GOOS: goos, GOARCH: goarch, CGO_ENABLED: '0', GOPROXY: 'off', GOFLAGS: '-mod=mod', GOCACHE: path.join(tmp, 'gocache'), GOPATH: path.join(tmp, 'gopath'), GOTOOLCHAIN: 'local' },
    }).then(() => out);
  };

  const targets = [
    { goos: 'linux', goarch: 'amd64' },
    { goos: 'linux', goarch: 'arm64' },
    { goos: 'linux', goarch: '386' },
    { goos: 'windows', goarch: 'amd64' },
    { goos: 'darwin', goarch: 'arm64' },
  ];
  for (const t of targets) {
    test(`${t.goos}/${t.goarch}: toolchain, main module version from -ldflags -X, local replacements`, async () => {
      const out = await built.get(`${t.goos}/${t.goarch}`)!;
      const ref = goVersionM(out);
      assert.deepEqual(ref.main, ['example.com/app', '(devel)']);
      assert.deepEqual(ref.deps, [
        ['example.com/dep', 'v1.2.3', '../dep', '(devel)'],
        ['example.com/fork', 'v0.4.0', '../fork', '(devel)'],
      ]);
      assert.equal(ref.settings.get('-ldflags'), '"-s -w -X main.version=1.4.2"');
      const doc = await inspect(await imageOf([{ path: 'opt/app/bin', content: await readFile(out), mode: 0o755 }], `built-${t.goos}-${t.goarch}`), {
        cacheDir: false,
        analyzers: ANALYZERS,
      });
      assert.deepEqual(doc.warnings, []);
      const stdlib = `v${ref.go.slice(2).split(' ')[0]}`;
      // Both dependencies are replaced by directories: project code, not modules (see golang/index.ts).
      assert.deepEqual(
        doc.packages.map((p) => [p.name, p.version, p.purl]),
        [
          ['example.com/app', '1.4.2', 'pkg:golang/example.com/app@1.4.2'],
          ['stdlib', stdlib, `pkg:golang/stdlib@${stdlib}`],
        ],
      );
      const app = doc.packages.find((p) => p.name === 'example.com/app')!;
      assert.deepEqual(app.dependsOn, [`pkg:golang/stdlib@${stdlib}`]);
      assert.deepEqual(app.metadata, { kind: 'go', goVersion: ref.go, mainModule: 'example.com/app' });
      assert.deepEqual(app.locations, ['opt/app/bin']);
    });
  }
});

describe('hostile Go inputs', () => {
  test('damaged build info and manifests become warnings; other files are still read', async () => {
    const header = (ptrSize: number, flags: number): Buffer => {
      const h = Buffer.alloc(32);
      h.write('\xff Go buildinf:', 0, 'latin1');
      h[14] = ptrSize;
      h[15] = flags;
      return h;
    };
    // Inline format claiming a 1 GiB module-info string.
    const bogusLen = buildElf([
      { name: '.text', data: Buffer.alloc(5000), addr: 0x401000, flags: 5 },
      { name: '.go.buildinfo', data: Buffer.concat([header(8, 2), Buffer.from([8]), Buffer.from('go1.21.5'), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04])]), addr: 0x500000 },
    ]);
    // Pointer format whose string header points outside every segment.
    const pointerHeader = header(8, 0);
    pointerHeader.writeBigUInt64LE(0x7777777n, 16);
    pointerHeader.writeBigUInt64LE(0x7777777n, 24);
    const wildPointer = buildElf([
      { name: '.text', data: Buffer.alloc(5000), addr: 0x401000, flags: 5 },
      { name: '.go.buildinfo', data: pointerHeader, addr: 0x500000 },
    ]);
    // Truncated: the section header table is cut off.
    const truncated = bogusLen.subarray(0, bogusLen.length - 40);
    const entries: TarEntry[] = [
      { path: 'bin/bogus-length', content: bogusLen, mode: 0o755 },
      { path: 'bin/wild-pointer', content: wildPointer, mode: 0o755 },
      { path: 'bin/truncated', content: truncated, mode: 0o755 },
      { path: 'bin/not-elf', content: Buffer.alloc(8192, 0x41), mode: 0o755 },
      { path: 'bin/script', content: `#!/bin/sh\n${'echo hi\n'.repeat(1000)}`, mode: 0o755 },
      { path: 'src/a/go.mod', content: 'module x\n\nrequire (\n\texample.com/ok v1.0.0\n\tbroken\n' },
      { path: 'src/b/go.sum', content: 'example.com/s v1.0.0 h1:x=\nlonely\n' },
    ];
    const doc = await inspect(await imageOf(entries, 'hostile'), { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual(doc.packages.map((p) => p.purl).sort(), ['pkg:golang/example.com/ok@v1.0.0', 'pkg:golang/example.com/s@v1.0.0']);
    const w = doc.warnings.join('\n');
    assert.match(w, /golang: could not analyze bin\/bogus-length: Go build info: module info claims 1073741824 bytes \(limit 4194304\)/);
    assert.match(w, /golang: could not analyze bin\/wild-pointer: Go build info: Go version string header at 0x7777777 is not in the file/);
    assert.match(w, /golang: could not analyze bin\/truncated: truncated ELF|golang: could not analyze bin\/truncated: ELF section header table/);
    assert.match(w, /src\/a\/go\.mod: line 5: malformed require entry/);
    assert.match(w, /src\/a\/go\.mod: unterminated require block/);
    assert.match(w, /src\/b\/go\.sum: line 2: malformed go\.sum line/);
    assert.doesNotMatch(w, /not-elf|script/);
  });
});
