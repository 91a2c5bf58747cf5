/** The built CLI run as a user would: outputs, files, exit codes, and clean errors for bad input. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { buildImage, buildLayer, makeTar, writeOciLayout } from '../support/image-builder.js';
import { hasStackTrace, runCli } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';

let tmp: string;
let image: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-e2e-'));
  const layer = await buildLayer(
    await makeTar([
      { path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n' },
      { path: 'etc/alpine-release', content: '3.19.1\n' },
      {
        path: 'lib/apk/db/installed',
        content: 'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nI:622592\nT:the musl c library\nU:https://musl.libc.org/\nL:MIT\no:musl\nm:Timo Teräs <timo.teras@iki.fi>\nt:1700000000\nc:f93af038c3de7146121c2ea8124ba5ce29b4b058\n\nC:Q1def=\nP:busybox\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only\no:busybox\n\n',
      },
    ]),
  );
  await writeOciLayout(path.join(tmp, 'layout'), [{ tag: 'v1', image: buildImage([layer]) }]);
  image = `oci-dir:${path.join(tmp, 'layout')}:v1`;
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const env = () => ({ XDG_CACHE_HOME: path.join(tmp, 'cache') });

describe('tollgate CLI', () => {
  test('--version and --help', async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const v = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout.trim(), pkg.version);
    const h = await runCli(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /sbom/);
    const hs = await runCli(['sbom', '--help']);
    assert.match(hs.stdout, /oci-dir:PATH\[:TAG\]/);
    assert.match(hs.stdout, /--format/);
  });

  test('sbom --format json lists the packages', async () => {
    const r = await runCli(['sbom', image, '--format', 'json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { packages: { name: string; purl: string }[]; os: { family: string; version: string } };
    assert.deepEqual(doc.packages.map((p) => p.purl).sort(), [
      'pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=3.19.1',
      'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.1',
    ]);
    assert.deepEqual({ family: doc.os.family, version: doc.os.version }, { family: 'alpine', version: '3.19.1' });
  });

  test('sbom writes CycloneDX and SPDX files with --output', async () => {
    for (const [format, check] of [
      ['cyclonedx', (d: Record<string, unknown>) => assert.equal(d.specVersion, '1.6')],
      ['spdx', (d: Record<string, unknown>) => assert.equal(d.spdxVersion, 'SPDX-2.3')],
    ] as const) {
      const out = path.join(tmp, `out.${format}.json`);
      const r = await runCli(['sbom', image, '-f', format, '-o', out, '--quiet'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      check(JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>);
    }
  });

  test('-o onto a FIFO writes into it and leaves it a FIFO (as -o /dev/null must stay a device)', async () => {
    const fifo = path.join(tmp, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = new Promise<string>((resolve, reject) => readFile(fifo, 'utf8').then(resolve, reject));
    const r = await runCli(['sbom', image, '-f', 'json', '-o', fifo, '--quiet'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(await reader, /"packages"/);
    assert.ok((await stat(fifo)).isFIFO());
  });

  test('bad input: clear errors, right exit codes, no stack traces, no output file', async () => {
    const out = path.join(tmp, 'never.json');
    const cases: [string[], number, RegExp][] = [
      [['sbom', `oci-dir:${path.join(tmp, 'nope')}`, '-o', out], 3, /not an OCI image layout/],
      [['sbom', 'Invalid//Reference'], 2, /invalid reference|reference/i],
      [['sbom', image, '--format', 'xml'], 2, /Allowed choices/],
      [['sbom'], 2, /missing required argument/],
      [['sbom', image, '--platform', 'linux'], 2, /os\/arch/],
      [['sbom', '127.0.0.1:1/nothing/here:1'], 3, /127\.0\.0\.1:1/],
      [['frobnicate'], 2, /unknown command/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(args, { env: env(), timeoutMs: 60_000 });
      assert.equal(r.code, code, `${args.join(' ')} → ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.ok(!hasStackTrace(r.stderr), `stack trace for ${args.join(' ')}:\n${r.stderr}`);
    }
    await assert.rejects(stat(out));
  });

  test('a corrupted docker archive is an operational error', async () => {
    const bad = path.join(tmp, 'bad.tar');
    await writeFile(bad, Buffer.alloc(4096, 0x41));
    const r = await runCli(['sbom', `docker-archive:${bad}`], { env: env() });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /docker archive/);
    assert.ok(!hasStackTrace(r.stderr));
  });
});
