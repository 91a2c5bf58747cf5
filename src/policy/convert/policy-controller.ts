import { expandPredicateType } from '../predicate-types.js';
import { compileRe2, isRe2 } from '../regexp.js';
import { asArray, asString, isObject, policyName, type ConvertedPolicy, type NoteSink, type PathKey } from './notes.js';

/**
 * Sigstore policy-controller `ClusterImagePolicy` (policy.sigstore.dev v1alpha1/v1beta1) to Tollgate.
 *
 * The document is first checked as policy-controller's admission would (pkg/apis/policy/v1alpha1
 * clusterimagepolicy_validation.go: globs, exactly one of key/keyless/static, regexps, mode) and rejected with the
 * same field paths when it would be rejected there.
 *
 * Semantics: policy-controller admits an image when ANY one authority passes (without a custom `policy`); an
 * authority with `attestations` passes when its attestations verify (its plain signatures are not looked at).
 * Tollgate's translation: authorities without attestations are signature authorities with `count: 1` (any one);
 * an authority with attestations becomes `attestationsOnly`, and each of its attestations a required Tollgate
 * attestation signed by it. When both kinds are mixed, or several authorities carry attestations, Tollgate requires
 * more than policy-controller did; the note says so.
 */
type Json = Record<string, unknown>;

const PUBLIC_FULCIO = 'https://fulcio.sigstore.dev';
const PUBLIC_REKOR = 'https://rekor.sigstore.dev';

// policy-controller's glob character set (pkg/apis/glob/glob.go validGlob, at f925c0c1).
const PC_VALID_GLOB = /^[a-zA-Z0-9\-_:/*.@]+$/;

export function convertPolicyControllerPolicy(obj: Json, notes: NoteSink): ConvertedPolicy[] {
  const name = asString(isObject(obj.metadata) ? obj.metadata.name : undefined) ?? 'cluster-image-policy';
  const spec = isObject(obj.spec) ? obj.spec : {};
  const sp: PathKey[] = ['spec'];
  let invalid = false;
  const reject = (path: PathKey[], message: string) => {
    invalid = true;
    notes.add('invalid', path, message);
  };

  // Validation, as policy-controller's webhook.
  const images = asArray(spec.images);
  if (images.length === 0) reject([...sp, 'images'], 'missing field(s): spec.images');
  images.forEach((im, i) => {
    const g = isObject(im) ? asString(im.glob) : undefined;
    const r = isObject(im) ? asString(im.regex) : undefined;
    if (g !== undefined && g !== '' && !PC_VALID_GLOB.test(g)) reject([...sp, 'images', i, 'glob'], `invalid value: ${g}: spec.images[${i}].glob`);
    if (r !== undefined && r !== '' && !isRe2(compileRe2(r))) reject([...sp, 'images', i, 'regex'], `invalid value: ${r}: spec.images[${i}].regex`);
    if (!g && !r) reject([...sp, 'images', i], `missing field(s): spec.images[${i}].glob`);
  });
  const mode = spec.mode === undefined ? 'enforce' : asString(spec.mode);
  if (mode !== 'enforce' && mode !== 'warn') reject([...sp, 'mode'], `invalid value: ${String(spec.mode)}: spec.mode`);
  const authorities = asArray(spec.authorities);
  if (authorities.length === 0) reject([...sp, 'authorities'], 'missing field(s): spec.authorities');
  authorities.forEach((a, i) => {
    const ap: PathKey[] = [...sp, 'authorities', i];
    if (!isObject(a)) return reject(ap, `expected an object: spec.authorities[${i}]`);
    const kinds = ['key', 'keyless', 'static'].filter((k) => a[k] !== undefined);
    const fields = `spec.authorities[${i}].key, spec.authorities[${i}].keyless, spec.authorities[${i}].static`;
    if (kinds.length === 0) return reject(ap, `expected exactly one, got neither: ${fields}`);
    if (kinds.length > 1) return reject(ap, `expected exactly one, got both: ${fields}`);
    if (isObject(a.static) && !['pass', 'fail'].includes(String(a.static.action))) reject([...ap, 'static', 'action'], `invalid value: ${String(a.static.action)}: spec.authorities[${i}].static.action`);
    if (isObject(a.key)) {
      const forms = ['data', 'kms', 'secretRef'].filter((k) => isObject(a.key) && a.key[k] !== undefined);
      if (forms.length !== 1) reject([...ap, 'key'], `expected exactly one, got ${forms.length === 0 ? 'neither' : 'both'}: spec.authorities[${i}].key.data, spec.authorities[${i}].key.kms, spec.authorities[${i}].key.secretref`);
    }
    asArray(isObject(a.keyless) ? a.keyless.identities : undefined).forEach((id, j) => {
      if (!isObject(id)) return;
      for (const f of ['issuerRegExp', 'subjectRegExp']) {
        const re = asString(id[f]);
        if (re !== undefined && !isRe2(compileRe2(re))) reject([...ap, 'keyless', 'identities', j, f], `invalid value: ${re}: spec.authorities[${i}].keyless.identities[${j}].${f}`);
      }
      if (!id.issuer && !id.issuerRegExp && !id.subject && !id.subjectRegExp) reject([...ap, 'keyless', 'identities', j], `missing field(s): spec.authorities[${i}].keyless.identities[${j}].issuer, …subject`);
    });
  });
  if (invalid) return [];

  // Translation.
  const out: Json = {
    images: images.filter(isObject).map((im) => (asString(im.glob) ? { glob: im.glob } : { regex: im.regex })),
  };
  if (mode === 'warn') out.mode = 'warn';
  if (spec.match !== undefined) notes.add('untranslated', [...sp, 'match'], 'resource-kind and object-label matches are not translated: the policy applies to every pod and workload');
  if (spec.policy !== undefined) {
    notes.add('untranslated', [...sp, 'policy'], `the custom ${String(isObject(spec.policy) ? spec.policy.type : '')} policy over authority results is not translated`);
  }
  const auths: Json[] = [];
  const attestations: Json[] = [];
  let sigAuthorities = 0;
  const attAuthorities: string[] = [];
  authorities.forEach((aRaw, i) => {
    const a = aRaw as Json;
    const ap: PathKey[] = [...sp, 'authorities', i];
    const aName = policyName(asString(a.name) ?? `authority-${i}`);
    let t: Json | undefined;
    if (isObject(a.key)) {
      const k = a.key;
      if (asString(k.data)) t = { key: { data: k.data } };
      else if (asString(k.kms)) {
        t = { key: { kms: k.kms } };
        if (/<<|\$\{|\s/.test(String(k.kms))) notes.add('untranslated', [...ap, 'key', 'kms'], `the KMS URI holds template placeholders (${String(k.kms)}): fill them in`);
      } else if (isObject(k.secretRef)) t = { key: { secretRef: { name: String(k.secretRef.name), ...(k.secretRef.namespace ? { namespace: String(k.secretRef.namespace) } : {}) } } };
      if (k.hashAlgorithm !== undefined) notes.add('info', [...ap, 'key', 'hashAlgorithm'], 'the hash algorithm follows the key');
      if (isObject(k.secretRef) && !k.secretRef.namespace) notes.add('info', [...ap, 'key', 'secretRef'], "a secretRef without namespace is read from Tollgate's own namespace");
    } else if (isObject(a.keyless)) {
      const k = a.keyless;
      const identities = asArray(k.identities)
        .filter(isObject)
        .map((id, j) => {
          const o: Json = {};
          for (const [exact, re] of [
            ['issuer', 'issuerRegExp'],
            ['subject', 'subjectRegExp'],
          ] as const) {
            if (asString(id[exact])) o[exact] = id[exact];
            else if (asString(id[re])) o[re] = id[re];
            else {
              o[re] = '.*';
              notes.add('untranslated', [...ap, 'keyless', 'identities', j], `no ${exact}: translated as ${re} ".*" (any ${exact}); pin it`);
            }
          }
          return o;
        });
      if (identities.length === 0) {
        notes.add('untranslated', [...ap, 'keyless'], 'keyless without identities accepts any certificate from the CA: not translated (Tollgate requires identities)');
        return;
      }
      // A private CA or log has no inline form in Tollgate: the authority points at a trust root of a new name, which
      // must be installed before anything verifies (failing closed rather than trusting the public-good CA instead).
      const url = asString(k.url);
      const rekor = isObject(a.ctlog) ? asString(a.ctlog.url) : undefined;
      const privateParts = [
        ...(k['ca-cert'] !== undefined ? ['a custom CA certificate (ca-cert)'] : []),
        ...(url && url !== PUBLIC_FULCIO ? [`a private Fulcio (${url})`] : []),
        ...(rekor && rekor !== PUBLIC_REKOR ? [`a private Rekor (${rekor})`] : []),
      ];
      const trustRootRef = asString(k.trustRootRef) ?? (privateParts.length ? policyName(aName, 'trust-root') : undefined);
      t = { keyless: { identities, ...(trustRootRef ? { trustRootRef } : {}), ...(url ? { url } : {}) } };
      if (privateParts.length && !asString(k.trustRootRef)) {
        notes.add('untranslated', [...ap, 'keyless'], `${privateParts.join(' and ')}: not translated; install its trust root as ${JSON.stringify(trustRootRef)} (keyless.trustRootRef)`);
      }
      if (k.insecureIgnoreSCT !== undefined) notes.add('info', [...ap, 'keyless', 'insecureIgnoreSCT'], 'certificate-transparency (SCT) settings have no Tollgate equivalent');
    } else if (isObject(a.static)) {
      t = { static: { action: a.static.action } };
    }
    if (!t) return;
    if (isObject(a.ctlog)) {
      const url = asString(a.ctlog.url);
      if (isObject(a.key)) notes.add('untranslated', [...ap, 'ctlog'], 'Tollgate does not require a transparency-log entry for key-signed signatures');
      else if (isObject(a.keyless) && (!url || url === PUBLIC_REKOR)) notes.add('info', [...ap, 'ctlog'], "keyless certificates are verified against the trust root, Rekor's log included");
    }
    if (a.rfc3161timestamp !== undefined) notes.add('untranslated', [...ap, 'rfc3161timestamp'], 'RFC 3161 timestamp authorities are not translated');
    if (a.source !== undefined) notes.add('untranslated', [...ap, 'source'], 'signature sources (another repository, signaturePullSecrets) are not translated');
    const atts = asArray(a.attestations);
    if (atts.length > 0) {
      attAuthorities.push(aName);
      atts.forEach((att, j) => {
        if (!isObject(att)) return;
        const tp: PathKey[] = [...ap, 'attestations', j];
        const raw = asString(att.predicateType) ?? '';
        const predicateType = expandPredicateType(raw);
        if (!predicateType) {
          notes.add('untranslated', [...tp, 'predicateType'], `unknown predicate type ${JSON.stringify(raw)}: attestation left out`);
          return;
        }
        if (isObject(att.policy)) {
          notes.add('untranslated', [...tp, 'policy'], `the ${String(att.policy.type ?? '')} policy on the attestation is not translated: it is still required to be present and signed by ${aName}`);
        }
        let attName = policyName(asString(att.name) ?? `${aName}-attestation-${j}`);
        if (attestations.some((x) => x.name === attName)) attName = policyName(aName, attName);
        attestations.push({ name: attName, predicateType, authorities: [aName] });
      });
      auths.push({ name: aName, ...t, attestationsOnly: true });
    } else {
      sigAuthorities++;
      auths.push({ name: aName, ...t });
    }
  });
  if (attAuthorities.length > 0 && (sigAuthorities > 0 || attAuthorities.length > 1)) {
    notes.add(
      'untranslated',
      [...sp, 'authorities'],
      `policy-controller admits an image when any one authority passes; the translation requires ${sigAuthorities > 0 ? 'a signature by one signature authority and ' : ''}the attestations of ${attAuthorities.join(', ')}`,
    );
  }
  if (auths.length === 0) return [];
  out.authorities = auths;
  if (attestations.length) out.attestations = attestations;
  return [{ name: policyName(name), origin: `policy-controller ClusterImagePolicy ${name}`, spec: out }];
}
