/**
 * Contract of the feed registry (DESIGN.md §3.2): one folder per feed under feeds/, one line in registry.ts,
 * id == folder name, unique ids, and mirror paths/upstream entries that are well-formed.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { feeds } from './registry.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('every feed folder is registered and every registered feed has its folder', () => {
  const onDisk = readdirSync(here)
    .filter((n) => statSync(path.join(here, n)).isDirectory())
    .sort();
  assert.deepEqual(
    feeds.map((f) => f.id).sort(),
    onDisk,
  );
});

test('ids are unique; paths are mirror-relative; upstream entries are https URLs saved inside the feed paths', () => {
  assert.equal(new Set(feeds.map((f) => f.id)).size, feeds.length);
  for (const f of feeds) {
    assert.ok(f.description.length > 0, f.id);
    assert.ok(f.paths.length > 0, `${f.id} has paths`);
    for (const p of f.paths) assert.ok(!path.isAbsolute(p) && !p.split('/').includes('..'), `${f.id}: ${p}`);
    for (const u of f.upstream) {
      assert.match(u.url, /^https:\/\//, `${f.id}: ${u.url}`);
      // What db update downloads must be what read() then finds.
      assert.ok(
        f.paths.some((p) => (p.endsWith('/') ? u.path.startsWith(p) : u.path === p)),
        `${f.id}: upstream path ${u.path} is outside its paths ${f.paths.join(', ')}`,
      );
    }
  }
});
