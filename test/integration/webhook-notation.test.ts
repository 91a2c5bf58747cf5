/**
 * Notation authorities in the admission webhook: `tollgate webhook serve --notation-trust-store DIR` (its own
 * process) against a real CNCF distribution registry, AdmissionReviews over HTTPS. Images are signed with
 * Tollgate's signNotation (a Notary Project JWS envelope stored as an OCI referrer, checked against the
 * specification in notation-registry.test.ts) with a root CA and code-signing leaf made here with node-forge; the
 * trust store is a Notation trust store directory (x509/ca/<name>/), written here. Signed referrers: a CycloneDX
 * SBOM (interop/attestations/predicates/bom-go-mod.cyclonedx.json) attached to an image as an OCI referrer of
 * artifactType application/vnd.cyclonedx+json, the referrer itself Notation-signed, as `notation sign` does for
 * artifacts pushed with ORAS.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { RegistrySource } from '../../src/sign/artifact-source.js';
import { registerReferrer } from '../../src/sign/attach.js';
import { signNotation } from '../../src/sign/index.js';
import { makeTestCerts } from '../support/certs.js';
import { buildImage, buildLayer, makeTar, type BuiltImage } from '../support/image-builder.js';
import { shared } from '../support/paths.js';
import { makeNotationPki } from '../support/notation-pki.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { podReview, re, startCliWebhook, type CliWebhook } from './webhook-keyless-support.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const SBOM_FILE = shared('interop', 'attestations', 'predicates', 'bom-go-mod.cyclonedx.json');
const SBOM_TYPE = 'application/vnd.cyclonedx+json';

const indent = (text: string, n: number) =>
  text
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');

describe('webhook: notation authorities (Notation-signed images, real registry, trust store directory, HTTPS)', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let tmp: string;
  let webhook: CliWebhook;
  const images: Record<'acme' | 'evil' | 'unsigned' | 'sbom' | 'sbomevil', string> = { acme: '', evil: '', unsigned: '', sbom: '', sbomevil: '' };
  const built: Partial<Record<keyof typeof images, BuiltImage>> = {};

  /** The SBOM as an OCI 1.1 artifact whose subject is `name`'s image, listed in the referrers tag; returns `repo@digest`. */
  async function attachSbom(name: keyof typeof images): Promise<string> {
    const repo = `${reg.host}/notation/${name}`;
    const ref = parseReference(repo);
    const subject = built[name]!;
    const empty = Buffer.from('{}');
    const sbom = readFileSync(SBOM_FILE);
    await client.pushBlob(ref, empty);
    await client.pushBlob(ref, sbom);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: SBOM_TYPE,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: empty.length },
        layers: [{ mediaType: SBOM_TYPE, digest: sha(sbom), size: sbom.length }],
        subject: { mediaType: subject.manifestMediaType, digest: subject.manifestDigest, size: subject.manifest.length },
      }),
    );
    const digest = await client.putManifest(ref, sha(manifest), manifest, 'application/vnd.oci.image.manifest.v1+json');
    await registerReferrer(new RegistrySource(client, ref), subject.manifestDigest, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length, artifactType: SBOM_TYPE });
    return `${repo}@${digest}`;
  }
  const acme = makeNotationPki('Acme', 'release');
  const evil = makeNotationPki('Evil', 'release');

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-webhook-notation-'));
    client = new RegistryClient({ dockerConfigDir: path.join(tmp, 'no-docker-config') });
    for (const name of Object.keys(images) as (keyof typeof images)[]) {
      const img = buildImage([await buildLayer(await makeTar([{ path: 'app', content: `${name}\n` }]))]);
      built[name] = img;
      images[name] = `${reg.host}/notation/${name}@${await pushImage(client, `${reg.host}/notation/${name}:1`, { image: img })}`;
    }
    // Acme's leaf signs one image, Evil's (a CA the store does not hold) another.
    await signNotation({ image: images.acme, registry: client, key: acme.leafKey, certChain: acme.chainPem });
    await signNotation({ image: images.evil, registry: client, key: evil.leafKey, certChain: evil.chainPem });
    // Signed SBOM referrers: by Acme's leaf, and by Evil's; the images themselves stay unsigned.
    await signNotation({ image: await attachSbom('sbom'), registry: client, key: acme.leafKey, certChain: acme.chainPem });
    await signNotation({ image: await attachSbom('sbomevil'), registry: client, key: evil.leafKey, certChain: evil.chainPem });

    const store = path.join(tmp, 'trust-store');
    await mkdir(path.join(store, 'x509', 'ca', 'test'), { recursive: true });
    await writeFile(path.join(store, 'x509', 'ca', 'test', 'acme-root.pem'), acme.caPem);

    const policy = (name: string, namespace: string, body: string) => `apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: ${name}}
spec:
  images: ["${reg.host}/notation/**"]
  namespaces: [${namespace}]
  authorities:
    - name: ${name}-signer
      notation:
${body}
`;
    const policyFile = path.join(tmp, 'policy.yaml');
    await writeFile(
      policyFile,
      [
        policy('acme', 'good', '        trustStores: ["ca:test"]\n        trustedIdentities: ["x509.subject: C=US, ST=WA, O=Acme"]'),
        policy('other-identity', 'wrong', '        trustStores: ["ca:test"]\n        trustedIdentities: ["x509.subject: C=US, ST=WA, O=Other"]'),
        policy('inline', 'inline', `        certs: |\n${indent(acme.caPem, 10)}`),
        policy('absent-store', 'absent', '        trustStores: ["ca:absent"]'),
        `apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: signed-sbom}
spec:
  images: ["${reg.host}/notation/**"]
  namespaces: [sbom]
  authorities:
    - name: acme-sbom
      attestationsOnly: true
      notation:
        trustStores: ["ca:test"]
        trustedIdentities: ["x509.subject: O=Acme, ST=WA, C=US"]
  attestations:
    - name: cyclonedx
      artifactType: ${SBOM_TYPE}
      policy:
        conditions:
          - path: $.predicate.serialNumber
            equals: urn:uuid:9b0c2427-be94-439c-82e5-8928db124270
          - path: $.predicate.bomFormat
            equals: CycloneDX
`,
      ].join('---\n'),
    );
    const certs = await makeTestCerts(path.join(tmp, 'certs'));
    const env = { HOME: tmp, XDG_CACHE_HOME: path.join(tmp, 'cache'), TOLLGATE_TRUSTED_ROOT: '' };
    webhook = await startCliWebhook(
      ['--policy', policyFile, '--tls-cert', certs.tlsCert, '--tls-key', certs.tlsKey, '--notation-trust-store', store, '--docker-config', path.join(tmp, 'no-docker-config')],
      env,
      readFileSync(certs.tlsCert),
    );
  });

  after(async () => {
    await webhook?.stop();
    await client?.close();
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const review = async (namespace: string, image: string) => {
    const r = await webhook.validate(podReview(namespace, [image]));
    assert.equal(r.status, 200, r.text);
    return r.json.response;
  };

  test('signed by a leaf of the CA in trust store ca:test, with a trusted identity: admitted', async () => {
    const r = await review('good', images.acme);
    assert.equal(r.allowed, true, JSON.stringify(r));
  });

  test('a signature whose CA is not in the store, and no signature: denied, naming image and rule', async () => {
    const evilR = await review('good', images.evil);
    assert.equal(evilR.allowed, false);
    assert.match(evilR.status!.message, re(`image ${images.evil} (container c-0): acme/signatures: no valid a signature by acme-signer (notation ca:test)`));
    const unsigned = await review('good', images.unsigned);
    assert.equal(unsigned.allowed, false);
    assert.match(unsigned.status!.message, re(`image ${images.unsigned} (container c-0): acme/signatures`));
  });

  test('trustedIdentities that do not name the signer: denied', async () => {
    const r = await review('wrong', images.acme);
    assert.equal(r.allowed, false);
    assert.match(r.status!.message, re(`image ${images.acme} (container c-0): other-identity/signatures: no valid a signature by other-identity-signer`));
  });

  test("inline certs (the authority's own trust anchor): admitted; another CA denied", async () => {
    assert.equal((await review('inline', images.acme)).allowed, true);
    const r = await review('inline', images.evil);
    assert.equal(r.allowed, false);
    assert.match(r.status!.message, /inline\/signatures: no valid a signature by inline-signer \(notation inline certificates\)/);
  });

  test('a trust store the directory does not have: denied (fail closed), naming the store', async () => {
    const r = await review('absent', images.acme);
    assert.equal(r.allowed, false);
    assert.match(r.status!.message, re(`image ${images.acme} (container c-0): absent-store/signatures: could not be checked: notation trust store ca:absent: the trust store "absent" of type "ca" does not exist`));
  });

  test('a Notation-signed SBOM referrer (artifactType) satisfies an attestation rule; one signed by another CA does not', async () => {
    const r = await review('sbom', images.sbom);
    assert.equal(r.allowed, true, JSON.stringify(r));
    const evilR = await review('sbom', images.sbomevil);
    assert.equal(evilR.allowed, false);
    assert.match(evilR.status!.message, re(`image ${images.sbomevil} (container c-0): signed-sbom/attestations/cyclonedx: no verified ${SBOM_TYPE} referrer`));
    // The image itself carries no SBOM referrer: nothing to verify.
    const none = await review('sbom', images.acme);
    assert.equal(none.allowed, false);
    assert.match(none.status!.message, /signed-sbom\/attestations\/cyclonedx: no verified/);
  });
});
