import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants as fsConstants, createWriteStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeTestCerts, writeHtpasswd } from './certs.js';
import { startTokenServer, type TokenServer } from './token-server.js';

/**
 * Starts a real CNCF distribution registry (Debian package `docker-registry`, 2.8) on 127.0.0.1 with a
 * kernel-chosen port, in a fresh temp dir with its own config (INFRA.md §1). Three auth variants: none (plain
 * HTTP), basic (bcrypt htpasswd + TLS) and token (bearer tokens from ./token-server.ts + TLS).
 * If the binary is missing the call throws: integration tests fail, they are never skipped.
 */
export type RegistryAuth = 'none' | 'basic' | 'token';

export interface StartRegistryOptions {
  auth?: RegistryAuth;
  /** Default: true for basic and token, false for none. */
  tls?: boolean;
  /** token auth: repositories anonymous users may pull. */
  publicRepositories?: string[];
  /** token auth: users that only get pull. Default ['bob']. */
  pullOnlyUsers?: string[];
}

export interface TestRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http(s)://127.0.0.1:PORT" */
  url: string;
  /** The self-signed certificate to trust (TLS variants). */
  caFile?: string;
  /** A user with full access (basic, token): alice / s3cret. */
  username?: string;
  password?: string;
  /** Every user: alice (full access), bob (pull only under token auth). */
  users: Record<string, string>;
  dir: string;
  /** Registry storage root (filesystem driver). */
  dataDir: string;
  tokenServer?: TokenServer;
  /** Path of a blob's bytes on disk (for corruption tests). */
  blobPath(digest: string): string;
  log(): Promise<string>;
  stop(): Promise<void>;
}

const SERVICE = 'tollgate-registry';
const ISSUER = 'tollgate-test-issuer';
export const TEST_USERS: Record<string, string> = { alice: 's3cret', bob: 'pw2' };
/** Token auth: an OAuth2 refresh token ("identity token" in docker config) for alice. */
export const TEST_REFRESH_TOKEN = 'tollgate-test-refresh-token-alice';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Kill exactly the registries this process started, whatever way the test run ends.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function findRegistryBinary(): string {
  const candidates = [process.env.TOLLGATE_REGISTRY_BIN, '/usr/bin/docker-registry', ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'docker-registry'))];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error(
    'docker-registry (CNCF distribution) is not installed: the registry integration tests need it ' +
      '(apt-get install docker-registry, or set TOLLGATE_REGISTRY_BIN)',
  );
}

function registryConfig(o: {
  dataDir: string;
  tls?: { cert: string; key: string };
  htpasswd?: string;
  token?: { realm: string; rootCert: string };
}): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(o.dataDir)}`,
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    '  addr: 127.0.0.1:0',
    '  secret: tollgate-test-only-secret',
  ];
  if (o.tls) lines.push('  tls:', `    certificate: ${JSON.stringify(o.tls.cert)}`, `    key: ${JSON.stringify(o.tls.key)}`);
  if (o.htpasswd) lines.push('auth:', '  htpasswd:', '    realm: tollgate-test', `    path: ${JSON.stringify(o.htpasswd)}`);
  if (o.token) {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${JSON.stringify(o.token.realm)}`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${JSON.stringify(o.token.rootCert)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Polls GET /v2/ until the registry answers anything (200 or 401). */
async function waitForRegistry(url: string, ca: Buffer | undefined, child: ChildProcess, logText: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}) before answering:\n${logText()}`);
    const status = await new Promise<number | undefined>((resolve) => {
      const mod = url.startsWith('https:') ? https : http;
      const req = mod.get(`${url}/v2/`, { ...(ca ? { ca } : {}), timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', () => resolve(undefined));
      req.on('timeout', () => req.destroy());
    });
    if (status === 200 || status === 401) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${url}/v2/ within 20 s:\n${logText()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? 'none';
  const tls = options.tls ?? auth !== 'none';
  const binary = findRegistryBinary();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-reg-'));
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir);

  const certs = tls || auth === 'token' ? await makeTestCerts(dir) : undefined;
  let htpasswd: string | undefined;
  if (auth === 'basic') {
    htpasswd = path.join(dir, 'htpasswd');
    await writeHtpasswd(htpasswd, TEST_USERS);
  }
  let tokenServer: TokenServer | undefined;
  if (auth === 'token' && certs) {
    tokenServer = await startTokenServer({
      signingKeyFile: certs.tokenKey,
      signingCertFile: certs.tokenCert,
      tlsKeyFile: certs.tlsKey,
      tlsCertFile: certs.tlsCert,
      issuer: ISSUER,
      service: SERVICE,
      users: TEST_USERS,
      pullOnlyUsers: options.pullOnlyUsers ?? ['bob'],
      publicRepositories: options.publicRepositories ?? [],
      refreshTokens: { [TEST_REFRESH_TOKEN]: 'alice' },
    });
  }
  const configFile = path.join(dir, 'config.yml');
  await writeFile(
    configFile,
    registryConfig({
      dataDir,
      ...(tls && certs ? { tls: { cert: certs.tlsCert, key: certs.tlsKey } } : {}),
      ...(htpasswd ? { htpasswd } : {}),
      ...(tokenServer && certs ? { token: { realm: tokenServer.realm, rootCert: certs.tokenCert } } : {}),
    }),
  );

  installExitHook();
  const logFile = path.join(dir, 'registry.log');
  const logStream = createWriteStream(logFile);
  let logText = '';
  const child = spawn(binary, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`docker-registry did not log its address within 20 s:\n${logText}`)), 20_000);
    const onData = (chunk: Buffer) => {
      logStream.write(chunk);
      if (logText.length < 1024 * 1024) logText += chunk.toString('utf8');
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(logText);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited with ${code}:\n${logText}`));
    });
  });
  const host = `127.0.0.1:${port}`;
  const url = `${tls ? 'https' : 'http'}://${host}`;
  const ca = certs ? await readFile(certs.tlsCert) : undefined;

  const stop = async (): Promise<void> => {
    if (live.has(child)) {
      live.delete(child);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    }
    await tokenServer?.close();
    logStream.end();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForRegistry(url, ca, child, () => logText);
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    host,
    url,
    ...(certs && tls ? { caFile: certs.tlsCert } : {}),
    ...(auth !== 'none' ? { username: 'alice', password: TEST_USERS.alice } : {}),
    users: { ...TEST_USERS },
    dir,
    dataDir,
    ...(tokenServer ? { tokenServer } : {}),
    blobPath(digest: string): string {
      const [algorithm, hex] = digest.split(':') as [string, string];
      return path.join(dataDir, 'docker', 'registry', 'v2', 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
    },
    log: async () => readFile(logFile, 'utf8').catch(() => logText),
    stop,
  };
}

// ------------------------------------------------------------------ small test images built in code

export interface TestBlob {
  digest: string;
  size: number;
  bytes: Buffer;
  mediaType: string;
}

export interface TestImage {
  config: TestBlob;
  layers: TestBlob[];
  manifest: TestBlob;
}

export interface TestIndex {
  images: { platform: { os: string; architecture: string }; image: TestImage }[];
  index: TestBlob;
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function blob(bytes: Buffer, mediaType: string): TestBlob {
  return { bytes, mediaType, digest: sha256Digest(bytes), size: bytes.length };
}

/** A POSIX ustar archive with regular files (enough for a layer; written by hand to stay dependency-free). */
export function makeTar(files: Record<string, string | Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write(`${(1_700_000_000).toString(8).padStart(11, '0')}\0`, 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Config + one gzip layer + OCI image manifest. `note` lands in an annotation (same length → same-size edits). */
export function buildTestImage(options: { architecture?: string; files?: Record<string, string>; note?: string } = {}): TestImage {
  const architecture = options.architecture ?? 'amd64';
  const tar = makeTar(options.files ?? { 'hello.txt': `hello from ${architecture}\n` });
  const layer = blob(gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture,
        os: 'linux',
        config: { Env: ['PATH=/usr/bin'] },
        rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
        history: [{ created_by: 'tollgate test' }],
      }),
    ),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
        layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
        annotations: { note: options.note ?? 'aaaaaaaa' },
      }),
    ),
    'application/vnd.oci.image.manifest.v1+json',
  );
  return { config, layers: [layer], manifest };
}

export function buildTestIndex(architectures: string[] = ['amd64', 'arm64']): TestIndex {
  const images = architectures.map((architecture) => ({ platform: { os: 'linux', architecture }, image: buildTestImage({ architecture }) }));
  const index = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: images.map(({ platform, image }) => ({
          mediaType: image.manifest.mediaType,
          digest: image.manifest.digest,
          size: image.manifest.size,
          platform,
        })),
      }),
    ),
    'application/vnd.oci.image.index.v1+json',
  );
  return { images, index };
}
