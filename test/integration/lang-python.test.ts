/**
 * Python packages through the whole pipeline (source → layer walk → analyzers → merge):
 *   - every `python-dist-info` case of ../shared/data/pkgdb as a one-layer OCI image (installed), every
 *     `python-requirements`, `python-poetry` and `python-pipenv` case as a `dir:` scan (declared), compared with the
 *     peer's expected.json; intentional differences are listed below and asserted both ways;
 *   - the distributions Debian's python3-* packages install under /usr/lib/python3/dist-packages, put into an
 *     image layer at their real paths and checked against Python's own `importlib.metadata` (names, versions and
 *     unconditional requirements). Needs the apt packages python3, python3-yaml and python3-requests;
 *   - hostile inputs: huge headers, missing fields, invalid TOML/JSON, binary garbage, deep nesting.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Package } from '../../src/core/index.js';
import { analyzer as pythonAnalyzer } from '../../src/analyzers/lang/python/index.js';
import { analyzer as releaseAnalyzer } from '../../src/analyzers/os/release/index.js';
import { inspect } from '../../src/scan/index.js';
import { entriesFromDir, type TarEntry, ociImageSource } from '../support/image-builder.js';
import { pkgdbCases, type ExpectedPackage } from '../support/pkgdb.js';

const ANALYZERS = [releaseAnalyzer, pythonAnalyzer];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-python-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function imageOf(entries: TarEntry[], name: string): Promise<string> {
  return ociImageSource(path.join(tmp, name), [entries]);
}

type Expected = ExpectedPackage & { dev?: boolean; relationship?: string };

/**
 * PEP 503 normalisation, written here independently of the code under test. Tollgate's `name` is the normalised
 * name (as Syft reports it and as the pypi purl requires); Trivy keeps METADATA's / the lockfile's spelling, which
 * Tollgate keeps in metadata.declaredName. So Trivy names are compared after normalisation, and with declaredName
 * exactly.
 */
const pep503 = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/**
 * The peers' license strings and the SPDX id Tollgate reports for the same declaration (trove classifiers and
 * common License: spellings that name exactly one SPDX license). Peer strings not listed must match exactly.
 */
const SAME_LICENSE: Record<string, string> = {
  'MIT License': 'MIT',
  'Apache 2.0': 'Apache-2.0',
  'Python Software Foundation License': 'PSF-2.0',
  'Eclipse Public License v2.0': 'EPL-2.0',
  'GNU General Public License v2 or later (GPLv2+)': 'GPL-2.0-or-later',
  'GNU Lesser General Public License v2 or later (LGPLv2+)': 'LGPL-2.0-or-later',
  'Mozilla Public License 1.1 (MPL 1.1)': 'MPL-1.1',
};

/** Per case and package name (as the peer writes it): where Tollgate's licenses deliberately differ. */
const INTENTIONAL_LICENSES: Record<string, Record<string, { peer: string[]; tollgate: string[]; why: string }>> = {
  'syft-site-packages-license': {
    pygments: {
      peer: ['BSD-3-Clause'],
      tollgate: ['BSD License'],
      why:
        'Syft classifies the text of the LICENSE.txt file in the dist-info directory. Tollgate reports what the metadata ' +
        'declares (the classifier "License :: OSI Approved :: BSD License", which names no particular BSD license) and ' +
        'does not guess licenses from license texts.',
    },
  },
  'trivy-an-license-file-dist': {
    typing_extensions: {
      peer: ['BeOpen', 'CNRI-Python-GPL-Compatible', 'LicenseRef-MIT-Lucent', 'Python-2.0'],
      tollgate: [],
      why: 'METADATA declares no license, only License-File; Trivy classifies that file\'s text (not in the fixture here). Tollgate does not read license texts.',
    },
  },
  'trivy-networkx-3.0.metadata': {
    networkx: {
      peer: ['file://LICENSE.txt'],
      tollgate: [],
      why: 'A License-File reference is a path, not a license; Trivy reports it as "file://…" for its license scanner to resolve later.',
    },
  },
  'trivy-setuptools-51.3.3-py3.8.egg-info.pkg-info': {
    setuptools: {
      peer: ['UNKNOWN'],
      tollgate: [],
      why: '"UNKNOWN" is what setuptools writes when no license was declared: it is the absence of a license, not a license name.',
    },
  },
  'trivy-unidecode-egg-info.pkg-info': {
    Unidecode: { peer: ['UNKNOWN'], tollgate: [], why: 'as for setuptools: "UNKNOWN" is setuptools\' placeholder for no license' },
  },
};

/** Packages Tollgate reports that the peer does not (asserted absent from the corpus, and present with the flags given). */
const INTENTIONAL_EXTRA: Record<string, { packages: { name: string; version: string; dev: boolean }[]; why: string }> = {
  'syft-pipfile-lock': {
    packages: [
      { name: 'astroid', version: '2.5.2', dev: true },
      { name: 'autopep8', version: '1.5.6', dev: true },
    ],
    why:
      'The lockfile\'s "develop" section. Syft reads only "default"; Tollgate reports development dependencies flagged ' +
      '`dev` (as for every other lockfile), so that policies can choose to ignore them rather than never see them.',
  },
};

const key = (name: string, version: string): string => `${name}@${version}`;

/** purls compared as the purl spec compares them: Syft percent-encodes "+" in versions, packageurl-js does not. */
function samePurl(ours: string, theirs: string): boolean {
  return ours === theirs || decodeURIComponent(ours) === decodeURIComponent(theirs);
}

function checkCase(caseName: string, kind: string, complete: boolean, expected: Expected[], ours: Package[]): void {
  const trivy = caseName.startsWith('trivy-');
  const wanted = expected.map((p) => key(pep503(p.name), p.version));
  for (const extra of INTENTIONAL_EXTRA[caseName]?.packages ?? []) {
    assert.ok(!wanted.includes(key(extra.name, extra.version)), `corpus now lists ${extra.name}: revisit the intentional difference`);
    wanted.push(key(extra.name, extra.version));
    const p = ours.find((o) => o.name === extra.name && o.version === extra.version);
    assert.equal(p?.dev ?? false, extra.dev, `${extra.name} dev`);
  }
  const got = ours.map((p) => key(p.name, p.version));
  if (complete) assert.deepEqual([...got].sort(), [...wanted].sort());
  else for (const k of wanted) assert.ok(got.includes(k), `missing ${k}`);

  for (const exp of expected) {
    // Two packages may share name and version (two dist-info directories of the same distribution): match by index.
    const candidates = ours.filter((p) => p.name === pep503(exp.name) && p.version === exp.version);
    assert.ok(candidates.length > 0, `${exp.name}@${exp.version} reported`);
    for (const p of candidates) {
      assert.equal(p.type, 'pypi');
      assert.equal(p.metadata?.kind, 'python');
      // Trivy keeps the name as written; Syft normalises it (so it equals our name, checked above).
      if (trivy && p.metadata?.kind === 'python') assert.equal(p.metadata.declaredName, exp.name, 'declared name kept as written');
      if (exp.purl) assert.ok(samePurl(p.purl, exp.purl), `purl ${p.purl} vs ${exp.purl}`);
      else assert.equal(p.purl, `pkg:pypi/${pep503(exp.name)}@${exp.version}`);

      const intentional = INTENTIONAL_LICENSES[caseName]?.[exp.name];
      if (intentional) {
        assert.deepEqual(exp.licenses ?? [], intentional.peer, 'corpus changed: revisit the intentional difference');
        assert.deepEqual(p.licenses, intentional.tollgate);
      } else {
        assert.deepEqual(
          [...p.licenses].sort(),
          (exp.licenses ?? []).map((l) => SAME_LICENSE[l] ?? l).sort(),
          `${exp.name} licenses`,
        );
      }
      // Trivy's test asserts Dev for every package of these kinds (absent = false); Syft's asserts nothing about it.
      if (trivy && kind !== 'python-dist-info') assert.equal(p.dev ?? false, exp.dev ?? false, `${exp.name} dev`);
    }
  }
  for (const p of ours) {
    assert.equal(p.evidence, kind === 'python-dist-info' ? 'installed' : 'declared');
    for (const d of p.dependsOn ?? []) assert.ok(ours.some((o) => o.purl === d), `${p.name} → ${d} resolves`);
  }
}

/** The one file each case holds for the analyzer (image path). */
function evidenceFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (r === 'expected.json') continue;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...evidenceFiles(dir, r));
    else out.push(r);
  }
  return out;
}

describe('pkgdb python-dist-info cases as image layers (installed)', () => {
  for (const c of pkgdbCases('python-dist-info')) {
    test(c.name, async () => {
      const doc = await inspect(await imageOf(await entriesFromDir(c.dir), c.name), { cacheDir: false, analyzers: ANALYZERS });
      assert.deepEqual(doc.warnings, []);
      const ours = doc.packages.filter((p) => p.type === 'pypi');
      checkCase(c.name, c.kind, c.expected.complete, c.expected.packages as Expected[], ours);
      const metadataFiles = evidenceFiles(c.dir).filter((f) => /(?:dist-info\/METADATA|egg-info\/PKG-INFO|\.egg-info)$/i.test(f));
      assert.deepEqual(ours.flatMap((p) => p.locations).sort(), metadataFiles.sort(), 'one package per metadata file, located there');
      for (const p of ours) assert.equal(p.layer?.index, 0);
    });
  }

  test('metadata fields: summary, author, requires-python, and dependsOn within the same site-packages', async () => {
    const c = pkgdbCases('python-dist-info').find((x) => x.name === 'syft-site-packages-nested')!;
    const doc = await inspect(await imageOf(await entriesFromDir(c.dir), 'nested-fields'), { cacheDir: false, analyzers: ANALYZERS });
    const requests = doc.packages.find((p) => p.name === 'requests')!;
    assert.deepEqual(requests.metadata, {
      kind: 'python',
      declaredName: 'requests',
      summary: 'Python HTTP for Humans.',
      author: 'Kenneth Reitz',
      requiresPython: '>=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*',
    });
    // Pygments requires soupsieve (absent from the image) and html5lib/lxml only for extras: no edges.
    assert.equal(doc.packages.find((p) => p.name === 'pygments')!.dependsOn, undefined);
  });
});

describe('pkgdb python lockfile cases as dir: scans (declared)', () => {
  for (const kind of ['python-requirements', 'python-poetry', 'python-pipenv']) {
    for (const c of pkgdbCases(kind)) {
      test(`${kind}/${c.name}`, async () => {
        const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
        assert.deepEqual(doc.warnings, []);
        const ours = doc.packages.filter((p) => p.type === 'pypi');
        checkCase(c.name, kind, c.expected.complete, c.expected.packages as Expected[], ours);
        const lock = evidenceFiles(c.dir).find((f) => !f.endsWith('pyproject.toml'))!;
        for (const p of ours) assert.deepEqual(p.locations, [lock]);
      });
    }
  }

  test("poetry: dependsOn follows [package.dependencies]; every package Trivy calls indirect is reached from a direct one", async () => {
    for (const name of ['trivy-an-happy', 'trivy-an-happy-v2', 'trivy-an-with-groups']) {
      const c = pkgdbCases('python-poetry').find((x) => x.name === name)!;
      const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
      const byPurl = new Map(doc.packages.map((p) => [p.purl, p]));
      const expected = c.expected.packages as Expected[];
      const reached = new Set<string>();
      const stack = expected.filter((p) => p.relationship === 'direct').map((p) => `pkg:pypi/${pep503(p.name)}@${p.version}`);
      while (stack.length) {
        const purl = stack.pop()!;
        if (reached.has(purl)) continue;
        reached.add(purl);
        stack.push(...(byPurl.get(purl)?.dependsOn ?? []));
      }
      for (const p of expected.filter((e) => e.relationship === 'indirect')) {
        assert.ok(reached.has(`pkg:pypi/${pep503(p.name)}@${p.version}`), `${name}: ${p.name} reached`);
      }
    }
    const c = pkgdbCases('python-poetry').find((x) => x.name === 'trivy-an-happy')!;
    const doc = await inspect(`dir:${c.dir}`, { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual([...(doc.packages.find((p) => p.name === 'requests')!.dependsOn ?? [])].sort(), [
      'pkg:pypi/certifi@2022.12.7',
      'pkg:pypi/charset-normalizer@2.1.1',
      'pkg:pypi/idna@3.4',
      'pkg:pypi/urllib3@1.26.14',
    ]);
  });
});

/** Python's own view of a directory of distributions. */
interface PyDist {
  name: string;
  version: string;
  /** Directory (or single .egg-info file) name under the path. */
  path: string;
  /** Unconditional requirements (no `extra` marker), normalised. */
  requires: string[];
}

const IMPORTLIB_SCRIPT = `
import importlib.metadata as m, json, re, sys
out = []
for d in m.distributions(path=[sys.argv[1]]):
    reqs = []
    for r in d.requires or []:
        marker = r.split(';', 1)[1] if ';' in r else ''
        if re.search(r'\\bextra\\b', marker):
            continue
        name = re.match(r'\\s*([A-Za-z0-9][A-Za-z0-9._-]*)', r)
        if name:
            reqs.append(re.sub(r'[-_.]+', '-', name.group(1)).lower())
    out.append({'name': d.metadata['Name'], 'version': d.version, 'path': str(d._path).rsplit('/', 1)[-1], 'requires': sorted(set(reqs))})
print(json.dumps(out))
`;

describe('real distributions installed by Debian packages (python3-yaml, python3-requests and their dependencies)', () => {
  const site = '/usr/lib/python3/dist-packages';
  test('every distribution importlib.metadata finds in dist-packages, with its version and requirements', async () => {
    let py: PyDist[];
    try {
      py = JSON.parse(execFileSync('python3', ['-c', IMPORTLIB_SCRIPT, site], { encoding: 'utf8' })) as PyDist[];
    } catch (e) {
      assert.fail(`python3 is needed for this test: apt-get install -y --no-install-recommends python3 python3-yaml python3-requests (${(e as Error).message})`);
    }
    for (const needed of ['PyYAML', 'requests', 'urllib3']) {
      assert.ok(
        py.some((d) => d.name === needed),
        `${needed} is not installed in ${site}: apt-get install -y --no-install-recommends python3-yaml python3-requests`,
      );
    }
    // Every metadata directory / file at its real path (all files of the directory, as the package installed them).
    const entries: TarEntry[] = [];
    for (const name of readdirSync(site).sort()) {
      if (!/\.(?:dist|egg)-info$/.test(name)) continue;
      const abs = path.join(site, name);
      const image = `${site.slice(1)}/${name}`;
      if (statSync(abs).isDirectory()) entries.push(...(await entriesFromDir(abs, `${image}/`, [])));
      else entries.push({ path: image, content: await readFile(abs) });
    }
    const doc = await inspect(await imageOf(entries, 'debian-dist-packages'), { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual(doc.warnings, []);
    const ours = doc.packages.filter((p) => p.type === 'pypi');
    // One package per distribution importlib finds (Debian ships cryptography twice: a .dist-info and an unversioned .egg-info).
    assert.deepEqual(
      ours.map((p) => `${p.locations[0]!.split('/')[4]} ${p.name}@${p.version}`).sort(),
      py.map((d) => `${d.path} ${pep503(d.name)}@${d.version}`).sort(),
    );
    const purlsByName = new Map<string, string[]>();
    for (const p of ours) purlsByName.set(p.name, [...(purlsByName.get(p.name) ?? []), p.purl]);
    for (const d of py) {
      const p = ours.find((o) => o.locations[0]!.split('/')[4] === d.path)!;
      assert.equal(p.metadata?.kind === 'python' && p.metadata.declaredName, d.name);
      assert.equal(p.evidence, 'installed');
      // dependsOn = the unconditional requirements that are installed beside it, as importlib reads them
      // (Requires-Dist of METADATA / PKG-INFO, else the egg-info's requires.txt).
      const expectedDeps = d.requires.flatMap((r) => purlsByName.get(r) ?? []).filter((x) => x !== p.purl);
      assert.deepEqual([...(p.dependsOn ?? [])].sort(), [...new Set(expectedDeps)].sort(), `${d.name} dependsOn`);
    }
    assert.ok(existsSync(path.join(site, 'requests')), 'python3-requests installs the requests module');
  });
});

describe('hostile Python inputs', () => {
  test('bad files become warnings; good files in the same image are still reported', async () => {
    const sp = 'usr/lib/python3.11/site-packages';
    const hugeHeaders = Buffer.concat([Buffer.from('Metadata-Version: 2.1\nName: huge\nVersion: 1.0\n'), Buffer.alloc(2 * 1024 * 1024, 'Classifier: x\n')]);
    const hugeBody = Buffer.concat([Buffer.from('Metadata-Version: 2.1\nName: big-body\nVersion: 2.0\nLicense: MIT\n\n'), Buffer.alloc(8 * 1024 * 1024, 'description ')]);
    const deepToml = `[[package]]\nname = "x"\nversion = "1"\nextra = ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const entries: TarEntry[] = [
      { path: `${sp}/huge-1.0.dist-info/METADATA`, content: hugeHeaders },
      { path: `${sp}/big_body-2.0.dist-info/METADATA`, content: hugeBody },
      { path: `${sp}/noversion-1.0.dist-info/METADATA`, content: 'Metadata-Version: 2.1\nName: noversion\n' },
      { path: `${sp}/binary-1.0.dist-info/METADATA`, content: Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 10, 0]) },
      { path: `${sp}/good-1.0.dist-info/METADATA`, content: 'Metadata-Version: 2.1\nName: Good_Pkg\nVersion: 1.0\nRequires-Dist: big-body (>=1)\n' },
      { path: 'src/a/poetry.lock', content: '[[package]]\nname = "x"\nversion = ' },
      { path: 'src/b/poetry.lock', content: deepToml },
      { path: 'src/c/Pipfile.lock', content: '{"default": ' },
      { path: 'src/d/uv.lock', content: Buffer.from([0xff, 0xfe, 0x00, 0xd8]) },
      { path: 'src/e/requirements.txt', content: Buffer.concat([Buffer.alloc(256 * 1024, 'a\\\n'), Buffer.from('\nok==1.0\n')]) },
      { path: 'src/f/pyproject.toml', content: 'this is not toml' },
      { path: 'src/g/Pipfile.lock', content: '{"default": {"a": {"version": ">=1"}, "b": 7, "c": {"version": "==2.0"}}, "develop": []}' },
    ];
    const doc = await inspect(await imageOf(entries, 'hostile'), { cacheDir: false, analyzers: ANALYZERS });
    assert.deepEqual(doc.packages.map((p) => `${p.name}@${p.version}`).sort(), ['big-body@2.0', 'c@2.0', 'good-pkg@1.0', 'huge@1.0', 'ok@1.0']);
    const good = doc.packages.find((p) => p.name === 'good-pkg')!;
    assert.deepEqual(good.dependsOn, ['pkg:pypi/big-body@2.0']);
    assert.deepEqual(doc.packages.find((p) => p.name === 'big-body')!.licenses, ['MIT']);
    const w = doc.warnings.join('\n');
    assert.match(w, /huge-1\.0\.dist-info\/METADATA: metadata headers exceed 1048576 bytes/);
    assert.match(w, /could not analyze .*noversion-1\.0\.dist-info\/METADATA: Python metadata without a Version field/);
    assert.match(w, /could not analyze .*binary-1\.0\.dist-info\/METADATA: Python metadata without a Name field/);
    assert.match(w, /could not analyze src\/a\/poetry\.lock: poetry\.lock is not valid TOML/);
    assert.match(w, /could not analyze src\/b\/poetry\.lock: poetry\.lock is not valid TOML/);
    assert.match(w, /could not analyze src\/c\/Pipfile\.lock: Pipfile\.lock is not valid JSON/);
    assert.match(w, /could not analyze src\/d\/uv\.lock: uv\.lock is not valid TOML/);
    assert.match(w, /could not analyze src\/f\/pyproject\.toml: pyproject\.toml is not valid TOML/);
    assert.match(w, /src\/g\/Pipfile\.lock: a: version ">=1" is not pinned; skipped/);
    assert.match(w, /src\/g\/Pipfile\.lock: "develop" is not an object; skipped/);
  });
});
