import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Located } from '../../analyzer.js';
import { analyzer, pypiPurl, type PythonFact } from './index.js';

describe('required', () => {
  const yes = [
    'usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA',
    'usr/local/lib/python3.11/site-packages/six-1.16.0.egg-info/PKG-INFO',
    'usr/lib/python3/dist-packages/six-1.16.0.egg-info',
    'opt/venv/lib/python3.12/site-packages/requests-2.32.3.dist-info/METADATA',
    'Python312/Lib/site-packages/pip-24.0.dist-info/METADATA',
    'usr/local/lib/python3.11/site-packages/dist-name/DIST-INFO/METADATA',
    'usr/local/lib/python3.11/site-packages/foo-1.0-py3.8.egg/EGG-INFO/PKG-INFO',
    'usr/lib/python3/dist-packages/requests-2.28.1.egg-info/requires.txt',
    'usr/local/lib/python3.11/site-packages/x-1.0.dist-info/direct_url.json',
    'app/requirements.txt',
    'requirements.txt',
    'app/dev-requirements.txt',
    'app/requirements-dev.txt',
    'app/requirements/base.txt',
    'app/poetry.lock',
    'poetry.lock',
    'srv/Pipfile.lock',
    'srv/uv.lock',
    'srv/pyproject.toml',
  ];
  const no = [
    'usr/share/doc/METADATA',
    'usr/lib/python3/dist-packages/foo/PKG-INFO',
    'usr/local/lib/python3.11/site-packages/x-1.0.dist-info/RECORD',
    'usr/local/lib/python3.11/site-packages/x-1.0.dist-info/top_level.txt',
    'usr/local/lib/python3.11/site-packages/x/requirements.txt',
    'usr/local/lib/python3.11/site-packages/x/poetry.lock',
    'app/notes.txt',
    'app/myrequirements/base.txt',
    'app/my-poetry.lock',
    'app/xuv.lock',
    'app/Cargo.lock',
    'app/direct_url.json',
    'etc/os-release',
  ];
  for (const p of yes) test(`yes ${p}`, () => assert.equal(analyzer.required(p), true));
  for (const p of no) test(`no ${p}`, () => assert.equal(analyzer.required(p), false));
});

describe('analyzer contract', () => {
  test('id, kind, coverage', () => {
    assert.equal(analyzer.id, 'python');
    assert.equal(analyzer.kind, 'lang-pkg');
    assert.ok(analyzer.coverage.some((c) => c.evidence === 'installed'));
    assert.ok(analyzer.coverage.some((c) => c.evidence === 'declared'));
  });

  test('purl: PEP 503 name, vcs_url qualifier', () => {
    assert.equal(pypiPurl('Typing_Extensions', '4.4.0'), 'pkg:pypi/typing-extensions@4.4.0');
    assert.equal(pypiPurl('zope.interface', '6.0'), 'pkg:pypi/zope-interface@6.0');
    assert.equal(pypiPurl('a', '1', 'git+https://h/x.git@abc'), 'pkg:pypi/a@1?vcs_url=git%2Bhttps%3A%2F%2Fh%2Fx.git%40abc');
  });
});

function analyze(path: string, content: string): PythonFact {
  const fact = analyzer.analyze({ path, content: Buffer.from(content), size: content.length, mode: 0o644 });
  assert.ok(fact && !(fact instanceof Promise), `${path} yields a fact`);
  return fact;
}

describe('merge', () => {
  const site = 'usr/lib/python3/dist-packages';
  const venv = 'opt/venv/lib/python3.12/site-packages';

  test('requirements resolve within one site-packages; requires.txt for egg-info; direct_url.json; layers', () => {
    const facts: Located<PythonFact>[] = [
      { path: `${site}/Requests-2.28.1.egg-info/PKG-INFO`, layer: 1, fact: analyze(`${site}/Requests-2.28.1.egg-info/PKG-INFO`, 'Name: Requests\nVersion: 2.28.1\n') },
      { path: `${site}/Requests-2.28.1.egg-info/requires.txt`, layer: 1, fact: analyze(`${site}/Requests-2.28.1.egg-info/requires.txt`, 'urllib3<1.27\nidna\n[socks]\nPySocks\n') },
      { path: `${site}/urllib3-1.26.12.egg-info`, layer: 0, fact: analyze(`${site}/urllib3-1.26.12.egg-info`, 'Name: urllib3\nVersion: 1.26.12\n') },
      { path: `${site}/PySocks-1.7.1.dist-info/METADATA`, layer: 0, fact: analyze(`${site}/PySocks-1.7.1.dist-info/METADATA`, 'Name: PySocks\nVersion: 1.7.1\n') },
      // An unzipped egg beside them: its requirements resolve in the same directory.
      { path: `${site}/egg-1.0-py3.11.egg/EGG-INFO/PKG-INFO`, layer: 0, fact: analyze(`${site}/egg-1.0-py3.11.egg/EGG-INFO/PKG-INFO`, 'Name: egg\nVersion: 1.0\nRequires-Dist: pysocks\n') },
      // Another environment: its idna does not satisfy the system requests.
      { path: `${venv}/idna-3.10.dist-info/METADATA`, layer: 2, fact: analyze(`${venv}/idna-3.10.dist-info/METADATA`, 'Name: idna\nVersion: 3.10\n') },
      { path: `${venv}/app-1.0.dist-info/METADATA`, layer: 2, fact: analyze(`${venv}/app-1.0.dist-info/METADATA`, 'Name: app\nVersion: 1.0\nRequires-Dist: IDNA\n') },
      { path: `${venv}/app-1.0.dist-info/direct_url.json`, layer: 2, fact: analyze(`${venv}/app-1.0.dist-info/direct_url.json`, '{"url": "https://h/app.git", "vcs_info": {"vcs": "git", "commit_id": "abc"}}') },
    ];
    // The same urllib3 metadata was already in layer 0; the final view has it from a later layer too.
    const history = [...facts, { ...facts[2]!, layer: 3 }];
    const out = analyzer.merge({ final: facts, history });
    assert.deepEqual(out.warnings, undefined);
    const rows = (out.packages ?? []).map((p) => [p.name, p.purl, p.layer, p.dependsOn ?? [], p.evidence]);
    assert.deepEqual(rows.sort(), [
      ['app', 'pkg:pypi/app@1.0?vcs_url=git%2Bhttps%3A%2F%2Fh%2Fapp.git%40abc', 2, ['pkg:pypi/idna@3.10'], 'installed'],
      ['egg', 'pkg:pypi/egg@1.0', 0, ['pkg:pypi/pysocks@1.7.1'], 'installed'],
      ['idna', 'pkg:pypi/idna@3.10', 2, [], 'installed'],
      ['pysocks', 'pkg:pypi/pysocks@1.7.1', 0, [], 'installed'],
      ['requests', 'pkg:pypi/requests@2.28.1', 1, ['pkg:pypi/urllib3@1.26.12'], 'installed'],
      ['urllib3', 'pkg:pypi/urllib3@1.26.12', 0, [], 'installed'],
    ]);
    assert.deepEqual(out.packages!.find((p) => p.name === 'requests')!.metadata, { kind: 'python', declaredName: 'Requests' });
  });

  test('poetry.lock: a pyproject.toml in the same directory decides dev; elsewhere the lock\'s own flags', () => {
    const lock = '[[package]]\nname = "flask"\nversion = "1"\n[package.dependencies]\nclick = "*"\n[[package]]\nname = "click"\nversion = "8"\n[[package]]\nname = "pytest"\nversion = "8"\n';
    const facts: Located<PythonFact>[] = [
      { path: 'a/poetry.lock', layer: 0, fact: analyze('a/poetry.lock', lock) },
      { path: 'a/pyproject.toml', layer: 0, fact: analyze('a/pyproject.toml', '[tool.poetry.dependencies]\npython = "^3.9"\nFlask = "*"\n[tool.poetry.group.dev.dependencies]\npytest = "*"\n') },
      { path: 'b/poetry.lock', layer: 0, fact: analyze('b/poetry.lock', lock) },
    ];
    const out = analyzer.merge({ final: facts, history: facts });
    const rows = (out.packages ?? []).map((p) => `${p.locations[0]} ${p.name}${p.dev ? ' dev' : ''}${p.dependsOn ? ` -> ${p.dependsOn.join(',')}` : ''}`);
    assert.deepEqual(rows, [
      'a/poetry.lock flask -> pkg:pypi/click@8',
      'a/poetry.lock click',
      'a/poetry.lock pytest dev',
      'b/poetry.lock flask -> pkg:pypi/click@8',
      'b/poetry.lock click',
      'b/poetry.lock pytest',
    ]);
    for (const p of out.packages ?? []) assert.equal(p.evidence, 'declared');
  });
});
