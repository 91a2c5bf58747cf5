import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SingleFlight, TtlLruCache } from './cache.js';

test('TtlLruCache: entries expire, the least recently used goes first, hits and misses are counted', () => {
  let now = 1000;
  const c = new TtlLruCache<string, number>(2, () => now);
  c.set('a', 1, 100);
  c.set('b', 2, 100);
  assert.equal(c.get('a'), 1); // a is now the most recently used
  c.set('c', 3, 100); // evicts b
  assert.equal(c.get('b'), undefined);
  assert.equal(c.get('c'), 3);
  assert.equal(c.evictions, 1);
  now += 100;
  assert.equal(c.get('a'), undefined, 'expired at its TTL');
  assert.equal(c.size, 1);
  assert.deepEqual([c.hits, c.misses], [2, 2]);
  c.set('z', 9, 0);
  assert.equal(c.peek('z'), undefined, 'a zero TTL stores nothing');
});

test('SingleFlight: concurrent calls for one key share one run; later calls run again', async () => {
  const sf = new SingleFlight<string, number>();
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const work = async () => {
    runs++;
    await gate;
    return runs;
  };
  const all = Promise.all([sf.run('k', work), sf.run('k', work), sf.run('k', work), sf.run('other', work)]);
  release();
  assert.deepEqual(await all, [2, 2, 2, 2]);
  assert.equal(runs, 2);
  assert.equal(sf.coalesced, 2);
  assert.equal(sf.inFlight, 0);
  await assert.rejects(sf.run('bad', async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await sf.run('bad', async () => 5), 5, 'a failed run is not remembered');
});
