import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SignError } from '../core/index.js';
import { parseReference } from '../oci/index.js';
import { shared } from '../../test/support/paths.js';
import { goMarshal, goMap, goString } from './go-json.js';
import { annotationsMatch, buildSimpleSigningPayload, dockerReferenceOf, parseSimpleSigningPayload } from './simple-signing.js';

const dir = shared('interop', 'cosign-signatures', 'connaisseur-testimage');
const index = JSON.parse(readFileSync(`${dir}/signatures.json`, 'utf8')) as {
  image_repository: string;
  images: { digest?: string }[];
  signatures: { payload: string }[];
};

describe('simple-signing payload', () => {
  // Connaisseur captured these payloads from a registry after `cosign sign`: our bytes must be identical.
  for (const s of index.signatures) {
    test(`reproduces cosign's bytes of ${s.payload}`, () => {
      const upstream = readFileSync(`${dir}/${s.payload}`);
      const parsed = JSON.parse(upstream.toString('utf8')) as { critical: { identity: { 'docker-reference': string }; image: { 'docker-manifest-digest': string } } };
      const ours = buildSimpleSigningPayload({
        dockerReference: parsed.critical.identity['docker-reference'],
        digest: parsed.critical.image['docker-manifest-digest'],
      });
      assert.equal(ours.toString('utf8'), upstream.toString('utf8'));
    });
  }

  test('docker-reference is go-containerregistry Repository.Name(): index.docker.io for Docker Hub', () => {
    // signatures.json: image_repository index.docker.io/securesystemsengineering/testimage, in every payload.
    assert.equal(dockerReferenceOf(parseReference('securesystemsengineering/testimage:latest')), index.image_repository);
    assert.equal(dockerReferenceOf(parseReference('alpine')), 'index.docker.io/library/alpine');
    assert.equal(dockerReferenceOf(parseReference('127.0.0.1:5000/team/app:1')), '127.0.0.1:5000/team/app');
  });

  test('annotations are a Go map: keys sorted bytewise, HTML characters escaped as encoding/json does', () => {
    const p = buildSimpleSigningPayload({ dockerReference: 'r/x', digest: 'sha256:00', annotations: { b: '2', a: '1<&>', '10': 'x', '2': 'y' } });
    assert.equal(
      p.toString('utf8'),
      '{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},' +
        '"optional":{"10":"x","2":"y","a":"1\\u003c\\u0026\\u003e","b":"2"}}',
    );
  });

  test('Go string escaping (encoding/json encodeState.string)', () => {
    assert.equal(goString('a"b\\c\n\t\r\b\f'), '"a\\"b\\\\c\\n\\t\\r\\b\\f"');
    assert.equal(goString('\u0001\u001f'), '"\\u0001\\u001f"');
    assert.equal(goString('\u2028\u2029é😀'), '"\\u2028\\u2029é😀"');
    assert.equal(goString('\ud800x'), '"\ufffdx"'); // a lone surrogate is invalid UTF-8 in Go: U+FFFD
    assert.equal(goMarshal({ z: 1, a: [true, null], m: goMap({ b: 'x', a: 'y' }), skip: undefined }), '{"z":1,"a":[true,null],"m":{"a":"y","b":"x"}}');
  });

  test('parses what cosign parses, rejects what is not a payload', () => {
    const p = parseSimpleSigningPayload(readFileSync(`${dir}/${index.signatures[0]!.payload}`));
    assert.equal(p.critical.type, 'cosign container image signature');
    assert.equal(p.critical.image['docker-manifest-digest'], index.images[0]!.digest);
    assert.equal(p.optional, null);
    // Absent fields read as empty, as Go's json.Unmarshal leaves them.
    assert.equal(parseSimpleSigningPayload(Buffer.from('{}')).critical.image['docker-manifest-digest'], '');
    for (const bad of ['', 'null', '[]', '{"critical":[]}', '{"critical":{"type":5}}', '{"optional":"x"}']) {
      assert.throws(() => parseSimpleSigningPayload(Buffer.from(bad)), (e: unknown) => e instanceof SignError && e.code === 'PAYLOAD_MALFORMED', bad);
    }
  });

  test('annotation requirements compare values exactly (cosign correctAnnotations)', () => {
    assert.equal(annotationsMatch(undefined, null), true);
    assert.equal(annotationsMatch({ env: 'prod' }, { env: 'prod', x: 'y' }), true);
    assert.equal(annotationsMatch({ env: 'prod' }, { env: 'dev' }), false);
    assert.equal(annotationsMatch({ env: 'prod' }, null), false);
    assert.equal(annotationsMatch({ n: '1' }, { n: 1 }), false);
  });
});
