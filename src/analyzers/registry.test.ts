/**
 * Contract of the analyzer registry (DESIGN.md §3.2): one folder per analyzer under os/ and lang/, one line in
 * registry.ts, id == folder name, unique ids, and versions that are positive integers (they key the layer cache).
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { analyzers } from './registry.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function folders(group: string): string[] {
  const dir = path.join(here, group);
  try {
    return readdirSync(dir).filter((n) => statSync(path.join(dir, n)).isDirectory());
  } catch {
    return [];
  }
}

test('every analyzer folder is registered and every registered analyzer has its folder', () => {
  const onDisk = [...folders('os'), ...folders('lang')].sort();
  const registered = analyzers.map((a) => a.id).sort();
  assert.deepEqual(registered, onDisk);
});

test('ids are unique and versions are positive integers', () => {
  assert.equal(new Set(analyzers.map((a) => a.id)).size, analyzers.length);
  for (const a of analyzers) assert.ok(Number.isInteger(a.version) && a.version > 0, `${a.id} version`);
});

test('required() is a cheap predicate that rejects ordinary files', () => {
  for (const p of ['usr/bin/bash', 'usr/lib/x86_64-linux-gnu/libc.so.6', 'home/user/.bashrc', '']) {
    for (const a of analyzers) assert.equal(a.required(p), false, `${a.id} wants ${p}`);
  }
});
