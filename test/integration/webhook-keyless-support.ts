/**
 * Helpers shared by webhook-keyless.test.ts and webhook-notation.test.ts (no tests of their own): the webhook as an
 * operator runs it (`tollgate webhook serve …`, src/cli/main.ts's command tree in its own process, so every flag is
 * parsed as on the command line), and AdmissionReviews POSTed to it over HTTPS as kube-apiserver sends them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import { repoRoot } from '../support/paths.js';

export interface ReviewReply {
  apiVersion: string;
  response: { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[] };
}

export interface CliWebhook {
  port: number;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** POSTs a review to /validate and returns the reply (status 200 asserted by the caller). */
  validate(body: string): Promise<{ status: number; json: ReviewReply; text: string }>;
  stop(): Promise<number | null>;
}

/**
 * Starts `tollgate webhook serve ARGS --port 0 --host 127.0.0.1` and waits for its "listening on" line (the port it
 * bound). The child is ours: it is stopped with SIGTERM through its own handle.
 */
export function startCliWebhook(args: string[], env: NodeJS.ProcessEnv, ca: Buffer): Promise<CliWebhook> {
  const main = path.join(repoRoot, 'src', 'cli', 'main.ts');
  const argv = ['webhook', 'serve', ...args, '--port', '0', '--host', '127.0.0.1', '--no-pull-secrets'];
  const script = `import { main } from ${JSON.stringify(main)}; process.exitCode = await main(${JSON.stringify(argv)});`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.KUBERNETES_SERVICE_HOST;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the webhook did not start within 60 s:\n${err}`));
    }, 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({
          port,
          stderr: () => err,
          validate: (body) => post(port, ca, body),
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.stdout!.on('data', () => undefined);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the webhook exited (${code}) before listening:\n${err}`));
    });
  });
}

function post(port: number, ca: Buffer, body: string): Promise<{ status: number; json: ReviewReply; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/validate', method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: ReviewReply;
        try {
          json = JSON.parse(text) as ReviewReply;
        } catch {
          json = undefined as unknown as ReviewReply;
        }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

let uid = 0;

/** A CREATE AdmissionReview (admission.k8s.io/v1) of a Pod with these container images, in `namespace`. */
export function podReview(namespace: string, images: string[]): string {
  const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace }, spec: { containers: images.map((image, i) => ({ name: `c-${i}`, image })) } };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${++uid}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      name: 'p',
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'tester' },
      object,
      oldObject: null,
      dryRun: false,
    },
  });
}

/** Escapes a string for use inside a RegExp. */
export const re = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
