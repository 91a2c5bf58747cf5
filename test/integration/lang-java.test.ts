/**
 * Java archives through the whole pipeline (source → layer walk → analyzers → merge):
 *   - every `java-pom-properties` case of ../shared/data/pkgdb zipped (with the real `zip` tool) into a jar inside a
 *     one-layer OCI image; every `java-manifest` case against the peer's parsed manifest and, zipped the same way,
 *     through an image; every `java-pom` case as a `dir:` scan (declared dependencies);
 *   - the jars Debian's liblog4j2-java and libjackson2-databind-java install, at their real paths, with the
 *     coordinates checked against the POMs Debian installs under /usr/share/maven-repo (read by Python's XML
 *     parser, not ours) and the SHA-1 against sha1sum; the same jars nested in a Spring Boot-style fat jar and a
 *     war built with `zip`, also behind a launcher script;
 *   - hostile archives: zip bombs, zip-slip names, nesting beyond the limit, a huge MANIFEST.MF, truncated archives,
 *     a central directory pointing outside the file: bounded time and memory, clear warnings, the rest reported.
 *
 * Convention (as for the other ecosystems): a peer entry marked `root` is the project itself, not a package.
 *
 * Needs the Debian packages zip, python3, liblog4j2-java and libjackson2-databind-java (see .ci/run); the tests fail,
 * not skip, without them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { PackageURL } from 'packageurl-js';
import type { Package } from '../../src/core/index.js';
import { analyzer as javaAnalyzer, parseManifest } from '../../src/analyzers/lang/java/index.js';
import { analyzer as releaseAnalyzer } from '../../src/analyzers/os/release/index.js';
import { inspect } from '../../src/scan/index.js';
import { type TarEntry, ociImageSource } from '../support/image-builder.js';
import { pkgdbCases, type ExpectedPackage } from '../support/pkgdb.js';
import { makeZip, type ZipWriterEntry } from '../support/zip-writer.js';

const ANALYZERS = [releaseAnalyzer, javaAnalyzer];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-java-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function imageOf(layers: TarEntry[][], name: string): Promise<string> {
  return ociImageSource(path.join(tmp, name), layers);
}

function need(cmd: string, args: string[], pkg: string): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch (e) {
    assert.fail(`${cmd} is needed for this test: apt-get install -y --no-install-recommends ${pkg} (${(e as Error).message})`);
  }
}

/** Zips a folder with the real Info-ZIP `zip` (like `jar`, it deflates; `-n .jar` stores nested jars as Spring Boot does). */
function zipDir(dir: string, out: string, extra: string[] = []): Buffer {
  need('zip', ['-v'], 'zip');
  execFileSync('zip', ['-q', '-r', '-X', ...extra, out, '.', '-x', 'expected.json'], { cwd: dir });
  return readFileSync(out);
}

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');
const mavenPurl = (g: string, a: string, v: string): string => new PackageURL('maven', g, a, v, undefined, undefined).toString();
const java = (doc: { packages: Package[] }): Package[] => doc.packages.filter((p) => p.type === 'maven');
const meta = (p: Package) => (p.metadata?.kind === 'java' ? p.metadata : assert.fail(`${p.name}: no java metadata`));

type Expected = ExpectedPackage & { groupId?: string; artifactId?: string; scope?: string; relationship?: string };

describe('pkgdb java-pom-properties cases: zipped into a jar inside an image', () => {
  for (const c of pkgdbCases('java-pom-properties')) {
    test(c.name, async () => {
      const jar = zipDir(c.dir, path.join(tmp, `${c.name}.jar`));
      const doc = await inspect(await imageOf([[{ path: 'app/lib/x.jar', content: jar }]], `props-${c.name}`), { cacheDir: false, analyzers: ANALYZERS });
      assert.deepEqual(doc.warnings, []);
      const ours = java(doc);
      const expected = c.expected.packages as Expected[];
      assert.deepEqual(ours.map((p) => `${p.name}@${p.version}`).sort(), expected.map((p) => `${p.name}@${p.version}`).sort());
      for (const exp of expected) {
        const p = ours.find((o) => o.name === exp.name)!;
        assert.equal(p.purl, mavenPurl(exp.groupId!, exp.artifactId!, exp.version));
        assert.deepEqual(p.locations, ['app/lib/x.jar']);
        assert.equal(p.evidence, 'installed');
        assert.equal(p.foundBy, 'java');
        assert.equal(p.layer?.index, 0);
        assert.deepEqual(meta(p), {
          kind: 'java',
          groupId: exp.groupId,
          artifactId: exp.artifactId,
          archive: 'app/lib/x.jar',
          sha1: sha1(jar),
          source: 'pom.properties',
        });
      }
    });
  }
});

/**
 * Where the manifest reader deliberately differs from Syft's, per case; asserted both ways (the corpus still says
 * `peer`, Tollgate says `tollgate`).
 */
const MANIFEST_INTENTIONAL: Record<string, { key: string; peer: string; tollgate: string; why: string }> = {
  'syft-manifest-leading-space': {
    key: 'Key-keykeykey',
    peer: 'initialconfig:com$    # aka not empty line',
    tollgate: 'initialconfig:com   $    # aka not empty line',
    why:
      'The continuation line is "    $    # aka …". The JAR specification (and java.util.jar.Attributes) removes ' +
      'exactly one leading space from a continuation; Syft trims them all. Trimming more corrupts real values that ' +
      'were folded at 72 bytes right before a space ("Apache" / "  Log4j" must read "Apache Log4j").',
  },
};

type ManifestExpectation = { main: [string, string][]; sections?: [string, string][][] };

describe('pkgdb java-manifest cases: the parsed manifest, and the jar through an image', () => {
  for (const c of pkgdbCases('java-manifest')) {
    test(c.name, async () => {
      const file = path.join(c.dir, 'META-INF', 'MANIFEST.MF');
      const expected = (c.expected as unknown as { manifest: ManifestExpectation }).manifest;
      const ours = parseManifest(readFileSync(file));
      const intentional = MANIFEST_INTENTIONAL[c.name];
      const peerMain = expected.main.map(([k, v]): [string, string] => {
        if (intentional && k === intentional.key) {
          assert.equal(v, intentional.peer, 'corpus changed: revisit the intentional difference');
          return [k, intentional.tollgate];
        }
        return [k, v];
      });
      assert.deepEqual(ours.main, peerMain);
      assert.deepEqual(ours.sections, expected.sections ?? []);

      // Through an image: the corpus asserts no package for these parser cases. Tollgate reads a package from a
      // manifest only with an artifactId and version: the standard-info case has both (token-like
      // Implementation-Title and -Version); its vendor "the-impl-vendor" does not look like a groupId, so the group
      // stays unknown (Trivy would use the vendor text as groupId). No other case has a version.
      const jar = zipDir(c.dir, path.join(tmp, `${c.name}.jar`));
      const doc = await inspect(await imageOf([[{ path: 'app/lib/x.jar', content: jar }]], `mf-${c.name}`), { cacheDir: false, analyzers: ANALYZERS });
      assert.deepEqual(doc.warnings, []);
      const pkgs = java(doc);
      if (c.name === 'syft-manifest-standard-info') {
        const title = expected.main.find(([k]) => k === 'Implementation-Title')![1];
        const version = expected.main.find(([k]) => k === 'Implementation-Version')![1];
        assert.deepEqual(
          pkgs.map((p) => [p.name, p.version, p.purl, meta(p).source, meta(p).groupId]),
          [[title, version, mavenPurl(title, title, version), 'manifest', '']],
        );
      } else {
        assert.deepEqual(pkgs, []);
      }
    });
  }
});

/** Peer entries Tollgate deliberately does not report, per case; asserted both ways. */
const POM_INTENTIONAL: Record<string, { missing: string[]; why: string }> = {
  'syft-example-java-app-maven': {
    missing: ['org.anchore:example-java-app-maven@0.1.0'],
    why:
      'The project the pom.xml describes is the application itself, not one of its dependencies (Trivy reports it ' +
      'as `root`, a relationship Tollgate does not list as a package, as for every other manifest and lockfile); ' +
      'a declared package for it would be matched against advisories of whatever shares its coordinates.',
  },
};

describe('pkgdb java-pom cases as dir: scans (declared)', () => {
  for (const c of pkgdbCases('java-pom')) {
    test(c.name, async () => {
      const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
      assert.deepEqual(doc.warnings, []);
      const ours = java(doc);
      const intentional = POM_INTENTIONAL[c.name];
      const expected = (c.expected.packages as Expected[]).filter((p) => {
        const k = `${p.name}@${p.version}`;
        if (intentional?.missing.includes(k)) {
          assert.ok(!ours.some((o) => `${o.name}@${o.version}` === k), `${k} not reported`);
          return false;
        }
        return p.relationship !== 'root';
      });
      for (const k of intentional?.missing ?? []) {
        assert.ok(c.expected.packages.some((p) => `${p.name}@${p.version}` === k), `corpus no longer lists ${k}: revisit`);
      }
      assert.deepEqual(ours.map((p) => `${p.name}@${p.version}`).sort(), expected.map((p) => `${p.name}@${p.version}`).sort());
      for (const exp of expected) {
        const p = ours.find((o) => o.name === exp.name)!;
        const [g, a] = exp.name.split(':') as [string, string];
        assert.equal(p.purl, exp.purl ?? mavenPurl(g, a, exp.version));
        assert.equal(p.evidence, 'declared');
        assert.equal(p.dev ?? false, exp.scope === 'test', `${exp.name} dev`);
        assert.deepEqual(p.locations, ['app/pom.xml']);
        assert.equal(meta(p).source, 'pom.xml');
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Real jars from Debian packages

const DEBIAN_PACKAGES = ['liblog4j2-java', 'libjackson2-databind-java'];

interface RealJar {
  /** Image path (no leading slash) of the regular file. */
  path: string;
  bytes: Buffer;
  g: string;
  a: string;
  v: string;
}

/** groupId/artifactId/version of each POM, read by Python's ElementTree (groupId/version inherited from <parent>). */
function readPoms(poms: string[]): { g: string; a: string; v: string }[] {
  need('python3', ['-c', 'pass'], 'python3');
  const script = `
import json, sys, xml.etree.ElementTree as ET
out = []
for f in sys.argv[1:]:
    root = ET.parse(f).getroot()
    ns = root.tag[:root.tag.index('}') + 1] if root.tag.startswith('{') else ''
    def text(el, name):
        c = el.find(ns + name) if el is not None else None
        return c.text.strip() if c is not None and c.text else None
    parent = root.find(ns + 'parent')
    out.append({'g': text(root, 'groupId') or text(parent, 'groupId'), 'a': text(root, 'artifactId'), 'v': text(root, 'version') or text(parent, 'version')})
print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', script, ...poms], { encoding: 'utf8' })) as { g: string; a: string; v: string }[];
}

/** The regular .jar files the packages install under /usr/share/java, each with the coordinates of its Debian POM. */
function debianJars(): RealJar[] {
  let listing: string;
  try {
    listing = execFileSync('dpkg', ['-L', ...DEBIAN_PACKAGES], { encoding: 'utf8' });
  } catch (e) {
    assert.fail(`apt-get install -y --no-install-recommends ${DEBIAN_PACKAGES.join(' ')} is needed (${(e as Error).message})`);
  }
  const files = listing.split('\n').filter(Boolean);
  const jars = files.filter((f) => f.startsWith('/usr/share/java/') && f.endsWith('.jar') && existsSync(f) && lstatSync(f).isFile());
  // Debian links each jar into its Maven repository as <group path>/<artifact>/<version>/<artifact>-<version>.jar,
  // next to the POM for that version. maven-repo-helper also adds alias versions: "debian" and, for some libraries,
  // a wildcard such as "2.x"; those are not the artifact's real version.
  const alias = (v: string) => v === 'debian' || /(^|\.)x$/.test(v);
  const repoLinks = files.filter((f) => f.startsWith('/usr/share/maven-repo/') && f.endsWith('.jar') && !alias(path.basename(path.dirname(f))));
  const pomOf = new Map<string, string>();
  for (const link of repoLinks) {
    if (!existsSync(link)) continue;
    const pom = link.replace(/\.jar$/, '.pom');
    if (existsSync(pom)) pomOf.set(realpathSync(link), pom);
  }
  const withPom = jars.filter((j) => pomOf.has(realpathSync(j)));
  const coords = readPoms(withPom.map((j) => pomOf.get(realpathSync(j))!));
  return withPom.map((j, i) => ({ path: j.slice(1), bytes: readFileSync(j), ...coords[i]! }));
}

describe('real jars installed by Debian packages (liblog4j2-java, libjackson2-databind-java)', () => {
  let jars: RealJar[];
  before(() => {
    jars = debianJars();
  });

  test('every jar at its real path: GAV as in Debian\'s POM, SHA-1 as sha1sum computes it', async () => {
    assert.ok(jars.length >= 8, `only ${jars.length} jars with a POM found`);
    for (const name of ['log4j-api', 'log4j-core', 'jackson-databind']) assert.ok(jars.some((j) => j.a === name), `${name} jar missing`);
    const entries: TarEntry[] = jars.map((j) => ({ path: j.path, content: j.bytes }));
    // The versioned symlinks Debian adds (log4j-api-2.19.0.jar -> log4j-api.jar) are not files: no second package.
    for (const f of execFileSync('dpkg', ['-L', ...DEBIAN_PACKAGES], { encoding: 'utf8' }).split('\n')) {
      if (f.startsWith('/usr/share/java/') && f.endsWith('.jar') && lstatSync(f).isSymbolicLink()) entries.push({ path: f.slice(1), type: 'symlink', target: readlinkSync(f) });
    }
    const doc = await inspect(await imageOf([entries], 'debian-jars'), { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual(doc.warnings, []);
    const ours = java(doc);
    const sums = new Map(
      execFileSync('sha1sum', jars.map((j) => `/${j.path}`), { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => [l.slice(42).trim().slice(1), l.slice(0, 40)]),
    );
    for (const j of jars) {
      const found = ours.filter((p) => p.locations[0] === j.path);
      assert.equal(found.length, 1, `${j.path}: ${found.map((p) => p.purl).join(', ')}`);
      const p = found[0]!;
      assert.equal(p.name, `${j.g}:${j.a}`, j.path);
      assert.equal(p.version, j.v, j.path);
      assert.equal(p.purl, mavenPurl(j.g, j.a, j.v));
      assert.equal(meta(p).sha1, sums.get(j.path), j.path);
      assert.equal(meta(p).source, 'pom.properties');
    }
    assert.equal(ours.length, jars.length);
  });

  test('the same jars nested in a Spring Boot fat jar (stored, with an embedded SBOM) and a war (deflated), built with zip', async () => {
    const api = jars.find((j) => j.a === 'log4j-api')!;
    const core = jars.find((j) => j.a === 'log4j-core')!;
    const databind = jars.find((j) => j.a === 'jackson-databind')!;
    const boot = path.join(tmp, 'boot');
    await mkdir(path.join(boot, 'BOOT-INF', 'lib'), { recursive: true });
    await mkdir(path.join(boot, 'META-INF', 'maven', 'com.example', 'demo'), { recursive: true });
    await mkdir(path.join(boot, 'META-INF', 'sbom'), { recursive: true });
    await writeFile(path.join(boot, 'META-INF', 'MANIFEST.MF'), 'Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.launch.JarLauncher\r\nSbom-Location: META-INF/sbom/application.cdx.json\r\n\r\n');
    await writeFile(path.join(boot, 'META-INF', 'maven', 'com.example', 'demo', 'pom.properties'), 'groupId=com.example\nartifactId=demo\nversion=0.0.1-SNAPSHOT\n');
    const libName = (j: RealJar) => `${j.a}-${j.v}.jar`;
    await cp(`/${api.path}`, path.join(boot, 'BOOT-INF', 'lib', libName(api)));
    await cp(`/${databind.path}`, path.join(boot, 'BOOT-INF', 'lib', libName(databind)));
    const sbom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      metadata: { component: { type: 'application', purl: 'pkg:maven/com.example/demo@0.0.1-SNAPSHOT?type=jar' } },
      components: [
        { type: 'library', purl: `${mavenPurl(api.g, api.a, api.v)}?type=jar` },
        { type: 'library', purl: `${mavenPurl(databind.g, databind.a, databind.v)}?type=jar` },
        { type: 'library', purl: 'pkg:maven/org.example/only-in-sbom@1.0?type=jar' },
      ],
    };
    await writeFile(path.join(boot, 'META-INF', 'sbom', 'application.cdx.json'), JSON.stringify(sbom));
    const fat = zipDir(boot, path.join(tmp, 'demo.jar'), ['-n', '.jar']);

    const web = path.join(tmp, 'web');
    await mkdir(path.join(web, 'WEB-INF', 'lib'), { recursive: true });
    await cp(`/${core.path}`, path.join(web, 'WEB-INF', 'lib', libName(core)));
    const war = zipDir(web, path.join(tmp, 'web.war'));

    // Executable jar: a launcher script in front, offsets left relative to the zip data (`cat script app.jar`).
    const exec = Buffer.concat([Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n'), fat]);

    const doc = await inspect(
      await imageOf(
        [
          [{ path: `${api.path}`, content: api.bytes }],
          [
            { path: 'app/demo.jar', content: fat },
            { path: 'srv/web.war', content: war },
            { path: 'usr/local/bin/demo', content: exec, mode: 0o755 },
            { path: 'usr/local/bin/demo.jar', content: exec },
          ],
        ],
        'fat-jars',
      ),
      { cacheDir: false, analyzers: ANALYZERS },
    );
    assert.deepEqual(doc.warnings, []);
    const ours = java(doc);
    const row = (p: Package) => [p.name, p.version, p.locations.join(','), meta(p).source, meta(p).sha1 ?? '-', p.layer?.index];
    const expected = (outer: string, outerBytes: Buffer) => [
      ['com.example:demo', '0.0.1-SNAPSHOT', outer, 'pom.properties', sha1(outerBytes), 1],
      // log4j-api is also installed on its own in layer 0: layer attribution is by g:a:v, so layer 0.
      [`${api.g}:${api.a}`, api.v, `${outer}!/BOOT-INF/lib/${libName(api)}`, 'pom.properties', sha1(api.bytes), 0],
      [`${databind.g}:${databind.a}`, databind.v, `${outer}!/BOOT-INF/lib/${libName(databind)}`, 'pom.properties', sha1(databind.bytes), 1],
      // Only the SBOM component no nested jar accounts for is added from the SBOM.
      ['org.example:only-in-sbom', '1.0', outer, 'embedded-sbom', '-', 1],
    ];
    const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(
      sorted(ours.filter((p) => p.locations[0]!.startsWith('app/demo.jar')).map(row)),
      sorted(expected('app/demo.jar', fat)),
    );
    assert.deepEqual(
      sorted(ours.filter((p) => p.locations[0]!.startsWith('usr/local/bin/demo.jar')).map(row)),
      sorted(expected('usr/local/bin/demo.jar', exec)),
    );
    assert.deepEqual(
      ours.filter((p) => p.locations[0]!.startsWith('srv/')).map(row),
      [[`${core.g}:${core.a}`, core.v, `srv/web.war!/WEB-INF/lib/${libName(core)}`, 'pom.properties', sha1(core.bytes), 1]],
    );
    // usr/local/bin/demo (no archive extension) is not read, as in Trivy and Syft.
    assert.ok(!ours.some((p) => p.locations[0]!.startsWith('usr/local/bin/demo!')));
    assert.ok(ours.some((p) => p.locations[0] === api.path && p.layer?.index === 0));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Hostile archives

const props = (g: string, a: string, v: string): ZipWriterEntry => ({
  name: `META-INF/maven/${g}/${a}/pom.properties`,
  content: `groupId=${g}\nartifactId=${a}\nversion=${v}\n`,
});

describe('hostile Java archives', () => {
  test('bombs, slip names, deep nesting, a huge manifest, truncation, a bad directory: warnings, and the rest reported', async () => {
    const good = makeZip([props('org.example', 'good', '1.0')]);
    // 50 MiB of zeros behind an entry declaring 100 bytes; and a nested jar declaring 2 GiB.
    const pomBomb = makeZip([{ name: 'META-INF/maven/g/bomb/pom.properties', content: Buffer.alloc(50 * 1024 * 1024), declaredSize: 100 }]);
    const nestedBomb = makeZip([
      props('g', 'carrier', '1'),
      { name: 'BOOT-INF/lib/huge.jar', content: 'x', raw: zlib.deflateRawSync(Buffer.alloc(1024 * 1024)), declaredSize: 0x7fffffff },
      { name: 'BOOT-INF/lib/liar.jar', content: Buffer.alloc(20 * 1024 * 1024), declaredSize: 1000 },
    ]);
    let deep = makeZip([props('g', 'level7', '1')]);
    for (let level = 6; level >= 0; level--) deep = makeZip([props('g', `level${level}`, '1'), { name: `lib/level${level + 1}.jar`, content: deep }]);
    const hugeManifest = makeZip([{ name: 'META-INF/MANIFEST.MF', content: `Manifest-Version: 1.0\n${'X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'.repeat(40_000)}` }]);
    const slip = makeZip([props('g', 'slip', '1'), { name: '../../../../etc/evil.jar', content: good }, { name: 'a/../../b.jar', content: good }]);
    const outside = makeZip([props('g', 'outside', '1')], { directoryOffset: 0x7ffffff0 });
    const truncated = good.subarray(0, Math.floor(good.length / 2));
    const entries: TarEntry[] = [
      { path: 'app/good-1.0.jar', content: good },
      { path: 'app/pom-bomb.jar', content: pomBomb },
      { path: 'app/nested-bomb.jar', content: nestedBomb },
      { path: 'app/deep.jar', content: deep },
      { path: 'app/huge-manifest-2.0.jar', content: hugeManifest },
      { path: 'app/slip.jar', content: slip },
      { path: 'app/outside.jar', content: outside },
      { path: 'app/truncated.jar', content: truncated },
      { path: 'app/text.war', content: 'not an archive' },
      { path: 'src/pom.xml', content: `<project>${'<!-- padding -->'.repeat(300_000)}</project>` },
      { path: 'src2/pom.xml', content: '<project><dependencies><dependency><groupId>a</groupId>' },
    ];
    const rssBefore = process.memoryUsage().rss;
    const t0 = Date.now();
    const doc = await inspect(await imageOf([entries], 'hostile'), { cacheDir: false, analyzers: ANALYZERS });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 15_000, `${elapsed} ms`);
    // Nothing near the 2 GiB the nested bomb declares, nor the inflated sizes, was held.
    assert.ok(process.memoryUsage().rss - rssBefore < 400 * 1024 * 1024);

    assert.deepEqual(
      java(doc).map((p) => `${p.name}@${p.version} ${p.locations[0]}`).sort(),
      [
        'g:carrier@1 app/nested-bomb.jar',
        'g:level0@1 app/deep.jar',
        'g:level1@1 app/deep.jar!/lib/level1.jar',
        'g:level2@1 app/deep.jar!/lib/level1.jar!/lib/level2.jar',
        'g:level3@1 app/deep.jar!/lib/level1.jar!/lib/level2.jar!/lib/level3.jar',
        'g:level4@1 app/deep.jar!/lib/level1.jar!/lib/level2.jar!/lib/level3.jar!/lib/level4.jar',
        'g:slip@1 app/slip.jar',
        // The manifest is not read, so the file name is all there is (no groupId).
        'huge-manifest@2.0 app/huge-manifest-2.0.jar',
        'org.example:good@1.0 app/good-1.0.jar',
      ].sort(),
    );
    const w = doc.warnings;
    const has = (re: RegExp) => assert.ok(w.some((x) => re.test(x)), `no warning matching ${re}:\n${w.join('\n')}`);
    has(/^app\/pom-bomb\.jar!\/META-INF\/maven\/g\/bomb\/pom\.properties: not read: inflates beyond its declared 100 bytes$/);
    has(/^app\/nested-bomb\.jar!\/BOOT-INF\/lib\/huge\.jar: not read: 2147483647 bytes, more than the 134217728-byte limit for nested archives$/);
    has(/^app\/nested-bomb\.jar!\/BOOT-INF\/lib\/liar\.jar: not read: inflates beyond its declared 1000 bytes$/);
    has(/^app\/deep\.jar(!\/lib\/level\d\.jar){4}: 1 nested archive not read: nesting deeper than 4 levels \(e\.g\. lib\/level5\.jar\)$/);
    has(/^app\/huge-manifest-2\.0\.jar!\/META-INF\/MANIFEST\.MF: not read: \d+ bytes uncompressed, more than the 1048576-byte limit$/);
    has(/^app\/slip\.jar: 2 entries with unsafe names ignored \(e\.g\. "\.\.\/\.\.\/\.\.\/\.\.\/etc\/evil\.jar"\)$/);
    has(/^java: could not analyze app\/outside\.jar: central directory offset \d+ points outside the archive/);
    has(/^java: could not analyze app\/truncated\.jar: not a zip archive \(no end of central directory record\)$/);
    has(/^java: could not analyze app\/text\.war: not a zip archive/);
    has(/^java: could not analyze src\/pom\.xml: \d+ bytes is more than the 4194304-byte limit for a pom\.xml$/);
    has(/^java: could not analyze src2\/pom\.xml: pom\.xml: <dependency> is not closed$/);
  });

  test('the overlapping-entry bomb: thousands of directory entries sharing one nested jar stop at the byte budget', async () => {
    const inner = makeZip([props('g', 'inner', '1'), { name: 'pad', content: Buffer.alloc(4 * 1024 * 1024, 7), method: 'store' }]);
    const entries: ZipWriterEntry[] = [{ name: 'lib/0.jar', content: inner, method: 'store' }];
    for (let i = 1; i < 5000; i++) entries.push({ name: `lib/${i}.jar`, content: inner, method: 'store', sameDataAs: 0 });
    const t0 = Date.now();
    const doc = await inspect(await imageOf([[{ path: 'app/overlap.jar', content: makeZip(entries) }]], 'overlap'), { cacheDir: false, analyzers: ANALYZERS });
    assert.ok(Date.now() - t0 < 20_000);
    // 1 GiB budget / 4 MiB per nested jar: a few hundred at most, not 5000.
    const n = java(doc).length;
    assert.ok(n > 100 && n < 300, `${n} packages`);
    assert.ok(doc.warnings.some((x) => /^app\/overlap\.jar(!\/lib\/\d+\.jar)?: stopped reading after 1073741824 bytes inflated or hashed \(archive budget\)/.test(x)), doc.warnings.join('\n'));
  });
});

test('pom.xml files inside exploded archives (META-INF/maven) are not read as projects', async () => {
  const dir = path.join(tmp, 'exploded');
  await mkdir(path.join(dir, 'webapps', 'ROOT', 'META-INF', 'maven', 'g', 'a'), { recursive: true });
  await writeFile(
    path.join(dir, 'webapps', 'ROOT', 'META-INF', 'maven', 'g', 'a', 'pom.xml'),
    '<project><dependencies><dependency><groupId>x</groupId><artifactId>y</artifactId><version>1</version></dependency></dependencies></project>',
  );
  await writeFile(path.join(dir, 'pom.xml'), await readFile(path.join(dir, 'webapps', 'ROOT', 'META-INF', 'maven', 'g', 'a', 'pom.xml')));
  const doc = await inspect(`dir:${dir}`, { cacheDir: false, analyzers: ANALYZERS });
  assert.deepEqual(java(doc).map((p) => `${p.purl} ${p.locations[0]}`), ['pkg:maven/x/y@1 pom.xml']);
});

test('entries for the layer walker are chosen without reading: required() on typical paths', () => {
  const yes = ['usr/share/java/a.jar', 'app.war', 'opt/x.EAR', 'var/jenkins_home/plugins/git.jpi', 'app/pom.xml', 'pom.xml'];
  const no = ['usr/lib/x.so', 'a.jar.sha1', 'usr/share/maven-repo/g/a/1/a-1.pom', 'app/mypom.xml', 'x/META-INF/maven/g/a/pom.xml', 'a.zip'];
  for (const p of yes) assert.ok(javaAnalyzer.required(p), p);
  for (const p of no) assert.ok(!javaAnalyzer.required(p), p);
});
