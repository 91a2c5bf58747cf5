import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { SignError } from '../../core/index.js';
import { defaultCacheDir } from '../../infra/index.js';

/**
 * Where the public-good trusted_root.json (the TUF target of that name) is cached. Tollgate never fetches it
 * during verification: verification is offline, from the bundle and this file only.
 */
export function defaultTrustedRootPath(cacheDir: string = defaultCacheDir()): string {
  return path.join(cacheDir, 'sigstore', 'trusted_root.json');
}

/** Reads a trusted root file; without a file, the cached public-good copy (a clear error when there is none). */
export async function readTrustedRoot(file?: string, cacheDir?: string): Promise<TrustedRoot> {
  const target = file ?? defaultTrustedRootPath(cacheDir);
  let bytes: Buffer;
  try {
    bytes = await readFile(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!file && code === 'ENOENT') {
      throw new SignError(
        'TRUSTED_ROOT_MISSING',
        `no Sigstore trusted root: pass --trusted-root FILE (a trusted_root.json, e.g. the public-good one from ` +
          `the Sigstore TUF repository or \`cosign trusted-root create\`), or cache the public-good root at ${target} ` +
          '(`tollgate trusted-root update`)',
        { cause: e },
      );
    }
    throw new SignError('TRUSTED_ROOT_MISSING', `cannot read trusted root ${target}: ${(e as Error).message}`, { cause: e });
  }
  return decodeTrustedRoot(bytes, target);
}

/**
 * Decodes a trusted_root.json (protobuf-specs TrustedRoot, JSON form) and rejects what the specification forbids
 * instead of guessing: a validity range without its (required) start, keys or certificates that do not parse.
 * A missing start must not be read as "valid since the beginning of time" (conformance case
 * trust-root-tlog-missing-validity-start_fail).
 */
export function decodeTrustedRoot(bytes: Buffer, name = 'trusted root'): TrustedRoot {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SignError('TRUSTED_ROOT_INVALID', `${name}: not JSON (${(e as Error).message})`, { cause: e });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SignError('TRUSTED_ROOT_INVALID', `${name}: not a JSON object`);
  const obj = json as Record<string, unknown>;
  if (typeof obj.mediaType !== 'string' || !obj.mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw new SignError('TRUSTED_ROOT_INVALID', `${name}: not a Sigstore trusted root (mediaType ${JSON.stringify(obj.mediaType)})`);
  }
  const problems: string[] = [];
  const listOf = (key: string): Record<string, unknown>[] => {
    const v = obj[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      problems.push(`${key} is not a list`);
      return [];
    }
    return v.filter((x, i) => {
      const ok = x !== null && typeof x === 'object' && !Array.isArray(x);
      if (!ok) problems.push(`${key}[${i}] is not an object`);
      return ok;
    }) as Record<string, unknown>[];
  };
  // protobuf JSON: null is the same as an absent field.
  const checkRange = (where: string, range: unknown) => {
    if (range === undefined || range === null) return;
    const r = range as Record<string, unknown>;
    if (typeof r !== 'object' || typeof r.start !== 'string' || Number.isNaN(Date.parse(r.start))) {
      problems.push(`${where}.validFor has no valid start`);
    } else if (r.end !== undefined && r.end !== null && (typeof r.end !== 'string' || Number.isNaN(Date.parse(r.end)))) {
      problems.push(`${where}.validFor.end is not a time`);
    }
  };
  for (const key of ['tlogs', 'ctlogs']) {
    listOf(key).forEach((log, i) => {
      const where = `${key}[${i}]`;
      const pk = log.publicKey as Record<string, unknown> | undefined;
      if (!pk || typeof pk.rawBytes !== 'string' || pk.rawBytes === '') problems.push(`${where}.publicKey.rawBytes is missing`);
      else checkRange(`${where}.publicKey`, pk.validFor);
      const logId = log.logId as Record<string, unknown> | undefined;
      if (!logId || typeof logId.keyId !== 'string' || logId.keyId === '') problems.push(`${where}.logId.keyId is missing`);
    });
  }
  for (const key of ['certificateAuthorities', 'timestampAuthorities']) {
    listOf(key).forEach((ca, i) => {
      const where = `${key}[${i}]`;
      const certs = (ca.certChain as Record<string, unknown> | undefined)?.certificates;
      if (!Array.isArray(certs) || certs.length === 0) problems.push(`${where}.certChain has no certificates`);
      checkRange(where, ca.validFor);
    });
  }
  if (problems.length > 0) throw new SignError('TRUSTED_ROOT_INVALID', `${name}: ${problems.join('; ')}`);
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(obj);
    // Parse every key and certificate now, so that a broken root is reported as such and not as a failed bundle.
    toTrustMaterial(root);
  } catch (e) {
    throw new SignError('TRUSTED_ROOT_INVALID', `${name}: ${(e as Error).message}`, { cause: e });
  }
  return root;
}
