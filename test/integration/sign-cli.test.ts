/**
 * The sign / verify / attest / verify-attestation / save / load commands as a user runs them, against a real
 * registry with Basic auth over TLS (credentials from TOLLGATE_USERNAME/TOLLGATE_PASSWORD, CA from --ca-file), with
 * PEM key files: exit codes, cosign-style output, and no private key material in any output. Each command runs in
 * its own Node process (the command module's run function, as the CLI action calls it); the commander blocks that
 * wire them into src/cli/main.ts are parsed here too.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildProgram } from '../../src/cli/main.js';
import { RegistryClient } from '../../src/oci/index.js';
import { buildImage, buildLayer, makeTar } from '../support/image-builder.js';
import { hasStackTrace } from '../support/cli.js';
import { repoRoot, shared } from '../support/paths.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const COMMANDS: Record<string, [string, string]> = {
  sign: ['sign', 'runSign'],
  verify: ['verify', 'runVerify'],
  attest: ['attest', 'runAttest'],
  'verify-attestation': ['verify-attestation', 'runVerifyAttestation'],
  save: ['save', 'runSave'],
  load: ['load', 'runLoad'],
};

/** Runs a command module's run function in a fresh process, as the CLI action does after parsing. */
function run(command: string, image: string, opts: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<Run> {
  const [file, fn] = COMMANDS[command]!;
  const module = path.join(repoRoot, 'src', 'cli', 'commands', `${file}.ts`);
  const script = `import { ${fn} } from ${JSON.stringify(module)}; process.exitCode = await ${fn}(${JSON.stringify(image)}, ${JSON.stringify(opts)});`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('sign, verify, attest, verify-attestation, save, load commands', () => {
  let reg: TestRegistry;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let image: string;
  let digest: string;
  let keyFile: string;
  let pubFile: string;
  let keysDir: string;
  let otherPub: string;
  let privatePem: string;
  const outputs: string[] = [];
  const go = async (command: string, img: string, opts: Record<string, unknown>, extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = await run(command, img, opts, { ...env, ...extraEnv });
    outputs.push(r.stdout, r.stderr);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
    return r;
  };

  before(async () => {
    reg = await startRegistry({ auth: 'basic' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-sign-cli-'));
    env = { DOCKER_CONFIG: path.join(tmp, 'no-docker-config'), TOLLGATE_USERNAME: reg.username!, TOLLGATE_PASSWORD: reg.password!, COSIGN_PASSWORD: '' };
    const client = new RegistryClient({ credentials: { username: reg.username!, password: reg.password! }, caFile: reg.caFile!, dockerConfigDir: env.DOCKER_CONFIG! });
    const img = buildImage([await buildLayer(await makeTar([{ path: 'app', content: 'cli\n' }]))]);
    digest = img.manifestDigest;
    image = `${reg.host}/cli/app:1`;
    await pushImage(client, image, { image: img });
    await client.close();
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    keyFile = path.join(tmp, 'cosign.key');
    pubFile = path.join(tmp, 'cosign.pub');
    await writeFile(keyFile, privatePem, { mode: 0o600 });
    await writeFile(pubFile, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    keysDir = path.join(tmp, 'trusted');
    await mkdir(keysDir);
    otherPub = path.join(keysDir, 'old.pub');
    await writeFile(otherPub, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(path.join(keysDir, 'current.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  });
  after(async () => {
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('sign → exit 0, the digest is signed, a warning about the tag, a note about the transparency log', async () => {
    const r = await go('sign', image, { key: keyFile, annotations: ['env=prod'], caFile: reg.caFile, tlogUpload: 'false' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`warning: .*by tag.*${digest}`));
    assert.match(r.stderr, new RegExp(`Pushed the signature of ${digest} to ${reg.host}/cli/app:sha256-${digest.slice(7)}\\.sig`));
    assert.match(r.stderr, /Attached a Sigstore bundle/);
    assert.match(r.stderr, /--tlog-upload is ignored/);
  });

  test('verify → exit 0, the verified payloads as a JSON array on stdout, the checks on stderr', async () => {
    const r = await go('verify', image, { key: [pubFile], annotations: ['env=prod'], caFile: reg.caFile });
    assert.equal(r.code, 0, r.stderr);
    const payloads = JSON.parse(r.stdout) as { critical: { image: { 'docker-manifest-digest': string }; type: string }; optional: Record<string, string> }[];
    assert.equal(payloads.length, 2);
    for (const p of payloads) {
      assert.equal(p.critical.image['docker-manifest-digest'], digest);
      assert.deepEqual(p.optional, { env: 'prod' });
    }
    assert.match(r.stderr, new RegExp(`Verification for ${image.replace(/\./g, '\\.')} --`));
    assert.match(r.stderr, /The specified annotations were verified/);
    assert.match(r.stderr, /The signatures were verified against the specified public key/);
    const text = await go('verify', image, { key: [keysDir], output: 'text', caFile: reg.caFile });
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout.trim().split('\n').length, 2);
  });

  test('verify fails with exit 1 and the reasons when no signature verifies', async () => {
    const wrongKey = await go('verify', image, { key: [otherPub], caFile: reg.caFile });
    assert.equal(wrongKey.code, 1);
    assert.equal(wrongKey.stdout, '');
    assert.match(wrongKey.stderr, /error: none of the 2 signature\(s\).*\n.*SIGNATURE_MISMATCH/);
    const wrongAnnotation = await go('verify', image, { key: [pubFile], annotations: ['env=dev'], caFile: reg.caFile });
    assert.equal(wrongAnnotation.code, 1);
    assert.match(wrongAnnotation.stderr, /ANNOTATION_MISMATCH/);
    const unsigned = await go('verify', `${reg.host}/cli/app@sha256:${'0'.repeat(64)}`, { key: [pubFile], caFile: reg.caFile });
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.stderr, /no signatures found/);
  });

  test('attest and verify-attestation', async () => {
    const predicate = shared('interop', 'attestations', 'predicates', 'cosign-vuln-predicate.json');
    const a = await go('attest', image, { key: keyFile, type: 'vuln', predicate, caFile: reg.caFile });
    assert.equal(a.code, 0, a.stderr);
    const v = await go('verify-attestation', image, { key: [pubFile], type: 'vuln', caFile: reg.caFile });
    assert.equal(v.code, 0, v.stderr);
    const envelopes = v.stdout.trim().split('\n').map((l) => JSON.parse(l) as { payloadType: string; payload: string });
    assert.equal(envelopes.length, 2);
    for (const e of envelopes) {
      assert.equal(e.payloadType, 'application/vnd.in-toto+json');
      const st = JSON.parse(Buffer.from(e.payload, 'base64').toString()) as { predicateType: string; subject: { digest: { sha256: string } }[] };
      assert.equal(st.predicateType, 'https://cosign.sigstore.dev/attestation/vuln/v1');
      assert.equal(st.subject[0]!.digest.sha256, digest.slice(7));
    }
    const json = await go('verify-attestation', image, { key: [pubFile], type: 'vuln', output: 'json', caFile: reg.caFile });
    assert.equal((JSON.parse(json.stdout) as unknown[]).length, 2);
    const wrongType = await go('verify-attestation', image, { key: [pubFile], type: 'spdxjson', caFile: reg.caFile });
    assert.equal(wrongType.code, 1);
    assert.match(wrongType.stderr, /predicate types found: "https:\/\/cosign\.sigstore\.dev\/attestation\/vuln\/v1"/);
  });

  test('save, verify offline with no registry credentials at all, load elsewhere', async () => {
    const dir = path.join(tmp, 'layout');
    const s = await go('save', image, { dir, caFile: reg.caFile });
    assert.equal(s.code, 0, s.stderr);
    const offlineEnv = { TOLLGATE_USERNAME: '', TOLLGATE_PASSWORD: '' };
    const v = await run('verify', `oci-dir:${dir}`, { key: [pubFile] }, { DOCKER_CONFIG: env.DOCKER_CONFIG, ...offlineEnv });
    assert.equal(v.code, 0, v.stderr);
    assert.equal((JSON.parse(v.stdout) as unknown[]).length, 2);
    const va = await run('verify-attestation', `oci-dir:${dir}`, { key: [pubFile], type: 'vuln' }, { DOCKER_CONFIG: env.DOCKER_CONFIG, ...offlineEnv });
    assert.equal(va.code, 0, va.stderr);
    const l = await go('load', `${reg.host}/copy/app:1`, { dir: `oci-dir:${dir}`, caFile: reg.caFile });
    assert.equal(l.code, 0, l.stderr);
    const again = await go('verify', `${reg.host}/copy/app:1`, { key: [pubFile], caFile: reg.caFile });
    assert.equal(again.code, 0, again.stderr);
  });

  test('usage errors exit 2 without a stack trace', async () => {
    assert.equal((await go('sign', image, { caFile: reg.caFile })).code, 2);
    assert.equal((await go('sign', image, { key: keyFile, annotations: ['novalue'], caFile: reg.caFile })).code, 2);
    assert.equal((await go('sign', image, { key: keyFile, form: 'everywhere', caFile: reg.caFile })).code, 2);
    assert.equal((await go('verify', image, { caFile: reg.caFile })).code, 2);
    assert.equal((await go('attest', image, { key: keyFile, type: 'not a uri', predicate: pubFile, caFile: reg.caFile })).code, 2);
    const notAKey = path.join(tmp, 'broken.key');
    await writeFile(notAKey, privatePem.replace(/\n[A-Za-z0-9+/]{10}/, '\n##########'));
    const broken = await go('sign', image, { key: notAKey, caFile: reg.caFile });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.key: not a PEM private key/);
    const privateAsPublic = await go('verify', image, { key: [keyFile], caFile: reg.caFile });
    assert.equal(privateAsPublic.code, 2);
    assert.match(privateAsPublic.stderr, /a private key, not a public key/);
    const debug = await go('verify', image, { key: [keyFile], debug: true, caFile: reg.caFile });
    assert.equal(debug.code, 2);
  });

  test("a real encrypted cosign key (interop cosign-keys, password from COSIGN_PASSWORD) signs; a wrong password is exit 2", async () => {
    const keys = shared('interop', 'cosign-keys');
    const index = JSON.parse(readFileSync(path.join(keys, 'passwords.json'), 'utf8')) as { keys: { key: string; pub: string; password: string; cosignLoads: boolean }[] };
    const k = index.keys.find((x) => x.key === 'sigstore-test.key' && x.cosignLoads)!;
    const img = `${reg.host}/cli/enc:1`;
    const client = new RegistryClient({ credentials: { username: reg.username!, password: reg.password! }, caFile: reg.caFile!, dockerConfigDir: env.DOCKER_CONFIG! });
    await pushImage(client, img, { image: buildImage([await buildLayer(await makeTar([{ path: 'enc', content: 'encrypted key\n' }]))]) });
    await client.close();
    const wrong = await go('sign', img, { key: path.join(keys, k.key), caFile: reg.caFile }, { COSIGN_PASSWORD: 'Zq9-not-the-password' });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /password/i);
    assert.ok(!wrong.stderr.includes('Zq9-not-the-password'), 'the password is not echoed');
    // Without COSIGN_PASSWORD the key password falls back to TOLLGATE_PASSWORD, here the registry's: the error says so.
    const fallback = await go('sign', img, { key: path.join(keys, k.key), caFile: reg.caFile }, { COSIGN_PASSWORD: undefined });
    assert.equal(fallback.code, 2, fallback.stderr);
    assert.match(fallback.stderr, /incorrect password.*came from TOLLGATE_PASSWORD, which also holds the registry password.*set COSIGN_PASSWORD/);
    assert.ok(!fallback.stderr.includes(reg.password!), 'the password is not echoed');
    const ok = await go('sign', img, { key: path.join(keys, k.key), form: 'legacy', caFile: reg.caFile }, { COSIGN_PASSWORD: k.password });
    assert.equal(ok.code, 0, ok.stderr);
    const v = await go('verify', img, { key: [path.join(keys, k.pub)], caFile: reg.caFile });
    assert.equal(v.code, 0, v.stderr);
    const other = await go('verify', img, { key: [path.join(keys, 'policy-controller-example.pub')], caFile: reg.caFile });
    assert.equal(other.code, 1);
  });

  test('no private key material in any output', () => {
    const body = privatePem.split('\n').filter((line) => line && !line.startsWith('-----'));
    assert.ok(body.length >= 3);
    const all = outputs.join('\n');
    for (const line of body) assert.ok(!all.includes(line), 'a line of the private key appears in the output');
    assert.ok(!all.includes('PRIVATE KEY-----'), 'a PEM private key header appears in the output');
  });

  test("main.ts's sign, verify, attest, verify-attestation, save and load commands parse their options as the commands expect", () => {
    // The real command tree; parseOptions() parses without running the actions.
    const program = buildProgram(() => {});
    const parse = (argv: string[]) => {
      const [name, ...rest] = argv;
      const cmd = program.commands.find((c) => c.name() === name)!;
      const { operands } = cmd.parseOptions(rest);
      return { image: operands[0], opts: cmd.opts() };
    };
    const seen = [
      parse(['sign', '--key', 'k.key', '-a', 'a=1', '--annotations', 'b=2', '--recursive', '--tlog-upload=false', 'img:1']),
      parse(['verify', '--key', 'a.pub', '--key', 'dir', '-a', 'x=y', '--output', 'text', '--check-reference', 'img:1']),
      parse(['attest', '--key', 'k.key', '--type', 'slsaprovenance', '--predicate', 'p.json', '--form', 'legacy', 'img:1']),
      parse(['verify-attestation', '--key', 'a.pub', '--type', 'vuln', 'img:1']),
      parse(['save', 'img:1', '--dir', 'out']),
      parse(['load', '--dir', 'out', 'reg/x:1']),
    ];
    assert.deepEqual(seen.map((s) => s.image), ['img:1', 'img:1', 'img:1', 'img:1', 'img:1', 'reg/x:1']);
    assert.deepEqual(pick(seen[0]!.opts, ['key', 'annotations', 'recursive', 'tlogUpload', 'form']), { key: 'k.key', annotations: ['a=1', 'b=2'], recursive: true, tlogUpload: 'false', form: 'both' });
    assert.deepEqual(pick(seen[1]!.opts, ['key', 'annotations', 'output', 'checkReference']), { key: ['a.pub', 'dir'], annotations: ['x=y'], output: 'text', checkReference: true });
    assert.deepEqual(pick(seen[2]!.opts, ['key', 'type', 'predicate', 'form']), { key: 'k.key', type: 'slsaprovenance', predicate: 'p.json', form: 'legacy' });
    assert.deepEqual(pick(seen[3]!.opts, ['key', 'type', 'output']), { key: ['a.pub'], type: 'vuln', output: 'text' });
    assert.equal(seen[4]!.opts.dir, 'out');
    assert.equal(seen[5]!.opts.dir, 'out');
  });
});

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
