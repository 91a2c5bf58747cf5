import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Test-only keys and certificates, made with the system `openssl` (Debian package openssl), and bcrypt htpasswd
 * files made with `htpasswd` (apache2-utils). Same recipes as the reference scripts (INFRA.md §1):
 *   tls.key/tls.crt      self-signed P-256 server cert for 127.0.0.1, ::1 and localhost (its own CA)
 *   token.key/token.crt  P-256 key + self-signed cert that signs registry bearer tokens (ES256)
 */
const run = promisify(execFile);

export interface TestCerts {
  dir: string;
  tlsKey: string;
  tlsCert: string;
  tokenKey: string;
  tokenCert: string;
}

async function tool(program: string, args: string[], pkg: string): Promise<string> {
  try {
    const { stdout } = await run(program, args, { maxBuffer: 1024 * 1024 });
    return stdout;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${program} is not installed: the registry test harness needs it (apt-get install ${pkg})`);
    }
    throw e;
  }
}

async function selfSigned(keyFile: string, certFile: string, subject: string, san?: string): Promise<void> {
  await tool(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '7',
      '-subj', subject, ...(san ? ['-addext', `subjectAltName=${san}`] : []),
      '-keyout', keyFile, '-out', certFile,
    ],
    'openssl',
  );
}

export async function makeTestCerts(dir: string): Promise<TestCerts> {
  await mkdir(dir, { recursive: true });
  const certs: TestCerts = {
    dir,
    tlsKey: path.join(dir, 'tls.key'),
    tlsCert: path.join(dir, 'tls.crt'),
    tokenKey: path.join(dir, 'token.key'),
    tokenCert: path.join(dir, 'token.crt'),
  };
  await Promise.all([
    selfSigned(certs.tlsKey, certs.tlsCert, '/CN=127.0.0.1', 'IP:127.0.0.1,IP:::1,DNS:localhost'),
    selfSigned(certs.tokenKey, certs.tokenCert, '/CN=tollgate-test-token-signer'),
  ]);
  // The registry may run as another user than the test (not here, but in some CI containers).
  await chmod(certs.tlsKey, 0o644);
  await chmod(certs.tokenKey, 0o644);
  return certs;
}

/** Writes a bcrypt htpasswd file (the only hash distribution's htpasswd auth accepts). */
export async function writeHtpasswd(file: string, users: Record<string, string>): Promise<void> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    lines.push((await tool('htpasswd', ['-Bbn', user, password], 'apache2-utils')).trim());
  }
  await writeFile(file, `${lines.join('\n')}\n`);
}
