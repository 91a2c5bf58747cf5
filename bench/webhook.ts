/**
 * Load test of the admission webhook on loopback (issue #6 targets: p99 < 20 ms at 200 req/s with a warm cache, a
 * cold verification of a signed image from the local registry < 150 ms).
 *
 *   node --import tsx bench/webhook.ts [--rate 200] [--seconds 10] [--cold 15] [--json]
 *
 * Set-up: a CNCF distribution registry (test/support/registry.ts) holding signed images (Tollgate's own signer,
 * cosign's tag and bundle forms), and the webhook server in a child process (so that the load generator and the
 * server do not share one core of this 2-core machine: the API server is on another host too). Phases:
 *   1. warm, open loop: requests sent on a fixed schedule (`--rate` per second for `--seconds`), latency measured
 *      from each request's scheduled time, so a stall delays the queue behind it (no coordinated omission);
 *   2. warm, closed loop: 16 requests in flight for 5 s: the throughput ceiling;
 *   3. cold: one request each for `--cold` signed images never seen before (tag resolution, signature lookup in
 *      both forms, payload fetch, ECDSA verification), one at a time.
 * Everything is bounded in count and time and stops by itself; traffic goes to 127.0.0.1 only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LiveFactProvider } from '../src/admission/index.js';
import { RegistryClient } from '../src/oci/index.js';
import { signImage, type Signer } from '../src/sign/index.js';
import { PolicyStore, WebhookServer } from '../src/server/index.js';
import { makeTestCerts } from '../test/support/certs.js';
import { buildImage, buildLayer, makeTar } from '../test/support/image-builder.js';
import { pushImage } from '../test/support/push.js';
import { startRegistry } from '../test/support/registry.js';

interface ServeConfig {
  policy: string;
  cert: string;
  key: string;
}

/** Child mode: serve until the parent disconnects. */
async function serve(config: ServeConfig): Promise<void> {
  const store = new PolicyStore(config.policy);
  const registry = new RegistryClient({ dockerConfigDir: path.join(os.tmpdir(), 'tollgate-bench-no-docker-config'), retries: 2, retryBaseMs: 50, timeoutMs: 5000 });
  const facts = new LiveFactProvider({ registry, policyVersion: () => store.get().version });
  const server = new WebhookServer({ policies: store, tlsCertFile: config.cert, tlsKeyFile: config.key, facts, port: 0, host: '127.0.0.1', timeoutMs: 10_000, log: () => undefined });
  const { port } = await server.start();
  process.send!({ port });
  // The parent asks for the server's CPU time around each phase: CPU per request does not depend on how busy the
  // machine is, wall-clock latency does.
  process.on('message', (m) => {
    if ((m as { type?: string }).type === 'cpu') process.send!({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => {
    void server.close().then(() => registry.close()).then(() => process.exit(0));
  });
}

function parseArgs(argv: string[]) {
  const a = { rate: 200, seconds: 10, cold: 15, json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = () => {
      const n = Number(argv[++i]);
      if (!(n > 0)) throw new Error(`${k} needs a positive number`);
      return n;
    };
    if (k === '--rate') a.rate = Math.min(2000, num());
    else if (k === '--seconds') a.seconds = Math.min(60, num());
    else if (k === '--cold') a.cold = Math.min(100, Math.floor(num()));
    else if (k === '--json') a.json = true;
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function summary(samples: number[]) {
  const s = [...samples].sort((x, y) => x - y);
  return { n: s.length, p50: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), max: s.at(-1) ?? NaN, mean: s.reduce((x, y) => x + y, 0) / Math.max(1, s.length) };
}

function reviewFor(image: string, n: number): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${n}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'bench',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { generateName: 'app-', namespace: 'bench', labels: { app: 'bench' } },
        spec: { initContainers: [{ name: 'init', image }], containers: [{ name: 'app', image }, { name: 'sidecar', image }] },
      },
      dryRun: false,
    },
  });
}

function post(agent: https.Agent, port: number, ca: Buffer, body: string): Promise<{ allowed: boolean }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/mutate?timeout=10s', method: 'POST', ca, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
        resolve({ allowed: (JSON.parse(Buffer.concat(chunks).toString()) as { response: { allowed: boolean } }).response.allowed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-bench-webhook-'));
  const reg = await startRegistry({ auth: 'none' });
  let child: ChildProcess | undefined;
  const client = new RegistryClient({ dockerConfigDir: path.join(dir, 'no-docker-config') });
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer: Signer = { algorithm: 'ecdsa-p256-sha256', description: 'bench.key', publicKey: async () => publicKey, sign: async (d) => cryptoSign('sha256', d, privateKey) };
    log(`registry ${reg.url}: pushing and signing ${args.cold + 1} images`);
    const images: string[] = [];
    for (let i = 0; i <= args.cold; i++) {
      const image = buildImage([await buildLayer(await makeTar([{ path: 'id', content: `image ${i}\n` }]))]);
      const ref = `${reg.host}/bench/app${i}:1.0`;
      await pushImage(client, ref, { image });
      await signImage({ image: ref, signer, registry: client });
      images.push(ref);
    }
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString().trim().split('\n').map((l) => `          ${l}`).join('\n');
    const policy = path.join(dir, 'policy.yaml');
    await writeFile(
      policy,
      `apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: bench}\nspec:\n  images: ["${reg.host}/bench/**"]\n  references: {forbidLatest: true}\n  authorities:\n    - name: bench\n      key:\n        data: |\n${pem}\n`,
    );
    const certs = await makeTestCerts(path.join(dir, 'certs'));
    const ca = readFileSync(certs.tlsCert);
    child = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify({ policy, cert: certs.tlsCert, key: certs.tlsKey } satisfies ServeConfig)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      child!.once('message', (m) => resolve((m as { port: number }).port));
      child!.once('exit', (code) => reject(new Error(`the webhook process exited (${code})`)));
    });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 32 });
    const serverCpu = () =>
      new Promise<number>((resolve) => {
        const on = (m: unknown) => {
          const cpu = (m as { cpu?: NodeJS.CpuUsage }).cpu;
          if (!cpu) return;
          child!.off('message', on);
          resolve((cpu.user + cpu.system) / 1000);
        };
        child!.on('message', on);
        child!.send({ type: 'cpu' });
      });
    const warmImage = images[0]!;
    let n = 0;
    // Warm-up: first verification, then a second of traffic so that JIT and connections settle.
    const first = await post(agent, port, ca, reviewFor(warmImage, n++));
    if (!first.allowed) throw new Error('the signed image was not admitted: the bench set-up is wrong');
    for (let i = 0; i < 200; i++) await post(agent, port, ca, reviewFor(warmImage, n++));

    log(`open loop: ${args.rate} req/s for ${args.seconds} s`);
    const total = Math.round(args.rate * args.seconds);
    const interval = 1000 / args.rate;
    const open: number[] = [];
    let errors = 0;
    const cpuOpen0 = await serverCpu();
    const t0 = performance.now() + 20;
    await new Promise<void>((resolve) => {
      let done = 0;
      let sent = 0;
      const tick = () => {
        const now = performance.now();
        while (sent < total && t0 + sent * interval <= now) {
          const scheduled = t0 + sent * interval;
          sent++;
          post(agent, port, ca, reviewFor(warmImage, n++)).then(
            () => open.push(performance.now() - scheduled),
            () => errors++,
          ).finally(() => {
            if (++done === total) resolve();
          });
        }
        if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
      };
      tick();
    });
    const openElapsed = (performance.now() - t0) / 1000;
    const cpuPerRequest = (await serverCpu() - cpuOpen0) / total;

    log('closed loop: 16 in flight for 5 s');
    const closed: number[] = [];
    const end = performance.now() + 5000;
    const t1 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() < end) {
          const s = performance.now();
          await post(agent, port, ca, reviewFor(warmImage, n++));
          closed.push(performance.now() - s);
        }
      }),
    );
    const closedElapsed = (performance.now() - t1) / 1000;

    log(`cold: ${args.cold} signed images never seen before, one at a time`);
    const cold: number[] = [];
    const cpuCold0 = await serverCpu();
    for (const image of images.slice(1)) {
      const s = performance.now();
      const r = await post(agent, port, ca, reviewFor(image, n++));
      cold.push(performance.now() - s);
      if (!r.allowed) throw new Error(`${image} was not admitted`);
    }
    const cpuPerCold = (await serverCpu() - cpuCold0) / Math.max(1, cold.length);
    agent.destroy();

    const result = {
      machine: { cpus: os.cpus().length, load: os.loadavg().map((x) => Math.round(x * 100) / 100), node: process.version },
      warmOpenLoop: { rate: args.rate, seconds: args.seconds, achievedRps: Math.round((open.length / openElapsed) * 10) / 10, errors, serverCpuMsPerRequest: Math.round(cpuPerRequest * 1000) / 1000, ...summary(open) },
      warmClosedLoop: { concurrency: 16, rps: Math.round(closed.length / closedElapsed), ...summary(closed) },
      cold: { serverCpuMsPerRequest: Math.round(cpuPerCold * 100) / 100, ...summary(cold) },
    };
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const f = (x: number) => x.toFixed(2);
      const o = result.warmOpenLoop;
      const c = result.warmClosedLoop;
      const k = result.cold;
      process.stdout.write(
        [
          `machine: ${result.machine.cpus} CPUs, load ${result.machine.load.join(' ')}, node ${result.machine.node}`,
          'AdmissionReview: Pod with 3 containers (init, app, sidecar) of one signed image by tag, POST /mutate',
          '',
          '| phase | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/request |',
          '|---|---|---|---|---|---|---|---|',
          `| warm, open loop at ${o.rate}/s | ${o.n} (${o.errors} errors) | ${o.achievedRps} | ${f(o.p50)} | ${f(o.p90)} | ${f(o.p99)} | ${f(o.max)} | ${o.serverCpuMsPerRequest} |`,
          `| warm, closed loop, 16 in flight | ${c.n} | ${c.rps} | ${f(c.p50)} | ${f(c.p90)} | ${f(c.p99)} | ${f(c.max)} | - |`,
          `| cold verification, one at a time | ${k.n} | - | ${f(k.p50)} | ${f(k.p90)} | ${f(k.p99)} | ${f(k.max)} | ${k.serverCpuMsPerRequest} |`,
          '',
        ].join('\n'),
      );
    }
  } finally {
    child?.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    child?.kill();
    await client.close();
    await reg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  await serve(JSON.parse(process.argv[3]!) as ServeConfig);
} else {
  await main();
}
