/**
 * `tollgate generate-key-pair` and `tollgate import-key-pair` run as processes: files, messages, exit codes,
 * the password sources (COSIGN_PASSWORD, TOLLGATE_PASSWORD, a terminal prompt without echo driven through a real
 * pseudo-terminal by python3's pty module), and that no password or key material reaches stdout/stderr.
 *
 * src/cli/main.ts does not register these commands yet; the child below registers them with exactly the
 * commander blocks proposed for main.ts (`addKeyPairCommands`) around a copy of main's error handling.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { hasStackTrace } from '../../../test/support/cli.js';
import { loadPrivateKey } from '../../sign/index.js';

const run = promisify(execFile);
let tmp: string;
let cli: string;
/** This process's Node options (`--import tsx` under the TypeScript loader), resolvable from any working directory. */
const nodeArgs = process.execArgv.map((a, i, all) => (all[i - 1] === '--import' && !a.startsWith('file:') && !a.startsWith('.') ? import.meta.resolve(a) : a));
let n = 0;
const PASSWORD = 'Tr0ub4dor&3-distinctive';

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-keycli-'));
  cli = path.join(tmp, 'cli.mjs');
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  await writeFile(
    cli,
    `import { Command, CommanderError } from ${JSON.stringify(import.meta.resolve('commander'))};
import { createOutput } from ${url('../output.js')};
import { exitCodeFor, ExitCode } from ${url('../exit-codes.js')};
const program = new Command('tollgate');
program.option('-q, --quiet').option('--debug').configureOutput({ outputError: (str, write) => write(str) }).exitOverride();
let code = ExitCode.ok;
const onExit = (c) => { code = c; };
// ---- the blocks proposed for src/cli/main.ts (lazy imports resolved against src/cli/) ----
program
  .command('generate-key-pair')
  .summary('create a cosign key pair: <prefix>.key (encrypted private key) and <prefix>.pub')
  .option('--output-key-prefix <prefix>', 'name of the .key and .pub files', 'cosign')
  .option('--force', 'overwrite existing key files')
  .action(async (opts) => {
    const { runGenerateKeyPair } = await import(${url('./generate-key-pair.js')});
    onExit(await runGenerateKeyPair({ ...program.opts(), ...opts }));
  });
program
  .command('import-key-pair')
  .summary('import a PEM private key (PKCS#8, EC, RSA, Ed25519) as a cosign key pair')
  .requiredOption('-k, --key <file>', 'plain PEM private key to import')
  .option('-o, --output-key-prefix <prefix>', 'name of the .key and .pub files', 'import-cosign')
  .option('--force', 'overwrite existing key files')
  .option('-y, --yes', "overwrite existing key files (cosign's flag)")
  .action(async (opts) => {
    const { runImportKeyPair } = await import(${url('./import-key-pair.js')});
    onExit(await runImportKeyPair({ ...program.opts(), ...opts }));
  });
// ---- end ----
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (e) {
  if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : ExitCode.usage;
  else { createOutput().error(e); code = exitCodeFor(e); }
}
process.exitCode = code;
`,
  );
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}
/** Everything any run printed, for the leak check at the end. */
const transcripts: string[] = [];

async function runIn(dir: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.COSIGN_PASSWORD;
  delete childEnv.TOLLGATE_PASSWORD;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, [...nodeArgs, cli, ...args], { cwd: dir, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end();
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  transcripts.push(stdout, stderr);
  assert.ok(!hasStackTrace(stderr), stderr);
  return { code, stdout, stderr };
}

const fresh = async (name: string) => {
  const d = path.join(tmp, `${++n}-${name}`);
  await mkdir(d, { recursive: true });
  return d;
};

describe('tollgate generate-key-pair', () => {
  test('COSIGN_PASSWORD: cosign.key (0600) and cosign.pub, cosign’s messages on stderr, nothing on stdout', async () => {
    const dir = await fresh('gen');
    const r = await runIn(dir, ['generate-key-pair'], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'Private key written to cosign.key\nPublic key written to cosign.pub\n');
    assert.equal((await stat(path.join(dir, 'cosign.key'))).mode & 0o777, 0o600);
    const signer = await loadPrivateKey(path.join(dir, 'cosign.key'), { password: PASSWORD });
    assert.equal(signer.algorithm, 'ecdsa-p256-sha256');
  });

  test('TOLLGATE_PASSWORD is the fallback; COSIGN_PASSWORD wins when both are set; an empty value is an empty password', async () => {
    for (const [env, password] of [
      [{ TOLLGATE_PASSWORD: 'from-tollgate' }, 'from-tollgate'],
      [{ TOLLGATE_PASSWORD: 'from-tollgate', COSIGN_PASSWORD: 'from-cosign' }, 'from-cosign'],
      [{ COSIGN_PASSWORD: '' }, ''],
    ] as const) {
      const dir = await fresh('env');
      const r = await runIn(dir, ['generate-key-pair', '--output-key-prefix', 'release'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'Private key written to release.key\nPublic key written to release.pub\n');
      await loadPrivateKey(path.join(dir, 'release.key'), { password });
    }
  });

  test('no password and no terminal: exit 2 with a clear message, no file', async () => {
    const dir = await fresh('nopw');
    const r = await runIn(dir, ['generate-key-pair']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'error: no password for the private key: set COSIGN_PASSWORD (an empty value means no password), or run in a terminal to be asked\n');
    assert.deepEqual(await readdir(dir), []);
  });

  test('existing files: exit 2, untouched; --force overwrites', async () => {
    const dir = await fresh('exists');
    await writeFile(path.join(dir, 'cosign.key'), 'keep me');
    const r = await runIn(dir, ['generate-key-pair'], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'error: cosign.key already exists; use --force to overwrite it\n');
    assert.equal(await readFile(path.join(dir, 'cosign.key'), 'utf8'), 'keep me');
    const forced = await runIn(dir, ['generate-key-pair', '--force'], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(forced.code, 0, forced.stderr);
    await loadPrivateKey(path.join(dir, 'cosign.key'), { password: PASSWORD });
  });

  test('a folder that cannot be written: exit 3', async () => {
    const dir = await fresh('nodir');
    const r = await runIn(dir, ['generate-key-pair', '--output-key-prefix', 'missing/dir/cosign'], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(r.code, 3);
    assert.equal(r.stderr, 'error: cannot write missing/dir/cosign.key (ENOENT)\n');
  });
});

describe('tollgate import-key-pair', () => {
  test('a plain PEM key becomes import-cosign.key/.pub; a missing or unusable key file is exit 2', async () => {
    const dir = await fresh('import');
    const plain = path.join(dir, 'plain.pem');
    await writeFile(plain, (await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'])).stdout);
    const r = await runIn(dir, ['import-key-pair', '--key', 'plain.pem'], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'Private key written to import-cosign.key\nPublic key written to import-cosign.pub\n');
    await loadPrivateKey(path.join(dir, 'import-cosign.key'), { password: PASSWORD });

    const again = await runIn(dir, ['import-key-pair', '-k', 'plain.pem'], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(again.code, 2);
    assert.equal(again.stderr, 'error: import-cosign.key already exists; use --force to overwrite it\n');
    assert.equal((await runIn(dir, ['import-key-pair', '-k', 'plain.pem', '-y'], { COSIGN_PASSWORD: PASSWORD })).code, 0);

    const noKey = await runIn(dir, ['import-key-pair'], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /required option '-k, --key <file>' not specified/);

    const missing = await runIn(dir, ['import-key-pair', '-k', 'nope.pem', '-o', 'x'], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'error: nope.pem: no such file\n');

    const encrypted = await runIn(dir, ['import-key-pair', '-k', 'import-cosign.key', '-o', 'x'], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(encrypted.code, 2);
    assert.equal(encrypted.stderr, 'error: import-cosign.key: already an encrypted cosign key; use it as it is (import-key-pair reads plain PEM keys)\n');
  });
});

/**
 * Runs the CLI on a pseudo-terminal (python3's pty module), answering each expected prompt. Returns everything the
 * terminal showed (the child's stdout and stderr, and the echo if there were any) and the exit code.
 */
async function onTerminal(dir: string, args: string[], answers: [prompt: string, typed: string][]): Promise<{ code: number; screen: string }> {
  const driver = `
import json, os, pty, select, sys, time
argv, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
screen = b''
def read(deadline):
    global screen
    r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not r: return False
    try: data = os.read(fd, 4096)
    except OSError: return None
    if not data: return None
    screen += data
    return True
for prompt, typed in answers:
    deadline = time.time() + 60
    while prompt.encode() not in screen.split(b'\\x00')[-1] and time.time() < deadline:
        if read(deadline) is None: break
    screen += b'\\x00'  # marks what was already answered
    time.sleep(0.2)
    os.write(fd, typed.encode())
while read(time.time() + 60): pass
_, status = os.waitpid(pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "screen": screen.replace(b'\\x00', b'').decode('utf-8', 'replace')}))
`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.COSIGN_PASSWORD;
  delete env.TOLLGATE_PASSWORD;
  const { stdout } = await run('python3', ['-c', driver, JSON.stringify([process.execPath, ...nodeArgs, cli, ...args]), JSON.stringify(answers)], {
    cwd: dir,
    env,
    timeout: 180_000,
  });
  const result = JSON.parse(stdout) as { code: number; screen: string };
  transcripts.push(result.screen);
  return result;
}

describe('the password prompt on a terminal', () => {
  test('asked twice, never echoed; the key opens with what was typed', async () => {
    const dir = await fresh('tty');
    const typed = 'typed-on-tty-5c1f';
    const r = await onTerminal(dir, ['generate-key-pair'], [
      ['Enter password for private key: ', `${typed}\r`],
      ['Enter password for private key again: ', `${typed}\r`],
    ]);
    assert.equal(r.code, 0, r.screen);
    assert.ok(!r.screen.includes(typed), `the password was echoed: ${JSON.stringify(r.screen)}`);
    assert.match(r.screen, /Enter password for private key: \r?\nEnter password for private key again: \r?\nPrivate key written to cosign\.key\r?\nPublic key written to cosign\.pub/);
    await loadPrivateKey(path.join(dir, 'cosign.key'), { password: typed });
  });

  test('backspace edits; a mismatched confirmation is exit 2 and writes nothing', async () => {
    const dir = await fresh('tty-edit');
    const ok = await onTerminal(dir, ['generate-key-pair'], [
      ['Enter password for private key: ', 'abcX\x7fd\r'],
      ['Enter password for private key again: ', 'abcd\r'],
    ]);
    assert.equal(ok.code, 0, ok.screen);
    await loadPrivateKey(path.join(dir, 'cosign.key'), { password: 'abcd' });
    const dir2 = await fresh('tty-mismatch');
    const bad = await onTerminal(dir2, ['generate-key-pair'], [
      ['Enter password for private key: ', 'one\r'],
      ['Enter password for private key again: ', 'two\r'],
    ]);
    assert.equal(bad.code, 2, bad.screen);
    assert.match(bad.screen, /error: passwords do not match/);
    assert.deepEqual(await readdir(dir2), []);
  });

  test('Ctrl-C at the prompt interrupts (exit 130), nothing written', async () => {
    const dir = await fresh('tty-ctrlc');
    const r = await onTerminal(dir, ['generate-key-pair'], [['Enter password for private key: ', 'abc\x03']]);
    assert.equal(r.code, 130, r.screen);
    assert.deepEqual(await readdir(dir), []);
  });
});

describe('no secret in any output', () => {
  test('no password and no fragment of a written key appears in what the commands printed', async () => {
    const secrets = [PASSWORD, 'from-tollgate', 'from-cosign', 'typed-on-tty-5c1f'];
    for (const d of await readdir(tmp)) {
      for (const f of await readdir(path.join(tmp, d)).catch(() => [] as string[])) {
        if (!/\.(key|pem)$/.test(f)) continue;
        const text = await readFile(path.join(tmp, d, f), 'utf8');
        const body = text.split('\n').filter((l) => l && !l.startsWith('-----'));
        for (const line of body) for (let i = 0; i + 8 <= line.length; i += 2) secrets.push(line.slice(i, i + 8));
      }
    }
    assert.ok(secrets.length > 100);
    assert.ok(transcripts.length > 10);
    for (const out of transcripts) for (const s of secrets) assert.ok(!out.includes(s), `${JSON.stringify(s)} leaked into ${JSON.stringify(out)}`);
  });
});
