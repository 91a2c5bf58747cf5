import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError } from '../../../core/index.js';
import type { LockParse } from './lock-record.js';
import { parsePipfileLock } from './parse-pipfile-lock.js';
import { parsePoetryLock } from './parse-poetry-lock.js';
import { parsePyproject } from './parse-pyproject.js';
import { parseUvLock } from './parse-uv-lock.js';

/** name@version [dev] -> deps as name@version, for readable assertions. */
function view(parse: LockParse): string[] {
  const id = (i: number): string => `${parse.packages[i]!.name}@${parse.packages[i]!.version}`;
  return parse.packages.map((p, i) => `${id(i)}${p.dev ? ' dev' : ''}${p.deps ? ` -> ${p.deps.map(id).sort().join(',')}` : ''}`);
}

const b = (s: string): Buffer => Buffer.from(s);

describe('poetry.lock', () => {
  test('lock-version 1: category; dependencies by name (case and separators normalised)', () => {
    const lock = `
[[package]]
name = "Flask"
version = "1.0.3"
category = "main"
[package.dependencies]
Jinja2 = ">=2.10"
click = ">=5.1"
missing = "*"

[[package]]
name = "jinja2"
version = "3.1.5"
category = "main"

[[package]]
name = "click"
version = "8.1.8"
category = "main"

[[package]]
name = "pytest"
version = "5.4.3"
category = "dev"
[package.dependencies]
py = ">=1.5.0"

[[package]]
name = "py"
version = "1.11.0"
category = "dev"

[metadata]
lock-version = "1.1"
`;
    const parsed = parsePoetryLock(b(lock));
    assert.deepEqual(parsed.warnings, []);
    assert.deepEqual(view(parsed), ['Flask@1.0.3 -> click@8.1.8,jinja2@3.1.5', 'jinja2@3.1.5', 'click@8.1.8', 'pytest@5.4.3 dev -> py@1.11.0', 'py@1.11.0 dev']);
  });

  test('lock-version 2.1: groups; several versions of one name are all linked; bad entries warned', () => {
    const lock = `
[[package]]
name = "colorama"
version = "0.4.6"
groups = ["main", "dev"]

[[package]]
name = "numpy"
version = "1.26.4"
groups = ["dev"]

[[package]]
name = "numpy"
version = "2.0.0"
groups = ["dev"]

[[package]]
name = "tool"
version = "1"
groups = ["lint"]
[package.dependencies]
numpy = [{version = "<2", markers = "python_version < '3.9'"}, {version = ">=2", markers = "python_version >= '3.9'"}]

[[package]]
name = "noversion"
`;
    const parsed = parsePoetryLock(b(lock));
    assert.deepEqual(parsed.warnings, ['package 5 has no name or version; skipped']);
    assert.deepEqual(view(parsed), ['colorama@0.4.6', 'numpy@1.26.4 dev', 'numpy@2.0.0 dev', 'tool@1 dev -> numpy@1.26.4,numpy@2.0.0']);
  });

  test('invalid TOML is a typed error', () => {
    assert.throws(() => parsePoetryLock(b('[[package]\n')), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE');
  });
});

describe('pyproject.toml', () => {
  test('PEP 621 and Poetry runtime dependencies; Poetry groups, dev-dependencies and PEP 735 groups', () => {
    const toml = `
[project]
dependencies = ["Flask (==1.0.3)", "requests[socks]>=2 ; python_version > '3'"]
[project.optional-dependencies]
fast = ["uvloop"]
[tool.poetry.dependencies]
python = "^3.9"
Typing_Inspect = {version = "0.9.0", optional = true}
[tool.poetry.dev-dependencies]
black = "*"
[tool.poetry.group.lint.dependencies]
ruff = "0.8.3"
[tool.poetry.group.main.dependencies]
httpx = "*"
[dependency-groups]
test = ["pytest>=8", {include-group = "lint"}]
`;
    assert.deepEqual(parsePyproject(b(toml)), {
      main: ['flask', 'requests', 'uvloop', 'typing-inspect', 'httpx'],
      dev: ['black', 'ruff', 'pytest'],
    });
  });
});

describe('Pipfile.lock', () => {
  test('default and develop; unpinned and VCS entries skipped; a name in both is runtime', () => {
    const lock = JSON.stringify({
      _meta: { hash: { sha256: 'x' } },
      default: {
        requests: { version: '==2.21.0', hashes: ['sha256:x'] },
        mylib: { editable: true, path: '.' },
        gitdep: { git: 'https://example.org/x.git', ref: 'abc' },
        ranged: { version: '>=1.0' },
        six: { version: '==1.12.0' },
      },
      develop: {
        pytest: { version: '==8.0.0' },
        six: { version: '==1.12.0' },
      },
    });
    const parsed = parsePipfileLock(b(lock));
    assert.deepEqual(view(parsed), ['requests@2.21.0', 'six@1.12.0', 'pytest@8.0.0 dev']);
    assert.deepEqual(parsed.warnings, ['ranged: version ">=1.0" is not pinned; skipped']);
  });

  test('invalid JSON and non-objects are typed errors', () => {
    for (const input of ['{', '[]', 'null']) {
      assert.throws(() => parsePipfileLock(b(input)), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE');
    }
  });
});

describe('uv.lock', () => {
  // Written in the format uv 0.5+ produces (version = 1, revision = 2); the project is a virtual root.
  const lock = `
version = 1
revision = 2
requires-python = ">=3.12"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "requests" },
    { name = "numpy", version = "2.0.0", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version >= '3.13'" },
]

[package.optional-dependencies]
socks = [{ name = "pysocks" }]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
    { name = "requests" },
]

[[package]]
name = "lib"
version = "0.2.0"
source = { editable = "packages/lib" }
dependencies = [{ name = "idna" }]

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "idna" },
    { name = "urllib3" },
]

[[package]]
name = "idna"
version = "3.10"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "urllib3"
version = "2.2.3"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "2.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pysocks"
version = "1.7.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.4"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "pluggy" }]

[[package]]
name = "pluggy"
version = "1.5.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "stale"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
`;

  test('the project and workspace members are roots, not packages; dev = reachable only through dev-dependencies', () => {
    const parsed = parseUvLock(b(lock));
    assert.deepEqual(parsed.warnings, []);
    assert.deepEqual(view(parsed), [
      'requests@2.32.3 -> idna@3.10,urllib3@2.2.3',
      'idna@3.10',
      'urllib3@2.2.3',
      'numpy@1.26.4',
      'numpy@2.0.0',
      'pysocks@1.7.1',
      'pytest@8.3.4 dev -> pluggy@1.5.0',
      'pluggy@1.5.0 dev',
      'stale@1.0',
    ]);
  });

  test('without a root nothing is flagged dev', () => {
    const parsed = parseUvLock(b('version = 1\n[[package]]\nname = "a"\nversion = "1"\ndependencies = [{ name = "b" }]\n[[package]]\nname = "b"\nversion = "2"\n'));
    assert.deepEqual(view(parsed), ['a@1 -> b@2', 'b@2']);
  });
});
