import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { SignError } from '../core/index.js';
import { shared } from '../../test/support/paths.js';
import { checkEnvelope, decodeStdBase64, pae, parseEnvelope, serializeEnvelope, signEnvelope } from './dsse.js';
import { buildPredicate, parseStatement, predicateTypeUri, subjectFor } from './in-toto.js';
import type { Signer } from './signer.js';

const samples = shared('interop', 'attestations', 'cosign-dsse');

function testSigner(): Signer & { publicKeyObject: ReturnType<typeof createPublicKey> } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    algorithm: 'ecdsa-p256-sha256',
    description: 'test key',
    publicKeyObject: publicKey,
    publicKey: async () => publicKey,
    sign: async (data) => sign('sha256', data, privateKey),
  };
}

describe('DSSE', () => {
  test('PAE matches the example of the DSSE specification (protocol.md)', () => {
    assert.equal(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
    // Lengths are byte counts, not character counts.
    assert.equal(pae('t', Buffer.from('é')).toString(), 'DSSEv1 1 t 2 é');
  });

  test('an envelope signs the PAE, not the bare payload', async () => {
    const s = testSigner();
    const env = await signEnvelope(s, 'application/vnd.in-toto+json', Buffer.from('{"a":1}'));
    assert.equal(checkEnvelope(env, s.publicKeyObject), 'valid');
    assert.equal(checkEnvelope({ ...env, payloadType: 'application/json' }, s.publicKeyObject), 'invalid');
    assert.equal(checkEnvelope({ ...env, payload: Buffer.from('{"a":2}') }, s.publicKeyObject), 'invalid');
    const bare = sign('sha256', env.payload, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    assert.equal(checkEnvelope({ ...env, signatures: [{ keyid: '', sig: bare }] }, s.publicKeyObject), 'invalid');
    const again = parseEnvelope(serializeEnvelope(env));
    assert.deepEqual(again, env);
    // cosign's .att layer: json.Marshal of the protobuf-specs Envelope (payload, payloadType, signatures[{sig}]).
    assert.deepEqual(Object.keys(JSON.parse(serializeEnvelope(env).toString())), ['payload', 'payloadType', 'signatures']);
  });

  test('strict base64 (Go StdEncoding): padding required, no stray characters', () => {
    assert.deepEqual(decodeStdBase64('aGk='), Buffer.from('hi'));
    assert.equal(decodeStdBase64('aGk'), undefined);
    assert.equal(decodeStdBase64('a Gk='), undefined);
    assert.equal(decodeStdBase64('aGl='), undefined); // non-canonical trailing bits
    assert.throws(() => parseEnvelope(Buffer.from('{"payloadType":"x","payload":"!!!!","signatures":[]}')), (e: unknown) => e instanceof SignError && e.code === 'PAYLOAD_MALFORMED');
    assert.throws(
      () => parseEnvelope(Buffer.from('{"payloadType":"x","payload":"","signatures":[{"sig":"@@@@"}]}')),
      (e: unknown) => e instanceof SignError && e.code === 'SIGNATURE_MALFORMED',
    );
  });

  // cosign's policy test data (pkg/policy/testdata): "valid" envelopes carry the predicate type their --type maps to
  // (custom, vuln); the "malformed" ones carry a predicate type without its https:// scheme, which matches no type.
  for (const file of readdirSync(samples)) {
    test(`cosign sample ${file}`, () => {
      const env = parseEnvelope(readFileSync(path.join(samples, file)));
      assert.equal(env.payloadType, 'application/vnd.in-toto+json');
      const st = parseStatement(env.payload);
      const type = file.includes('vuln') ? 'vuln' : 'custom';
      assert.equal(st.predicateType === predicateTypeUri(type), file.startsWith('valid-'), st.predicateType);
      const subject = st.subject[0]!;
      assert.equal(subject.name, 'registry.local:5000/knative/demo');
      assert.ok(subjectFor(st, `sha256:${subject.digest.sha256}`));
      assert.equal(subjectFor(st, `sha256:${'0'.repeat(64)}`), undefined);
      // The signing key is not published: no key in interop/ verifies these (checked for every .pub there).
      const key = createPublicKey(readFileSync(shared('interop', 'cosign-keys', 'policy-controller-example.pub')));
      assert.equal(checkEnvelope(env, key), 'invalid');
    });
  }

  test("cosign's vuln predicate normalisation: an empty predicate becomes the zero-valued struct of valid-vuln", () => {
    const env = parseEnvelope(readFileSync(path.join(samples, 'valid-vuln.dsse.json')));
    const st = parseStatement(env.payload);
    assert.deepEqual(buildPredicate('vuln', Buffer.from('{}')), st.predicate);
    const given = JSON.parse(readFileSync(shared('interop', 'attestations', 'predicates', 'cosign-vuln-predicate.json'), 'utf8')) as unknown;
    assert.deepEqual(buildPredicate('vuln', readFileSync(shared('interop', 'attestations', 'predicates', 'cosign-vuln-predicate.json'))), given);
  });

  test('predicates per --type (cosign attestation.GenerateStatement)', () => {
    const now = new Date('2024-05-06T07:08:09.123Z');
    assert.deepEqual(buildPredicate('custom', Buffer.from('free text'), { now }), { Data: 'free text', Timestamp: '2024-05-06T07:08:09Z' });
    assert.equal(buildPredicate('spdx', Buffer.from('SPDXVersion: SPDX-2.2')), 'SPDXVersion: SPDX-2.2');
    const spdx = readFileSync(shared('interop', 'attestations', 'predicates', 'bom-go-mod.spdx.json'));
    assert.deepEqual(buildPredicate('spdxjson', spdx), JSON.parse(spdx.toString()));
    assert.deepEqual(buildPredicate('https://example.com/p/v1', Buffer.from('{"x":1}')), { x: 1 });
    assert.throws(() => buildPredicate('cyclonedx', Buffer.from('not json')), (e: unknown) => e instanceof SignError && e.code === 'PREDICATE_INVALID');
    assert.throws(() => buildPredicate('openvex', Buffer.from('[1]')), (e: unknown) => e instanceof SignError && e.code === 'PREDICATE_INVALID');
    assert.throws(() => predicateTypeUri('not a type'));
    // The URIs of the types that name public specifications.
    assert.equal(predicateTypeUri('slsaprovenance'), 'https://slsa.dev/provenance/v0.2');
    assert.equal(predicateTypeUri('slsaprovenance1'), 'https://slsa.dev/provenance/v1');
    assert.equal(predicateTypeUri('spdxjson'), 'https://spdx.dev/Document');
    assert.equal(predicateTypeUri('cyclonedx'), 'https://cyclonedx.org/bom');
    assert.equal(predicateTypeUri('openvex'), 'https://openvex.dev/ns');
  });

  test('statements of in-toto v1 and v0.1 parse; others do not', () => {
    const ex = readFileSync(shared('interop', 'attestations', 'predicates', 'intoto-statement-example.json'));
    const st = parseStatement(ex);
    assert.equal(st.predicateType, 'something');
    assert.ok(subjectFor(st, 'sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'));
    for (const bad of ['{}', '{"_type":"x","subject":[],"predicateType":"p"}', '{"_type":"https://in-toto.io/Statement/v1","subject":[{}],"predicateType":"p"}']) {
      assert.throws(() => parseStatement(Buffer.from(bad)), (e: unknown) => e instanceof SignError && e.code === 'PAYLOAD_MALFORMED', bad);
    }
  });
});
