import { createPublicKey, generateKeyPair as generateKeyPairCallback, randomBytes, type KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { SignError, UsageError } from '../../core/index.js';
import { encryptPrivateKey, type ScryptStrength } from './encrypted-key.js';
import { keyAlgorithm, type KeyAlgorithm } from './key-signer.js';
import { decodePemBlocks, encodePem } from './pem.js';
import { isEncryptedCosignBlock, parsePlainPrivateKey } from './plain-private-key.js';
import { readKeyFile } from './read-key-file.js';

/** Key types `generateKeyPair` makes: cosign's default ECDSA P-256 and the others cosign signs with. */
export type KeyType = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ed25519';

export interface KeyPairWriteOptions {
  /**
   * The encryption password of the .key file; '' is allowed (cosign allows it). A function is called only once
   * the target files are known not to exist (so a prompt is not shown for a write that would be refused).
   */
  password: string | Buffer | (() => Promise<string | Buffer>);
  /** Files are `<prefix>.key` and `<prefix>.pub`, relative to `dir`. */
  prefix?: string;
  /** Default: the current directory. */
  dir?: string;
  /** Replace existing files. Without it an existing `.key` or `.pub` is a UsageError KEY_EXISTS. */
  force?: boolean;
  /** scrypt parameters of the .key file (default legacy: readable by every cosign release). */
  strength?: ScryptStrength;
}

export interface GenerateKeyPairOptions extends KeyPairWriteOptions {
  /** Default 'ecdsa-p256', as cosign. */
  keyType?: KeyType;
}

export interface ImportKeyPairOptions extends KeyPairWriteOptions {
  /** A plain PEM private key: PKCS#8, SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`. */
  keyFile: string;
}

export interface KeyPairFiles {
  /** Absolute paths of what was written. */
  privateKeyFile: string;
  publicKeyFile: string;
  /** `<prefix>.key` / `<prefix>.pub` as the caller named them (for "Private key written to …"). */
  privateKeyName: string;
  publicKeyName: string;
  publicKey: KeyObject;
  algorithm: KeyAlgorithm;
}

const PRIVATE_MODE = 0o600;
/** cosign writes the public key 0644 (generate_key_pair.go writeKeyFiles). */
const PUBLIC_MODE = 0o644;

interface Target {
  file: string;
  name: string;
  content: Buffer;
  mode: number;
}

function targetsFor(options: KeyPairWriteOptions, defaultPrefix: string): { key: Target; pub: Target } {
  const prefix = options.prefix ?? defaultPrefix;
  if (!prefix) throw new UsageError('INVALID_ARGUMENT', 'the output key prefix is empty');
  const dir = options.dir ?? process.cwd();
  const empty = Buffer.alloc(0);
  return {
    key: { file: path.resolve(dir, `${prefix}.key`), name: `${prefix}.key`, content: empty, mode: PRIVATE_MODE },
    pub: { file: path.resolve(dir, `${prefix}.pub`), name: `${prefix}.pub`, content: empty, mode: PUBLIC_MODE },
  };
}

function exists(name: string): UsageError {
  return new UsageError('KEY_EXISTS', `${name} already exists; use --force to overwrite it`);
}

async function refuseExisting(targets: Target[]): Promise<void> {
  for (const t of targets) {
    if (await lstat(t.file).then(() => true, () => false)) throw exists(t.name);
  }
}

function writeFailed(name: string, e: unknown): SignError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `${code}, permission denied` : code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT' ? `${code}, no space` : (code ?? 'write error');
  return new SignError('KEY_WRITE_FAILED', `cannot write ${name} (${why})`);
}

/**
 * Writes `content` into a new temporary file beside the target: created with O_EXCL and the final mode (never
 * readable by others, not even while being written), flushed to disk. Returns its path.
 */
async function writeTemp(t: Target): Promise<string> {
  const tmp = path.join(path.dirname(t.file), `.${path.basename(t.file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, t.mode);
  } catch (e) {
    throw writeFailed(t.name, e);
  }
  try {
    await fh.chmod(t.mode); // the umask may have removed bits of 0644; 0600 it can only keep
    await fh.writeFile(t.content);
    await fh.sync();
    await fh.close();
    return tmp;
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw writeFailed(t.name, e);
  }
}

/**
 * Moves a complete temporary file to its name. Without `force` the name is claimed atomically (link(2) fails
 * when it exists: the O_EXCL of a rename), so a file created meanwhile is never replaced; with `force`
 * rename(2) replaces it in one step. Either way the name only ever shows a complete file.
 */
async function publish(tmp: string, t: Target, force: boolean): Promise<void> {
  if (force) {
    await rename(tmp, t.file).catch((e: unknown) => {
      throw writeFailed(t.name, e);
    });
    return;
  }
  try {
    await link(tmp, t.file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw exists(t.name);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EMLINK') throw writeFailed(t.name, e);
    // A file system without hard links: claim the name with an empty O_EXCL file, then rename over it.
    try {
      const fh = await open(t.file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, t.mode);
      await fh.close();
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') throw exists(t.name);
      throw writeFailed(t.name, e2);
    }
    await rename(tmp, t.file).catch(async (e3: unknown) => {
      await unlink(t.file).catch(() => undefined);
      throw writeFailed(t.name, e3);
    });
    return;
  }
  await unlink(tmp).catch(() => undefined);
}

/** Writes the .key then the .pub (cosign's order); on failure nothing new is left behind. */
async function writeKeyPair(key: Target, pub: Target, force: boolean): Promise<void> {
  const temps: string[] = [];
  const published: Target[] = [];
  try {
    temps.push(await writeTemp(key));
    temps.push(await writeTemp(pub));
    await publish(temps[0]!, key, force);
    published.push(key);
    await publish(temps[1]!, pub, force);
    published.push(pub);
  } catch (e) {
    // Without --force whatever was published was created by this call, so taking it back loses nothing.
    if (!force) for (const t of published) await unlink(t.file).catch(() => undefined);
    throw e;
  } finally {
    for (const tmp of temps) await unlink(tmp).catch(() => undefined);
  }
  // Make the new directory entries durable too (best effort: not every platform can open a directory).
  const dir = await open(path.dirname(key.file), 'r').catch(() => undefined);
  await dir?.sync().catch(() => undefined);
  await dir?.close().catch(() => undefined);
}

async function writeEncrypted(privateKey: KeyObject, options: KeyPairWriteOptions, defaultPrefix: string): Promise<KeyPairFiles> {
  const { key, pub } = targetsFor(options, defaultPrefix);
  if (!options.force) await refuseExisting([key, pub]); // before the slow scrypt, and with a clear message
  const algorithm = keyAlgorithm(privateKey, key.name);
  const publicKey = createPublicKey(privateKey);
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  try {
    const password = typeof options.password === 'function' ? await options.password() : options.password;
    key.content = Buffer.from(await encryptPrivateKey(pkcs8, password, options.strength ? { strength: options.strength } : {}), 'utf8');
  } finally {
    pkcs8.fill(0);
  }
  pub.content = Buffer.from(encodePem('PUBLIC KEY', publicKey.export({ type: 'spki', format: 'der' })), 'utf8');
  await writeKeyPair(key, pub, options.force ?? false);
  return { privateKeyFile: key.file, publicKeyFile: pub.file, privateKeyName: key.name, publicKeyName: pub.name, publicKey, algorithm };
}

function newPrivateKey(type: KeyType): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: KeyObject, priv: KeyObject) => (err ? reject(err) : resolve(priv));
    switch (type) {
      case 'ecdsa-p256':
        return generateKeyPairCallback('ec', { namedCurve: 'P-256' }, done);
      case 'ecdsa-p384':
        return generateKeyPairCallback('ec', { namedCurve: 'P-384' }, done);
      case 'ecdsa-p521':
        return generateKeyPairCallback('ec', { namedCurve: 'P-521' }, done);
      case 'rsa-2048':
      case 'rsa-3072':
      case 'rsa-4096':
        return generateKeyPairCallback('rsa', { modulusLength: Number(type.slice(4)) }, done);
      case 'ed25519':
        return generateKeyPairCallback('ed25519', {}, done);
      default:
        return reject(new UsageError('INVALID_ARGUMENT', `unknown key type ${JSON.stringify(type)}`));
    }
  });
}

/**
 * cosign generate-key-pair: a new key (ECDSA P-256 unless `keyType`) written as `<prefix>.key` (cosign's
 * encrypted PEM, mode 0600) and `<prefix>.pub` (SPKI PEM). Existing files are a UsageError KEY_EXISTS unless
 * `force`; a failed or interrupted write never leaves a partial key file.
 */
export async function generateKeyPair(options: GenerateKeyPairOptions): Promise<KeyPairFiles> {
  const { key, pub } = targetsFor(options, 'cosign');
  if (!options.force) await refuseExisting([key, pub]); // before spending time on an RSA key
  return writeEncrypted(await newPrivateKey(options.keyType ?? 'ecdsa-p256'), options, 'cosign');
}

/**
 * cosign import-key-pair: reads a plain PEM private key (PKCS#8 RSA/ECDSA/Ed25519, SEC1 `EC PRIVATE KEY`, PKCS#1
 * `RSA PRIVATE KEY`) and writes it as `<prefix>.key` in cosign's encrypted format (PKCS#8 inside, label
 * `ENCRYPTED SIGSTORE PRIVATE KEY`) with its `<prefix>.pub`. Default prefix `import-cosign`, as cosign.
 */
export async function importKeyPair(options: ImportKeyPairOptions): Promise<KeyPairFiles> {
  const bytes = await readKeyFile(options.keyFile);
  const { blocks, problem } = decodePemBlocks(bytes.toString('utf8'));
  const block = blocks.find((b) => b.type !== 'EC PARAMETERS');
  if (!block) throw new SignError('MALFORMED_KEY', `${options.keyFile}: not a PEM private key (${problem ?? 'no PEM block'})`);
  if (isEncryptedCosignBlock(block)) {
    throw new SignError('UNSUPPORTED_KEY', `${options.keyFile}: already an encrypted cosign key; use it as it is (import-key-pair reads plain PEM keys)`);
  }
  return writeEncrypted(parsePlainPrivateKey(block, options.keyFile), options, 'import-cosign');
}
