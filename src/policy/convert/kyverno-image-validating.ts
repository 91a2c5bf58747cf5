import { expandPredicateType } from '../predicate-types.js';
import { asArray, asString, certificatePublicKey, isObject, KMS_PREFIX, policyName, type ConvertedPolicy, type NoteSink, type PathKey } from './notes.js';

/**
 * Kyverno `ImageValidatingPolicy` (policies.kyverno.io v1alpha1/v1beta1) to Tollgate policies. Its checks are CEL
 * expressions; the two idioms that say "verified by these attestors" are translated:
 *
 *   images.<list>.map(image, verifyImageSignatures(image, [attestors.A, …])).all(e, e > 0)
 *   images.<list>.map(image, verifyAttestationSignatures(image, attestations.X, [attestors.A, …])).all(e, e > 0)
 *
 * and the expression `true`. Every other expression is reported. The first signature check goes into the main
 * policy, further ones into policies of their own (all must pass, as all validations must).
 * matchImageReferences globs are gobwas/glob patterns without separators (pkg/imageverification/match), so `*`
 * spans "/" and becomes `**`.
 */
type Json = Record<string, unknown>;

const SIG_RE = /^images\.(\w+)\.map\(\s*(\w+)\s*,\s*verifyImageSignatures\(\s*\2\s*,\s*\[([^\]]*)\]\s*\)\s*\)\.all\(\s*(\w+)\s*,\s*\4\s*>\s*0\s*\)$/;
const ATT_RE = /^images\.(\w+)\.map\(\s*(\w+)\s*,\s*verifyAttestationSignatures\(\s*\2\s*,\s*attestations\.([\w-]+)\s*,\s*\[([^\]]*)\]\s*\)\s*\)\.all\(\s*(\w+)\s*,\s*\5\s*>\s*0\s*\)$/;

function attestorNames(list: string): string[] | undefined {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  return names.every((n) => /^attestors\.[\w-]+$/.test(n)) ? names.map((n) => n.slice('attestors.'.length)) : undefined;
}

export function gobwasGlobToImageGlob(glob: string): string | undefined {
  if (/[[\]{}\\]/.test(glob)) return undefined;
  return glob.replace(/\*+/g, '**');
}

function modeOf(actions: unknown): 'enforce' | 'warn' | 'audit' {
  const a = asArray(actions).map(String);
  if (a.includes('Deny')) return 'enforce';
  if (a.includes('Warn')) return 'warn';
  return 'audit';
}

export function convertImageValidatingPolicy(obj: Json, notes: NoteSink): ConvertedPolicy[] {
  const name = asString(isObject(obj.metadata) ? obj.metadata.name : undefined) ?? 'image-validating-policy';
  const spec = isObject(obj.spec) ? obj.spec : {};
  const sp: PathKey[] = ['spec'];
  const base: Json = {};

  const images: Json[] = [];
  asArray(spec.matchImageReferences).forEach((m, i) => {
    if (!isObject(m)) return;
    const g = asString(m.glob);
    if (g !== undefined) {
      const t = gobwasGlobToImageGlob(g);
      if (t) images.push({ glob: t });
      else notes.add('untranslated', [...sp, 'matchImageReferences', i, 'glob'], `glob ${JSON.stringify(g)} uses character classes or alternatives: not translated`);
      if (g.includes('?')) notes.add('info', [...sp, 'matchImageReferences', i, 'glob'], '"?" does not match "/" in Tollgate globs');
    } else notes.add('untranslated', [...sp, 'matchImageReferences', i], 'CEL image match expressions are not translated');
  });
  if (images.length === 0) {
    notes.add('untranslated', [...sp, 'matchImageReferences'], 'no translatable image reference: nothing to translate');
    return [];
  }
  base.images = images;
  base.mode = modeOf(spec.validationActions);
  const fp = asString(spec.failurePolicy);
  if (fp === 'Fail' || fp === 'Ignore') base.failurePolicy = fp;
  if (spec.webhookConfiguration !== undefined) notes.add('info', [...sp, 'webhookConfiguration'], "webhook settings are part of Tollgate's deployment (deploy/), not of a policy");
  if (spec.matchConditions !== undefined) notes.add('untranslated', [...sp, 'matchConditions'], 'CEL match conditions are not translated: the policy applies to every matching image');
  if (spec.matchConstraints !== undefined) {
    notes.add('info', [...sp, 'matchConstraints'], 'Tollgate checks Pods (including ephemeral containers) and the pod templates of workloads, for CREATE and UPDATE');
  }
  for (const k of ['variables', 'evaluation', 'credentials', 'images', 'auditAnnotations']) {
    if (spec[k] !== undefined) notes.add('untranslated', [...sp, k], `${k} is not translated`);
  }
  const vc = isObject(spec.validationConfigurations) ? spec.validationConfigurations : {};
  const mutateDigest = vc.mutateDigest !== false;
  base.mutateDigest = mutateDigest;
  if (vc.verifyDigest !== false && !mutateDigest) base.references = { requireDigest: true };
  if (vc.required === false) notes.add('info', [...sp, 'validationConfigurations', 'required'], 'required: false: Tollgate verifies every matching image');

  // Attestors, translated lazily: only those a translated validation uses end up in the output.
  const attestors = new Map<string, { index: number; value: Json }>();
  asArray(spec.attestors).forEach((a, i) => {
    if (isObject(a) && asString(a.name)) attestors.set(asString(a.name)!, { index: i, value: a });
  });
  const translated = new Map<string, Json | null>();
  const authority = (attName: string): Json | null => {
    if (translated.has(attName)) return translated.get(attName)!;
    const a = attestors.get(attName);
    let out: Json | null = null;
    if (!a) notes.add('invalid', [...sp, 'validations'], `attestor ${attName} is not defined`);
    else {
      const ap: PathKey[] = [...sp, 'attestors', a.index];
      const v = a.value;
      if (isObject(v.notary)) {
        const certs = isObject(v.notary.certs) ? asString(v.notary.certs.value) : undefined;
        if (certs) out = { name: attName, notation: { certs } };
        else notes.add('untranslated', [...ap, 'notary', 'certs'], 'only inline certificates (certs.value) are translated');
        if (v.notary.tsaCerts !== undefined) notes.add('untranslated', [...ap, 'notary', 'tsaCerts'], 'timestamp authority certificates are not translated');
      } else if (isObject(v.cosign)) {
        const c = v.cosign;
        const cp = [...ap, 'cosign'];
        if (isObject(c.key)) {
          const data = asString(c.key.data);
          const kms = asString(c.key.kms);
          if (data) out = { name: attName, key: { data } };
          else if (kms && KMS_PREFIX.test(kms)) out = { name: attName, key: { kms } };
          else if (isObject(c.key.secretRef)) out = { name: attName, key: { secretRef: { name: String(c.key.secretRef.name), ...(c.key.secretRef.namespace ? { namespace: String(c.key.secretRef.namespace) } : {}) } } };
          else notes.add('untranslated', [...cp, 'key'], 'only key.data, key.kms and key.secretRef are translated');
          if (c.key.hashAlgorithm !== undefined) notes.add('info', [...cp, 'key', 'hashAlgorithm'], 'the hash algorithm follows the key');
        } else if (isObject(c.keyless)) {
          const ids = asArray(c.keyless.identities).filter(isObject).map((id) => {
            const o: Json = {};
            for (const [exact, re] of [
              ['issuer', 'issuerRegExp'],
              ['subject', 'subjectRegExp'],
            ] as const) {
              if (asString(id[exact])) o[exact] = id[exact];
              else if (asString(id[re])) o[re] = id[re];
              else o[re] = '.*';
            }
            return o;
          });
          const rootsRef = c.keyless.roots !== undefined ? policyName(attName, 'roots') : undefined;
          if (ids.length) out = { name: attName, keyless: { identities: ids, ...(rootsRef ? { trustRootRef: rootsRef } : {}) } };
          else notes.add('untranslated', [...cp, 'keyless'], 'keyless without identities is not translated');
          if (rootsRef) notes.add('untranslated', [...cp, 'keyless', 'roots'], `custom Fulcio roots are not translated: install them as the trust root ${JSON.stringify(rootsRef)} (keyless.trustRootRef)`);
        } else if (isObject(c.certificate)) {
          const cert = isObject(c.certificate.cert) ? asString(c.certificate.cert.value) : undefined;
          const key = cert ? certificatePublicKey(cert) : undefined;
          if (key) out = { name: attName, key: { data: key } };
          else notes.add('untranslated', [...cp, 'certificate'], 'only an inline, readable certificate is translated');
        } else notes.add('untranslated', cp, 'cosign attestor of an unknown kind');
        if (isObject(c.ctlog)) notes.add('info', [...cp, 'ctlog'], 'transparency-log settings have no Tollgate equivalent');
        for (const k of ['source', 'tuf', 'annotations']) if (c[k] !== undefined) notes.add('untranslated', [...cp, k], `${k} is not translated`);
      } else notes.add('untranslated', ap, 'attestor of an unknown kind');
    }
    translated.set(attName, out);
    return out;
  };

  const attestationTypes = new Map<string, Json>();
  asArray(spec.attestations).forEach((a, i) => {
    if (!isObject(a) || !asString(a.name)) return;
    const intoto = isObject(a.intoto) ? asString(a.intoto.type) : undefined;
    const referrer = isObject(a.referrer) ? asString(a.referrer.type) : undefined;
    const predicateType = intoto !== undefined ? expandPredicateType(intoto) : undefined;
    if (predicateType) attestationTypes.set(asString(a.name)!, { predicateType });
    else if (referrer) attestationTypes.set(asString(a.name)!, { artifactType: referrer });
    else notes.add('untranslated', [...sp, 'attestations', i], intoto ? `intoto.type ${JSON.stringify(intoto)} is not a predicate type URI` : 'attestation without intoto.type or referrer.type');
  });

  const signatureSets: string[][] = [];
  const atts: { name: string; type: Json; signers: string[] }[] = [];
  const lists = new Set<string>();
  asArray(spec.validations).forEach((v, i) => {
    const vp: PathKey[] = [...sp, 'validations', i];
    const expr = (isObject(v) ? (asString(v.expression) ?? '') : '').replace(/\s+/g, ' ').trim();
    if (expr === 'true') return;
    let m = SIG_RE.exec(expr);
    if (m) {
      const names = attestorNames(m[3]!);
      if (names) {
        lists.add(m[1]!);
        signatureSets.push(names);
        return;
      }
    }
    m = ATT_RE.exec(expr);
    if (m) {
      const names = attestorNames(m[4]!);
      const type = attestationTypes.get(m[3]!);
      if (names && type) {
        lists.add(m[1]!);
        atts.push({ name: policyName(m[3]!), type, signers: names });
        return;
      }
    }
    notes.add('untranslated', vp, `CEL validation not translated: ${expr.length > 120 ? `${expr.slice(0, 117)}…` : expr}`);
  });
  if (lists.size > 0 && !(lists.has('containers') && lists.has('initContainers') && lists.has('ephemeralContainers'))) {
    notes.add('info', [...sp, 'validations'], `the validations check images.${[...lists].join(', images.')}; Tollgate checks the images of all containers, init and ephemeral containers`);
  }

  const authorityNames = new Set<string>();
  const authorities: Json[] = [];
  const include = (n: string, attestationsOnly: boolean) => {
    const a = authority(n);
    if (!a) return false;
    if (!authorityNames.has(n)) {
      authorityNames.add(n);
      authorities.push(attestationsOnly ? { ...a, attestationsOnly: true } : a);
    } else if (!attestationsOnly) {
      const existing = authorities.find((x) => x.name === n);
      if (existing) delete existing.attestationsOnly;
    }
    return true;
  };
  const first = signatureSets[0];
  first?.forEach((n) => include(n, false));
  const attestations: Json[] = [];
  for (const a of atts) {
    const ok = a.signers.filter((n) => include(n, !(first ?? []).includes(n)));
    if (ok.length > 0) attestations.push({ name: a.name, ...a.type, authorities: ok });
  }
  const out: ConvertedPolicy[] = [
    { name: policyName(name), origin: `ImageValidatingPolicy ${name}`, spec: { ...base, ...(authorities.length ? { authorities } : {}), ...(attestations.length ? { attestations } : {}) } },
  ];
  signatureSets.slice(1).forEach((set, i) => {
    const auths = set.map((n) => authority(n)).filter((a): a is Json => a !== null);
    if (auths.length) out.push({ name: policyName(name, 'signatures', i + 2), origin: `ImageValidatingPolicy ${name}, signature validation ${i + 2}`, spec: { ...base, authorities: auths } });
  });
  for (const [n] of attestors) {
    if (!translated.has(n)) notes.add('info', [...sp, 'attestors', attestors.get(n)!.index], `attestor ${n} is not used by a translated validation`);
  }
  return out;
}
