/**
 * `tollgate verify --notation` (runNotationVerify, not yet wired into main.ts) on an OCI layout: notation-go's
 * oci-layout with its JWS signature attached as a referrer, checked against a trust store holding the signer's
 * certificate (exit 0), notation-go's own trust store (exit 1), and without --trust-policy (exit 2).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { shared } from '../../../test/support/paths.js';
import { parseExpiry } from './notation-sign.js';
import { runNotationVerify } from './notation-verify.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('runNotationVerify', () => {
  let tmp: string;
  let layout: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-notation-cli-'));
    const ndir = shared('interop', 'notation', 'notation-go');
    layout = path.join(tmp, 'alpine');
    await cp(path.join(ndir, 'oci-layout'), layout, { recursive: true });
    const subject = await readFile(path.join(layout, 'blobs/sha256/19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0'));
    const env = await readFile(path.join(ndir, 'jws_signature.sig'));
    const empty = Buffer.from('{}');
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.cncf.notary.signature',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 },
        layers: [{ mediaType: 'application/jose+json', digest: sha(env), size: env.length }],
        subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(subject), size: subject.length },
      }),
    );
    for (const b of [empty, env, manifest]) await writeFile(path.join(layout, 'blobs', 'sha256', sha(b).slice(7)), b);
    const x5c = (JSON.parse(env.toString()) as { header: { x5c: string[] } }).header.x5c[0]!;
    await mkdir(path.join(tmp, 'store', 'x509', 'ca', 'alpine'), { recursive: true });
    await writeFile(path.join(tmp, 'store', 'x509', 'ca', 'alpine', 'alpine.cer'), Buffer.from(x5c, 'base64'));
    const policy = (store: string) => ({ version: '1.0', trustPolicies: [{ name: 'all', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: [store], trustedIdentities: ['*'] }] });
    await writeFile(path.join(tmp, 'alpine.json'), JSON.stringify(policy('ca:alpine')));
    await writeFile(path.join(tmp, 'upstream.json'), JSON.stringify(policy('ca:valid-trust-store')));
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('exit 0 when a signature verifies, 1 when none does, 2 without --trust-policy', async () => {
    assert.equal(await runNotationVerify(`oci-dir:${layout}`, { trustPolicy: path.join(tmp, 'alpine.json'), trustStore: path.join(tmp, 'store'), quiet: true }), 0);
    const upstream = shared('interop', 'notation', 'notation-go', 'truststore');
    assert.equal(await runNotationVerify(`oci-dir:${layout}`, { trustPolicy: path.join(tmp, 'upstream.json'), trustStore: upstream, quiet: true }), 1);
    assert.equal(await runNotationVerify(`oci-dir:${layout}`, { trustStore: upstream, quiet: true }), 2);
    assert.equal(await runNotationVerify(`oci-dir:${layout}`, { trustPolicy: path.join(tmp, 'missing.json'), trustStore: upstream, quiet: true }), 2);
  });

  test('--expiry durations', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    assert.equal(parseExpiry('30d', now)?.toISOString(), '2025-01-31T00:00:00.000Z');
    assert.equal(parseExpiry(undefined, now), undefined);
    assert.throws(() => parseExpiry('1y', now), /--expiry/);
  });
});
