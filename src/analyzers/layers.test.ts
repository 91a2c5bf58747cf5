import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Analyzer } from './analyzer.js';
import { LayerCollector, mergeLayers } from './layers.js';

/** A stand-in analyzer: it reads `*.db` files, fails on ones that say "corrupt", and is limited to 10 bytes. */
const fake: Analyzer<string> = {
  id: 'fake',
  version: 1,
  kind: 'os-pkg',
  maxFileSize: 10,
  coverage: [],
  required: (p) => p.endsWith('.db'),
  analyze: (f) => {
    const text = f.content.toString();
    if (text === 'corrupt') throw new Error('bad magic');
    return text;
  },
  merge: ({ final }) => ({ packages: final.map((l) => ({ type: 'generic', name: l.fact, version: '1', purl: `pkg:generic/${l.fact}@1`, licenses: [], locations: [l.path] })) }),
};

const file = (path: string, content: string) => ({ path, size: content.length, mode: 0o644, content: Buffer.from(content) });

test('files the analyzers could not read are gaps (an incomplete inventory), ordinary warnings are not', async () => {
  const c = new LayerCollector([fake]);
  await c.onFile(file('a.db', 'alpha'));
  await c.onFile(file('b.db', 'corrupt'));
  await c.onFile(file('c.db', 'much too long for it'));
  c.onWarning('skipped tar entry with a path outside the root: "../x"');
  c.onWarning('skipped d.db: hard link to "e.db", which is missing', 'd.db');
  const facts = c.finish({ whiteouts: [], opaqueDirs: [], shadowed: [] });
  assert.deepEqual(facts.gaps, ['fake: could not analyze b.db', 'fake: skipped c.db (20 bytes, limit 10)', 'skipped d.db: hard link to "e.db", which is missing']);
  assert.equal(facts.warnings.length, 4);
  const merged = mergeLayers([facts, { facts: {}, whiteouts: [], opaqueDirs: [], shadowed: [], warnings: [] }], [fake]);
  assert.deepEqual(merged.gaps, facts.gaps!.map((g) => `layer 0: ${g}`));
  assert.deepEqual(merged.packages.map((p) => p.name), ['alpha']);
});

test('a clean layer has no gaps', async () => {
  const c = new LayerCollector([fake]);
  await c.onFile(file('a.db', 'alpha'));
  const facts = c.finish({ whiteouts: [], opaqueDirs: [], shadowed: [] });
  assert.equal(facts.gaps, undefined);
  assert.deepEqual(mergeLayers([facts], [fake]).gaps, []);
});

test('whiteouts hide a path and everything below it, opaque directories everything below them, in lower layers only', () => {
  const paths = ['a.db', 'usr/lib/x.db', 'usr/lib/deep/y.db', 'usr/lib2/z.db', 'opt/app/v.db', 'opt/app.db', 'srv/keep.db'];
  const lower = { facts: { fake: Object.fromEntries(paths.map((p) => [p, p])) }, whiteouts: [], opaqueDirs: [], shadowed: [], warnings: [] };
  // Layer 1 deletes a.db and usr/lib (not usr/lib2), makes opt/app opaque (not opt/app.db) and adds a file under it.
  const upper = { facts: { fake: { 'opt/app/new.db': 'opt/app/new.db' } }, whiteouts: ['a.db', 'usr/lib'], opaqueDirs: ['opt/app'], shadowed: [], warnings: [] };
  const names = (layers: Parameters<typeof mergeLayers>[0]) => mergeLayers(layers, [fake]).packages.map((p) => p.name).sort();
  assert.deepEqual(names([lower, upper]), ['opt/app.db', 'opt/app/new.db', 'srv/keep.db', 'usr/lib2/z.db']);
  // An opaque root hides every lower file; the layer's own files stay.
  assert.deepEqual(names([lower, { ...upper, whiteouts: [], opaqueDirs: [''] }]), ['opt/app/new.db']);
  // A whiteout of a file path does not hide a sibling that merely shares its prefix.
  assert.deepEqual(names([lower, { ...upper, facts: {}, whiteouts: ['usr/lib/x'], opaqueDirs: [] }]), paths.slice().sort());
});
