import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionError } from './errors.js';
import { MAX_WARNING_LENGTH, parseAdmissionReview, reviewResponse, shortWarnings } from './review.js';

const ok = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, operation: 'CREATE', namespace: 'ns', object: { kind: 'Deployment' } },
};

function code(body: string): string {
  try {
    parseAdmissionReview(body);
  } catch (e) {
    assert.ok(e instanceof AdmissionError, String(e));
    return e.code;
  }
  return 'accepted';
}

test('parseAdmissionReview: the fields a decision needs, checked', () => {
  const r = parseAdmissionReview(JSON.stringify(ok));
  assert.equal(r.apiVersion, 'admission.k8s.io/v1');
  assert.deepEqual(r.request.kind, { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.equal(r.request.dryRun, false);
  assert.equal(r.request.namespace, 'ns');
  assert.equal(parseAdmissionReview(JSON.stringify({ ...ok, apiVersion: 'admission.k8s.io/v1beta1' })).apiVersion, 'admission.k8s.io/v1beta1');
  // A CREATE's oldObject is ignored whatever it holds (connaisseur's 04_cronjob.json carries the string "None").
  assert.equal(parseAdmissionReview(JSON.stringify({ ...ok, request: { ...ok.request, oldObject: null } })).request.oldObject, undefined);
});

test('parseAdmissionReview: what cannot be answered is an AdmissionError with a code', () => {
  assert.equal(code('{'), 'MALFORMED_JSON');
  assert.equal(code(''), 'MALFORMED_JSON');
  assert.equal(code('null'), 'MALFORMED_REVIEW');
  assert.equal(code('"x"'), 'MALFORMED_REVIEW');
  assert.equal(code(JSON.stringify({ ...ok, kind: 'Pod' })), 'MALFORMED_REVIEW');
  assert.equal(code(JSON.stringify({ ...ok, apiVersion: 'admission.k8s.io/v2' })), 'UNSUPPORTED_VERSION');
  assert.equal(code(JSON.stringify({ ...ok, request: undefined })), 'MALFORMED_REVIEW');
  assert.equal(code(JSON.stringify({ ...ok, request: { ...ok.request, uid: '' } })), 'MALFORMED_REVIEW');
  assert.equal(code(JSON.stringify({ ...ok, request: { ...ok.request, kind: undefined } })), 'MALFORMED_REVIEW');
  assert.equal(code(JSON.stringify({ ...ok, request: { ...ok.request, operation: 7 } })), 'MALFORMED_REVIEW');
  assert.equal(code(JSON.stringify({ ...ok, request: { ...ok.request, dryRun: 'yes' } })), 'MALFORMED_REVIEW');
  assert.equal(code(JSON.stringify({ ...ok, request: { ...ok.request, namespace: 3 } })), 'MALFORMED_REVIEW');
});

test('reviewResponse echoes apiVersion, kind and uid', () => {
  const r = parseAdmissionReview(JSON.stringify({ ...ok, apiVersion: 'admission.k8s.io/v1beta1' }));
  assert.deepEqual(reviewResponse(r, { uid: r.request.uid, allowed: true }), { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', response: { uid: 'u', allowed: true } });
});

test('shortWarnings: each under 120 characters, at most four, duplicates once', () => {
  const long = `image ghcr.io/acme/app:1: policy/signatures: ${'word '.repeat(60)}`;
  const w = shortWarnings([long, long, 'b', 'c', 'd', 'e']);
  assert.equal(w.length, 4);
  for (const x of w) assert.ok(x.length < MAX_WARNING_LENGTH, x);
  assert.ok(w[0]!.endsWith('…'));
  assert.equal(w[3], 'tollgate: 2 more warning(s), see the audit log');
  assert.deepEqual(shortWarnings(['a', 'a', ' ']), ['a']);
});
