/**
 * `updateDb`: a full build from the offline mirror, atomicity (a failing feed, a SIGKILL mid-build), the update lock,
 * malformed input, and online updates against local HTTP servers (an HTTP mirror with MANIFEST.tsv, an upstream-
 * layout server with an OSV all.zip, a paged NVD API with a transient 503).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { VulnDbError, type Advisory, type TollgateEvent } from '../../core/index.js';
import { shared } from '../../../test/support/paths.js';
import { makeZip } from '../../../test/support/zip-writer.js';
import type { Feed } from '../feeds/feed.js';
import { feeds } from '../feeds/registry.js';
import { VulnStore } from '../store/vuln-store.js';
import { defaultDbPath, updateDb } from './update-db.js';

const mirror = shared('vulndb');
let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-update-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const mine = ['osv', 'nvd', 'cve5', 'kev', 'epss'];
/** Files in the database's folder other than the database itself. */
const leftovers = (db: string) => readdirSync(path.dirname(db)).filter((n) => n !== path.basename(db));

function advisory(id: string): Advisory {
  return { id, source: 'test', aliases: [], affected: [{ ecosystem: 'npm', name: `pkg-${id}`, status: 'affected', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }] };
}

/** A feed that yields `count` advisories, then fails (or waits on `gate` before each record). */
function testFeed(opts: { id?: string; count: number; failAfter?: number; gate?: () => Promise<void> }): Feed {
  return {
    id: opts.id ?? 'test',
    description: 'test feed',
    paths: ['kev/'],
    upstream: [],
    async *read() {
      for (let i = 0; i < opts.count; i++) {
        if (opts.failAfter !== undefined && i === opts.failAfter) throw new Error('the test feed broke');
        await opts.gate?.();
        yield { kind: 'advisory', advisory: advisory(`TEST-${i}`) };
      }
    },
  };
}

describe('update from the offline mirror', () => {
  let db: string;
  before(async () => {
    db = path.join(tmp, 'full', 'tollgate.db');
  });

  test('builds every feed of the mirror; status and lookups work; time and size reported', async () => {
    const progress: string[] = [];
    const s = await updateDb({ db, from: mirror, feeds: mine, onProgress: (p) => p.phase === 'feed-done' && progress.push(p.feed) });
    assert.deepEqual(progress, mine);
    const by = Object.fromEntries(s.feeds.map((f) => [f.id, f]));
    assert.equal(by.osv!.advisories, 6988);
    assert.equal(by.nvd!.enrichments, 45);
    assert.equal(by.cve5!.enrichments, 1277);
    assert.equal(by.kev!.enrichments, 1404);
    assert.equal(by.epss!.enrichments, 5);
    assert.equal(s.advisories, 6988);
    assert.deepEqual(leftovers(db), [], 'no temporary file, no lock');
    console.log(`# full build of ${mine.join(', ')}: ${(s.durationMs / 1000).toFixed(2)} s, ${(s.sizeBytes / 1e6).toFixed(1)} MB`);

    const store = VulnStore.open(db);
    try {
      const st = store.status();
      assert.equal(st.source, mirror);
      assert.deepEqual(st.feeds.map((f) => f.id).sort(), [...mine].sort());
      assert.ok(st.ageMs < 600_000);
      assert.equal(st.counts.find((c) => c.ecosystem === 'golang')?.advisories, 4293);
      // One problem across feeds: the GHSA advisory, its CVE, and the CVE's enrichment from KEV/CVE 5.
      const hit = store.lookup('npm', undefined, 'lodash').find((h) => h.advisory.id === 'GHSA-jf85-cpcp-j695')!;
      assert.equal(hit.advisory.group, 'CVE-2019-10744');
      assert.deepEqual(hit.affected.ranges[0]!.events, [{ introduced: '0' }, { fixed: '4.17.12' }]);
      const log4shell = store.enrichment('CVE-2021-44228')!;
      assert.equal(log4shell.kev?.dateAdded, '2021-12-10');
      assert.equal(store.groupOf('GO-2022-0969'), 'CVE-2022-27664');
      assert.ok(store.aliasesOf('CVE-2022-27664').includes('GHSA-69cg-p879-7622'));
    } finally {
      store.close();
    }
  });

  test('a feed failing mid-build leaves the previous database byte-identical and no temporary file', async () => {
    const before = sha256(db);
    await assert.rejects(
      updateDb({ db, from: mirror, registry: [...feeds.filter((f) => f.id === 'kev'), testFeed({ count: 5000, failAfter: 4500 })] }),
      (e: unknown) => {
        assert.ok(e instanceof VulnDbError);
        assert.equal(e.code, 'UPDATE_FAILED');
        assert.match(e.message, /the test feed broke .*the previous database .* is unchanged/);
        return true;
      },
    );
    assert.equal(sha256(db), before);
    assert.deepEqual(leftovers(db), []);
    VulnStore.open(db).close();
  });

  test('a malformed file fails the update with its name; the previous database stays', async () => {
    const bad = path.join(tmp, 'bad-mirror');
    await mkdir(path.join(bad, 'kev'), { recursive: true });
    const text = await readFile(path.join(mirror, 'kev', 'known_exploited_vulnerabilities.json'), 'utf8');
    await writeFile(path.join(bad, 'kev', 'known_exploited_vulnerabilities.json'), text.slice(0, 10_000));
    const before = sha256(db);
    await assert.rejects(updateDb({ db, from: bad }), (e: unknown) => {
      assert.ok(e instanceof VulnDbError && e.code === 'MALFORMED_FEED');
      assert.match(e.message, /^kev: kev\/known_exploited_vulnerabilities\.json: not valid JSON/);
      return true;
    });
    assert.equal(sha256(db), before);
    assert.deepEqual(leftovers(db), []);
  });

  test('a folder without any feed, an unknown or absent feed id', async () => {
    const empty = path.join(tmp, 'empty-mirror');
    await mkdir(empty, { recursive: true });
    await assert.rejects(updateDb({ db, from: empty }), (e: unknown) => e instanceof VulnDbError && e.code === 'FEED_NOT_FOUND' && /no feed found in/.test(e.message));
    await assert.rejects(updateDb({ db, from: path.join(tmp, 'nope') }), (e: unknown) => e instanceof VulnDbError && e.code === 'FEED_NOT_FOUND' && /no such folder/.test(e.message));
    await assert.rejects(updateDb({ db, from: mirror, feeds: ['nope'] }), (e: unknown) => (e as { code?: string }).code === 'INVALID_ARGUMENT' && /unknown feed nope; known feeds: .*\bosv\b/.test((e as Error).message));
    const kevOnly = path.join(tmp, 'kev-only');
    await mkdir(path.join(kevOnly, 'kev'), { recursive: true });
    await copyFile(path.join(mirror, 'kev', 'known_exploited_vulnerabilities.json'), path.join(kevOnly, 'kev', 'known_exploited_vulnerabilities.json'));
    await assert.rejects(updateDb({ db, from: kevOnly, feeds: ['kev', 'epss'] }), (e: unknown) => e instanceof VulnDbError && e.code === 'FEED_NOT_FOUND' && /^epss: not found in/.test(e.message));
    assert.deepEqual(leftovers(db), []);
  });

  test('a concurrent update is refused while the first one runs; the first one completes', async () => {
    const small = path.join(tmp, 'lock', 'tollgate.db');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const first = updateDb({
      db: small,
      from: mirror,
      registry: [testFeed({ count: 3, gate: async () => (started(), gate) })],
    });
    await running;
    assert.equal(readFileSync(`${small}.lock`, 'utf8').trim(), String(process.pid));
    await assert.rejects(updateDb({ db: small, from: mirror, feeds: ['kev'] }), (e: unknown) => {
      assert.ok(e instanceof VulnDbError && e.code === 'UPDATE_IN_PROGRESS');
      assert.match(e.message, new RegExp(`pid ${process.pid}`));
      return true;
    });
    release();
    const s = await first;
    assert.equal(s.advisories, 3);
    assert.deepEqual(leftovers(small), []);
  });

  test('a stale lock (its process is gone) is taken over', async () => {
    const small = path.join(tmp, 'stale', 'tollgate.db');
    await mkdir(path.dirname(small), { recursive: true });
    writeFileSync(`${small}.lock`, '999999999\n');
    const s = await updateDb({ db: small, from: mirror, feeds: ['kev'] });
    assert.equal(s.enrichments, 1404);
    assert.deepEqual(leftovers(small), []);
  });
});

describe('update killed with SIGKILL', () => {
  test('the previous database stays usable; the next update removes the leftovers', async () => {
    const db = path.join(tmp, 'kill', 'tollgate.db');
    await updateDb({ db, from: mirror, feeds: ['kev'] });
    const before = sha256(db);
    // The child runs a never-ending update of the same database (a feed that yields forever, slowly).
    const script = path.join(tmp, 'kill-child.mjs');
    const moduleUrl = new URL('./update-db.js', import.meta.url).href;
    await writeFile(
      script,
      `import { updateDb } from ${JSON.stringify(moduleUrl)};
const feed = { id: 'slow', description: 'slow', paths: ['kev/'], upstream: [], async *read() {
  for (let i = 0; ; i++) { await new Promise((r) => setTimeout(r, 2)); yield { kind: 'advisory', advisory: { id: 'SLOW-' + i, source: 'slow', aliases: [], affected: [] } }; }
} };
await updateDb({ db: ${JSON.stringify(db)}, from: ${JSON.stringify(mirror)}, registry: [feed] });
`,
    );
    const child = spawn(process.execPath, [...process.execArgv, script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    // Wait until the child is writing its temporary database (records are being inserted).
    const deadline = Date.now() + 60_000;
    const tmpFile = () => readdirSync(path.dirname(db)).find((n) => n.startsWith('tollgate.db.tmp-'));
    while (Date.now() < deadline) {
      const t = tmpFile();
      if (t && statSync(path.join(path.dirname(db), t)).size > 64 * 1024) break;
      if (child.exitCode !== null) assert.fail(`the child ended early: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(tmpFile(), 'the child started writing');
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    assert.equal(sha256(db), before, 'the database is untouched');
    const store = VulnStore.open(db);
    assert.equal(store.enrichment('CVE-2021-44228')?.kev?.dateAdded, '2021-12-10');
    store.close();
    assert.ok(existsSync(`${db}.lock`), 'the killed update left its lock');
    assert.ok(tmpFile(), 'and its temporary file');

    const events: TollgateEvent[] = [];
    await updateDb({ db, from: mirror, feeds: ['kev', 'epss'], events: (e) => events.push(e) });
    assert.deepEqual(leftovers(db), []);
    assert.ok(events.some((e) => e.type === 'debug' && /left by an interrupted update/.test(e.message)));
  });
});

/** A static file server over `root`, with a hook that may answer first. */
async function serve(root: string, hook?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): Promise<{ url: string; close: () => Promise<void>; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (hook?.(req, res)) return;
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    const file = path.join(root, rel);
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': statSync(file).size });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('online update', () => {
  test('from an HTTP mirror of the offline layout (MANIFEST.tsv lists its files)', async () => {
    const server = await serve(mirror);
    try {
      const db = path.join(tmp, 'online-mirror', 'tollgate.db');
      const s = await updateDb({ db, mirrorUrl: server.url, env: {}, feeds: mine });
      const expectedFiles = readFileSync(path.join(mirror, 'MANIFEST.tsv'), 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t')[0]!)
        .filter((p) => /^(osv|ghsa|samples\/(ubuntu|chainguard)\/osv|nvd|cve|kev\/known_exploited_vulnerabilities\.json$|epss)(\/|$)/.test(p));
      // Every file under a feed's paths was fetched once (plus MANIFEST.tsv itself).
      assert.equal(server.requests.length, expectedFiles.length + 1);
      assert.equal(s.source, server.url);
      const offline = await updateDb({ db: path.join(tmp, 'online-mirror', 'offline.db'), from: mirror, feeds: mine });
      assert.deepEqual(
        s.feeds.filter((f) => mine.includes(f.id)).map((f) => [f.id, f.records]),
        offline.feeds.map((f) => [f.id, f.records]),
      );
      const store = VulnStore.open(db);
      try {
        assert.ok(store.status().feeds.every((f) => f.origin === server.url && f.fetchedAt));
        assert.equal(store.lookup('npm', undefined, 'lodash').length, 4);
      } finally {
        store.close();
      }
      assert.deepEqual(leftovers(db), ['offline.db'], 'the download folder is gone');
    } finally {
      await server.close();
    }
  });

  test('from an upstream-layout server: OSV all.zip, KEV JSON, EPSS csv.gz; missing files are warnings', async () => {
    const root = path.join(tmp, 'upstream');
    const ghsa = path.join(mirror, 'ghsa');
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? walk(path.join(d, n)) : [path.join(d, n)]));
    const npm = walk(ghsa).filter((f) => /"ecosystem": "npm"/.test(readFileSync(f, 'utf8')));
    await mkdir(path.join(root, 'osv', 'npm'), { recursive: true });
    await writeFile(path.join(root, 'osv', 'npm', 'all.zip'), makeZip(npm.map((f) => ({ name: path.basename(f), content: readFileSync(f) }))));
    await mkdir(path.join(root, 'kev'), { recursive: true });
    await copyFile(path.join(mirror, 'kev', 'known_exploited_vulnerabilities.json'), path.join(root, 'kev', 'known_exploited_vulnerabilities.json'));
    await mkdir(path.join(root, 'epss'), { recursive: true });
    await writeFile(path.join(root, 'epss', 'epss_scores-current.csv.gz'), zlib.gzipSync(readFileSync(path.join(mirror, 'epss', 'epss_scores-sample.csv'))));
    const server = await serve(root);
    try {
      const db = path.join(tmp, 'online-upstream', 'tollgate.db');
      const warnings: string[] = [];
      const s = await updateDb({ db, mirrorUrl: server.url, feeds: mine, env: {}, events: (e) => e.type === 'warning' && warnings.push(e.message) }).catch((e: unknown) => e);
      // nvd and cve5 have nothing on this server: named in --feeds, their absence is an error …
      assert.ok(s instanceof VulnDbError && s.code === 'FEED_NOT_FOUND' && /nvd, cve5: not found/.test(s.message), (s as Error).message);
      // … and without --feeds the update goes ahead with what there is, and says what was missing.
      warnings.length = 0;
      const ok = await updateDb({ db, mirrorUrl: server.url, env: {}, registry: feeds.filter((f) => mine.includes(f.id)), events: (e) => e.type === 'warning' && warnings.push(e.message) });
      assert.deepEqual(ok.missing.sort(), ['cve5', 'nvd']);
      assert.ok(warnings.includes(`osv: osv/PyPI/all.zip: not on the mirror ${server.url}`), warnings.join('\n'));
      assert.equal(ok.feeds.find((f) => f.id === 'osv')?.advisories, npm.length);
      assert.equal(ok.feeds.find((f) => f.id === 'epss')?.enrichments, 5);
      const store = VulnStore.open(db);
      try {
        assert.equal(store.lookup('npm', undefined, 'lodash').length, 4);
        assert.equal(store.enrichment('CVE-1999-0005')?.epss?.score, 0.91963);
      } finally {
        store.close();
      }
    } finally {
      await server.close();
    }
  });

  test('the NVD API is paged by startIndex; a transient 503 is retried', async () => {
    const page = JSON.parse(readFileSync(path.join(mirror, 'nvd', 'api-2.0', 'vunnel-full-page.json'), 'utf8')) as { vulnerabilities: unknown[] };
    let failedOnce = false;
    const server = await serve(tmp, (req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname !== '/rest/json/cves/2.0') return false;
      if (!failedOnce) {
        failedOnce = true;
        res.writeHead(503, { 'retry-after': '0' }).end();
        return true;
      }
      // The server pages by 10 whatever resultsPerPage asks, as the API may.
      const start = Number(u.searchParams.get('startIndex'));
      const slice = page.vulnerabilities.slice(start, start + 10);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...page, resultsPerPage: slice.length, startIndex: start, totalResults: page.vulnerabilities.length, vulnerabilities: slice }));
      return true;
    });
    try {
      const db = path.join(tmp, 'online-nvd', 'tollgate.db');
      const events: TollgateEvent[] = [];
      const s = await updateDb({ db, feeds: ['nvd'], env: { TOLLGATE_NVD_API_URL: `${server.url}/rest/json/cves/2.0`, TOLLGATE_NVD_PAUSE_MS: '0' }, events: (e) => events.push(e) });
      assert.equal(s.enrichments, 38);
      assert.deepEqual(
        server.requests.map((r) => new URL(r, 'http://x').searchParams.get('startIndex')),
        ['0', '0', '10', '20', '30'],
      );
      assert.ok(events.some((e) => e.type === 'http-retry' && e.reason === 'HTTP 503'));
    } finally {
      await server.close();
    }
  });

  test('an unreachable upstream fails the update and keeps the previous database', async () => {
    const db = path.join(tmp, 'online-down', 'tollgate.db');
    await updateDb({ db, from: mirror, feeds: ['kev'] });
    const before = sha256(db);
    const server = await serve(tmp, (_req, res) => (res.writeHead(500).end(), true));
    try {
      await assert.rejects(
        updateDb({ db, feeds: ['nvd'], env: { TOLLGATE_NVD_API_URL: `${server.url}/x`, TOLLGATE_NVD_PAUSE_MS: '0' }, http: { retryBaseMs: 10 } }),
        (e: unknown) => e instanceof VulnDbError && e.code === 'UPDATE_FAILED' && /HTTP 500 .*after 5 attempts.*previous database .* is unchanged/.test(e.message),
      );
    } finally {
      await server.close();
    }
    assert.equal(sha256(db), before);
    assert.deepEqual(leftovers(db), []);
  });
});

describe('download limits and failures', () => {
  test('a file larger than the size limit is refused; a host that does not resolve fails at once', async () => {
    const db = path.join(tmp, 'limits', 'tollgate.db');
    // An upstream-layout server (no MANIFEST.tsv) with the 1.3 MB KEV catalog.
    const root = path.join(tmp, 'limits-root');
    await mkdir(path.join(root, 'kev'), { recursive: true });
    await copyFile(path.join(mirror, 'kev', 'known_exploited_vulnerabilities.json'), path.join(root, 'kev', 'known_exploited_vulnerabilities.json'));
    const server = await serve(root);
    try {
      await assert.rejects(updateDb({ db, mirrorUrl: server.url, feeds: ['kev'], env: {}, http: { maxBytes: 100_000 } }), (e: unknown) => {
        assert.ok(e instanceof VulnDbError && e.code === 'UPDATE_FAILED', String(e));
        assert.match(e.message, /known_exploited_vulnerabilities\.json is \d+ bytes, more than the limit of 100000.*no database was written/);
        return true;
      });
    } finally {
      await server.close();
    }
    const t0 = performance.now();
    await assert.rejects(updateDb({ db, mirrorUrl: 'http://no-such-host.invalid', feeds: ['kev'], env: {} }), (e: unknown) => {
      assert.ok(e instanceof VulnDbError && e.code === 'UPDATE_FAILED', String(e));
      assert.match(e.message, /cannot download http:\/\/no-such-host\.invalid\/MANIFEST\.tsv: .*ENOTFOUND/);
      return true;
    });
    assert.ok(performance.now() - t0 < 5000, 'no retries with backoff for a name that does not resolve');
    assert.deepEqual(existsSync(path.dirname(db)) ? readdirSync(path.dirname(db)) : [], []);
  });
});

test('default database path: TOLLGATE_DB, else the cache dir', () => {
  assert.equal(defaultDbPath({ TOLLGATE_DB: '/x/y.db' }), '/x/y.db');
  assert.equal(defaultDbPath({ XDG_CACHE_HOME: '/cache' }), '/cache/tollgate/db/tollgate.db');
});
