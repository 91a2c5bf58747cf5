/**
 * bin/tollgate.js runs `sbom` and `scan` in a child Node started with a larger initial old generation (see the
 * comment there). What a user sees must not change: the same output and exit codes, signals reach the work, and no
 * process is left behind.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ociImageSource } from '../support/image-builder.js';
import { runCli } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-reexec-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('sbom through the child Node prints what the in-process run prints', async () => {
  const source = await ociImageSource(path.join(tmp, 'layout'), [[{ path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' }, { path: 'lib/apk/db/installed', content: 'P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\n\n' }]]);
  const args = ['sbom', source, '-f', 'json', '--no-cache'];
  const child = await runCli(args);
  const inProcess = await runCli(args, { env: { TOLLGATE_NO_REEXEC: '1' } });
  assert.equal(child.code, 0, child.stderr);
  assert.equal(inProcess.code, 0, inProcess.stderr);
  const strip = (s: string) => {
    const doc = JSON.parse(s) as { createdAt?: string; packages: { purl: string }[] };
    delete doc.createdAt;
    return doc;
  };
  assert.deepEqual(strip(child.stdout), strip(inProcess.stdout));
  assert.deepEqual(strip(child.stdout).packages.map((p) => p.purl), ['pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.1']);
});

test('a usage error keeps its exit code through the child Node', async () => {
  const r = await runCli(['scan', 'oci-dir:/nonexistent/layout:t', '--severity', 'NOPE']);
  assert.equal(r.code, 2, r.stderr);
});

test('SIGINT and SIGTERM sent to the tollgate process reach the work: exit 130 / 143, no process left behind', async () => {
  // A registry that accepts connections and never answers keeps `sbom` busy until it is interrupted.
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const p = spawn(process.execPath, [path.join(repoRoot, 'bin', 'tollgate.js'), 'sbom', `127.0.0.1:${port}/app:1`, '--insecure', '--no-cache'], { stdio: 'ignore' });
      // Wait until the child Node exists, then signal only the process the user started.
      let children: number[] = [];
      for (let i = 0; i < 100 && children.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        try {
          children = execFileSync('pgrep', ['-P', String(p.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
        } catch {
          children = [];
        }
      }
      assert.equal(children.length, 1, 'sbom runs in one child Node');
      await new Promise((r) => setTimeout(r, 300));
      p.kill(signal);
      const exit = await new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
      assert.equal(exit, code);
      await new Promise((r) => setTimeout(r, 100));
      assert.throws(() => process.kill(children[0]!, 0), /ESRCH/, 'the child Node is gone');
    }
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});
