import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError, type FileEntry } from '../../../core/index.js';
import { analyzer, nugetPurl, parseDepsJson, parsePackagesConfig, parsePackagesLock } from './index.js';

const file = (path: string, content: string | Buffer): FileEntry => {
  const b = typeof content === 'string' ? Buffer.from(content) : content;
  return { path, size: b.length, mode: 0o100644, content: b };
};
const malformed = (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE';

describe('parseDepsJson', () => {
  const deps = {
    runtimeTarget: { name: '.NETCoreApp,Version=v8.0/linux-x64' },
    targets: {
      '.NETCoreApp,Version=v8.0/linux-x64': {
        'App/1.0.0': { dependencies: { 'Lib.A': '1.0.0', 'runtimepack.Microsoft.NETCore.App.Runtime.linux-x64': '8.0.0' }, runtime: { 'App.dll': {} } },
        'Lib.A/1.0.0': { dependencies: { 'Lib.B': '2.0.0', 'Compile.Only': '1.0.0' }, runtime: { 'lib/Lib.A.dll': {} } },
        'Lib.B/2.0.0': { native: { 'runtimes/linux-x64/native/libb.so': {} } },
        'Compile.Only/1.0.0': { dependencies: {} },
        'runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0': { runtime: { 'System.Private.CoreLib.dll': {} } },
      },
    },
    libraries: {
      'App/1.0.0': { type: 'project', sha512: '' },
      'Lib.A/1.0.0': { type: 'package', sha512: 'sha512-AAAA' },
      'Lib.B/2.0.0': { type: 'Package', sha512: '' },
      'Compile.Only/1.0.0': { type: 'package' },
      'Not.In.Targets/3.0.0': { type: 'package' },
      'runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0': { type: 'runtimepack' },
      'Ref/1.0.0': { type: 'reference' },
      'no-slash': { type: 'package' },
    },
  };

  test('packages and runtime packs; not projects, references or compile-only libraries', () => {
    const r = parseDepsJson(JSON.stringify(deps));
    assert.deepEqual(
      r.packages.map((p) => [p.name, p.version, p.sha512 ?? '', p.dependencies.map((d) => `${d.name}@${d.version}`)]),
      [
        ['Lib.A', '1.0.0', 'AAAA', ['Lib.B@2.0.0']],
        ['Lib.B', '2.0.0', '', []],
        ['Not.In.Targets', '3.0.0', '', []],
        ['Microsoft.NETCore.App.Runtime.linux-x64', '8.0.0', '', []],
      ],
    );
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /no-slash/);
  });

  test('runtime target missing from targets: every package library, a warning', () => {
    const r = parseDepsJson(JSON.stringify({ ...deps, runtimeTarget: { name: '.NETCoreApp,Version=v5.0' } }));
    assert.ok(r.packages.some((p) => p.name === 'Compile.Only'));
    assert.ok(r.packages.every((p) => p.dependencies.length === 0));
    assert.match(r.warnings[0]!, /no "targets" section/);
  });

  test('no libraries: nothing; wrong types: MALFORMED_FILE', () => {
    assert.deepEqual(parseDepsJson('{"runtimeTarget":{"name":"x"}}').packages, []);
    assert.throws(() => parseDepsJson('{"libraries": []}'), malformed);
    assert.throws(() => parseDepsJson('[1]'), malformed);
    assert.throws(() => parseDepsJson('{'), malformed);
  });
});

describe('parsePackagesLock', () => {
  test('deduplicated across frameworks; Project entries skipped; dependencies resolved per framework', () => {
    const lock = {
      version: 2,
      dependencies: {
        'net8.0': {
          A: { type: 'Direct', requested: '[1.0.0, )', resolved: '1.0.0', contentHash: 'h1', dependencies: { b: '1.0.0', Proj: '1.0.0' } },
          B: { type: 'Transitive', resolved: '1.5.0', contentHash: 'h2' },
          Proj: { type: 'Project', dependencies: { A: '[1.0.0, )' } },
        },
        'net6.0': {
          A: { type: 'Direct', resolved: '1.0.0', contentHash: 'h1', dependencies: { C: '3.0.0' } },
          C: { type: 'CentralTransitive', resolved: '3.0.0' },
        },
        'net8.0/linux-x64': {},
      },
    };
    const r = parsePackagesLock(JSON.stringify(lock));
    assert.deepEqual(
      r.packages.map((p) => [p.name, p.version, p.sha512 ?? '', p.dependencies.map((d) => `${d.name}@${d.version}`)]),
      [
        ['A', '1.0.0', 'h1', ['B@1.5.0', 'C@3.0.0']],
        ['B', '1.5.0', 'h2', []],
        ['C', '3.0.0', '', []],
      ],
    );
    assert.deepEqual(r.warnings, []);
  });

  test('missing resolved version: warning; no dependencies object: MALFORMED_FILE', () => {
    const r = parsePackagesLock(JSON.stringify({ version: 1, dependencies: { 'net8.0': { A: { type: 'Direct' } }, bad: 3 } }));
    assert.deepEqual(r.packages, []);
    assert.equal(r.warnings.length, 2);
    assert.throws(() => parsePackagesLock('{"version":1}'), malformed);
  });
});

describe('parsePackagesConfig', () => {
  test('packages, developmentDependency, comments, entities, BOM, duplicates', () => {
    const xml = [
      '\ufeff<?xml version="1.0" encoding="utf-8"?>',
      '<!DOCTYPE packages [ <!ENTITY x "y"> ]>',
      '<packages>',
      '  <!-- <package id="Commented.Out" version="1.0.0" /> -->',
      "  <package id='Newtonsoft.Json' version=\"6.0.4\" targetFramework=\"net45\"/>",
      '  <package id="A&amp;B" version="1.0" developmentDependency="True" />',
      '  <package id="Newtonsoft.Json" version="6.0.4" />',
      '  <package version="1.0" />',
      '  <packageSource id="not.a.package" version="1" />',
      '</packages>',
    ].join('\n');
    const r = parsePackagesConfig(xml);
    assert.deepEqual(r.packages, [
      { name: 'Newtonsoft.Json', version: '6.0.4', dependencies: [] },
      { name: 'A&B', version: '1.0', dev: true, dependencies: [] },
    ]);
    assert.equal(r.warnings.length, 1);
  });

  test('UTF-16LE with BOM', () => {
    const xml = '<packages><package id="X" version="1.2.3" /></packages>';
    const b = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
    assert.deepEqual(parsePackagesConfig(b).packages.map((p) => p.name), ['X']);
  });

  test('not a packages.config, unterminated tag: MALFORMED_FILE', () => {
    assert.throws(() => parsePackagesConfig('<configuration><package id="x" version="1"/></configuration>'), malformed);
    assert.throws(() => parsePackagesConfig('<packages><package id="x'), malformed);
  });

  test('hostile: a 4 MB attribute name without "=" and 200k tags stay linear', () => {
    const t0 = Date.now();
    parsePackagesConfig(`<packages><package ${'a'.repeat(4_000_000)} /></packages>`);
    const many = parsePackagesConfig(`<packages>${'<package id="x" version="1"/>'.repeat(200_000)}</packages>`);
    assert.equal(many.packages.length, 1);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  });
});

describe('nuget analyzer', () => {
  test('required', () => {
    for (const p of ['app/MyApp.deps.json', 'usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json', 'src/packages.lock.json', 'packages.config'])
      assert.ok(analyzer.required(p), p);
    for (const p of ['app/MyApp.runtimeconfig.json', 'app/my.packages.lock.json', 'app/web.config', 'app/deps.json.bak']) assert.ok(!analyzer.required(p), p);
  });

  test('purl keeps the name case', () => {
    assert.equal(nugetPurl('Newtonsoft.Json', '13.0.1'), 'pkg:nuget/Newtonsoft.Json@13.0.1');
  });

  test('evidence and dependsOn', async () => {
    const lock = { version: 1, dependencies: { 'net8.0': { A: { type: 'Direct', resolved: '1.0.0', dependencies: { B: '1.0.0' } }, B: { type: 'Transitive', resolved: '1.0.0' } } } };
    const fact = (await analyzer.analyze(file('src/packages.lock.json', JSON.stringify(lock))))!;
    const cfg = (await analyzer.analyze(file('old/packages.config', '<packages><package id="T" version="1" developmentDependency="true"/></packages>')))!;
    const located = [
      { path: 'src/packages.lock.json', layer: 0, fact },
      { path: 'old/packages.config', layer: 0, fact: cfg },
    ];
    const out = analyzer.merge({ final: located, history: located });
    const a = out.packages!.find((p) => p.name === 'A')!;
    assert.deepEqual(a.dependsOn, ['pkg:nuget/B@1.0.0']);
    assert.equal(a.evidence, 'declared');
    assert.deepEqual(a.locations, ['src/packages.lock.json']);
    const t = out.packages!.find((p) => p.name === 'T')!;
    assert.equal(t.dev, true);
    assert.deepEqual(t.locations, ['old/packages.config']);
  });
});
