import { expandPredicateType } from '../predicate-types.js';
import {
  asArray,
  asString,
  certificatePublicKey,
  isObject,
  KMS_PREFIX,
  pemBlocks,
  policyName,
  wildcardToRegExp,
  type ConvertedPolicy,
  type NoteSink,
  type PathKey,
} from './notes.js';

/**
 * Kyverno `ClusterPolicy` / `Policy` rules with `verifyImages` (kyverno.io/v1, v2beta1; api/kyverno/v1
 * image_verification_types.go) to Tollgate policies.
 *
 * - Each verifyImages entry becomes a policy; each of its attestor sets becomes its own policy for the same images,
 *   because Kyverno requires every attestor set to pass and Tollgate requires every matching policy to pass. Within
 *   a set, Kyverno's `count` (default: all entries) becomes Tollgate's `count`.
 * - imageReferences use Kyverno's wildcard (`*` spans "/"), so `*` becomes `**`.
 * - keyless subject/issuer are wildcard patterns in Kyverno (pkg/cosign matchCertificateData, wildcard.Match): a
 *   value with `*` or `?` becomes an anchored subjectRegExp/issuerRegExp.
 * - mutateDigest (default true) carries over; verifyDigest (default true) only becomes requireDigest when the digest
 *   is not added by mutation, since Kyverno checks it after mutating.
 * - `{{ name.data.key }}` values are resolved from ConfigMaps given in the same input, through the rule's context.
 */
export interface KyvernoInputs {
  /** ConfigMaps found in the inputs: "namespace/name" (and "name") → data. */
  configMaps: Map<string, Record<string, string>>;
}

type Entry = Record<string, unknown>;

const PUBLIC_REKOR = 'https://rekor.sigstore.dev';

interface Authority {
  [k: string]: unknown;
  name: string;
}

function modeOf(action: unknown): 'enforce' | 'audit' | undefined {
  const a = asString(action)?.toLowerCase();
  return a === 'enforce' ? 'enforce' : a === 'audit' ? 'audit' : undefined;
}

/** Kyverno wildcard image patterns to Tollgate globs. */
export function kyvernoImageGlob(pattern: string): string {
  return pattern.replace(/\*+/g, '**');
}

/** `{{ ctx.data.key }}` from ConfigMaps of the same input; undefined when a variable cannot be resolved. */
function resolveVariables(value: string, contextMaps: Map<string, Record<string, string>>): string | undefined {
  if (!value.includes('{{')) return value;
  let failed = false;
  const out = value.replace(/\{\{\s*([A-Za-z_][\w-]*)\.data\.([\w.-]+)\s*\}\}/g, (_, ctx: string, key: string) => {
    const v = contextMaps.get(ctx)?.[key];
    if (v === undefined) failed = true;
    return v ?? '';
  });
  return failed || out.includes('{{') ? undefined : out;
}

/** Kyverno's condition keys are JMESPath on the predicate; the simple ones (a.b, a[].b, a[0]) become JSONPath. */
function jmesToJsonPath(key: string): string | undefined {
  const m = /^\{\{\s*(.+?)\s*\}\}$/.exec(key.trim());
  if (!m) return undefined;
  const expr = m[1]!;
  if (!/^[A-Za-z_]\w*(\[\d*\]|\.[A-Za-z_]\w*)*$/.test(expr)) return undefined;
  return `$.predicate.${expr.replace(/\[\]/g, '[*]')}`;
}

function translateConditions(conditions: unknown, notes: NoteSink, path: PathKey[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  asArray(conditions).forEach((block, i) => {
    if (!isObject(block)) return;
    for (const kind of ['all', 'any'] as const) {
      const list = asArray(block[kind]);
      if (list.length === 0) continue;
      if (kind === 'any' && list.length > 1) {
        notes.add('untranslated', [...path, i, kind], `"any" of ${list.length} conditions is not translated (Tollgate conditions must all hold)`);
        continue;
      }
      list.forEach((c, j) => {
        const cp = [...path, i, kind, j];
        if (!isObject(c)) return;
        const key = asString(c.key) ?? '';
        const op = asString(c.operator) ?? '';
        const value = c.value;
        const jp = jmesToJsonPath(key);
        const valueHasVars = JSON.stringify(value ?? null).includes('{{');
        if (!jp || valueHasVars) {
          notes.add('untranslated', cp, `condition ${JSON.stringify(key)} ${op} ${JSON.stringify(value)} is not translated (only plain paths and literal values are)`);
          return;
        }
        const projection = jp.includes('[*]');
        switch (op) {
          case 'Equals':
          case 'NotEquals':
            if (projection) {
              notes.add('untranslated', cp, `condition ${op} on a projection (${key}) compares a whole list: not translated`);
              return;
            }
            out.push({ path: jp, [op === 'Equals' ? 'equals' : 'notEquals']: value });
            return;
          case 'AllIn':
          case 'In':
            if (op === 'In' && projection) break;
            out.push({ path: jp, in: Array.isArray(value) ? value : [value] });
            return;
          case 'AllNotIn':
          case 'NotIn':
            if (op === 'NotIn' && projection) break;
            out.push({ path: jp, notIn: Array.isArray(value) ? value : [value] });
            return;
        }
        notes.add('untranslated', cp, `condition operator ${op} on ${key} is not translated`);
      });
    }
  });
  return out;
}

export function convertKyvernoClusterPolicy(obj: Record<string, unknown>, notes: NoteSink, inputs: KyvernoInputs): ConvertedPolicy[] {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const policy = asString(meta.name) ?? 'kyverno-policy';
  const namespace = obj.kind === 'Policy' ? asString(meta.namespace) : undefined;
  const spec = isObject(obj.spec) ? obj.spec : {};
  const out: ConvertedPolicy[] = [];
  const policyMode = modeOf(spec.validationFailureAction);
  if (spec.webhookTimeoutSeconds !== undefined) notes.add('info', ['spec', 'webhookTimeoutSeconds'], "webhook settings are part of Tollgate's deployment (deploy/), not of a policy");
  if (spec.background !== undefined) notes.add('info', ['spec', 'background'], 'Tollgate policies act at admission (and in `policy test`); there are no background scans');
  for (const f of ['validationFailureActionOverrides', 'failureActionOverrides']) {
    if (spec[f] !== undefined) notes.add('untranslated', ['spec', f], 'per-namespace failure actions are not translated: write one policy per namespace set');
  }
  const failurePolicy = asString(spec.failurePolicy);

  asArray(spec.rules).forEach((rule, ri) => {
    if (!isObject(rule)) return;
    const rp: PathKey[] = ['spec', 'rules', ri];
    const ruleName = asString(rule.name) ?? `rule-${ri}`;
    const verifyImages = asArray(rule.verifyImages);
    if (verifyImages.length === 0) {
      notes.add('skipped', rp, `rule ${ruleName} has no verifyImages: only image verification rules are translated`);
      return;
    }
    if (rule.validate !== undefined) notes.add('untranslated', [...rp, 'validate'], 'validate blocks (patterns, deny conditions) are not translated');
    if (rule.preconditions !== undefined) notes.add('untranslated', [...rp, 'preconditions'], 'preconditions are not translated: the policy applies unconditionally');
    if (rule.exclude !== undefined) notes.add('untranslated', [...rp, 'exclude'], 'exclude blocks are not translated: narrow spec.images or spec.namespaces instead');

    // Context: only ConfigMaps from the same input can be resolved.
    const contextMaps = new Map<string, Record<string, string>>();
    asArray(rule.context).forEach((c, ci) => {
      if (!isObject(c)) return;
      const cm = isObject(c.configMap) ? c.configMap : undefined;
      const data = cm ? (inputs.configMaps.get(`${asString(cm.namespace) ?? ''}/${asString(cm.name) ?? ''}`) ?? inputs.configMaps.get(asString(cm.name) ?? '')) : undefined;
      if (cm && data) contextMaps.set(asString(c.name) ?? '', data);
      else notes.add('untranslated', [...rp, 'context', ci], cm ? `ConfigMap ${asString(cm.namespace) ?? ''}/${asString(cm.name)} is not in the input: its values cannot be resolved` : 'context entries other than ConfigMaps are not translated');
    });

    // Match: namespaces and namespace selectors carry over; object selectors do not.
    const filters = [...asArray(isObject(rule.match) ? rule.match.any : undefined), ...asArray(isObject(rule.match) ? rule.match.all : undefined)];
    if (isObject(rule.match) && isObject(rule.match.resources)) filters.push({ resources: rule.match.resources });
    let namespaces: string[] | undefined = namespace ? [namespace] : undefined;
    let namespaceSelector: unknown;
    filters.forEach((f, fi) => {
      const res = isObject(f) && isObject(f.resources) ? f.resources : undefined;
      if (!res) return;
      const kinds = asArray(res.kinds).map(String);
      const podish = kinds.some((k) => /^(\*|Pod|Deployment|ReplicaSet|StatefulSet|DaemonSet|Job|CronJob|ReplicationController)$/.test(k.split('/').pop()!));
      if (kinds.length > 0 && !podish) notes.add('untranslated', [...rp, 'match'], `matches kinds ${kinds.join(', ')}: Tollgate policies apply to Pods and the pod templates of workloads`);
      if (Array.isArray(res.namespaces)) namespaces = res.namespaces.map(String);
      if (res.namespaceSelector !== undefined) namespaceSelector = res.namespaceSelector;
      for (const k of ['selector', 'names', 'annotations', 'operations']) {
        if (res[k] !== undefined) notes.add('untranslated', [...rp, 'match', fi, 'resources', k], `match.resources.${k} is not translated`);
      }
    });
    if (filters.length > 1 && (namespaces || namespaceSelector)) notes.add('untranslated', [...rp, 'match'], 'several match filters: their namespaces were merged into one policy scope');

    verifyImages.forEach((viRaw, vi) => {
      if (!isObject(viRaw)) return;
      const vp: PathKey[] = [...rp, 'verifyImages', vi];
      const type = asString(viRaw.type) ?? 'Cosign';
      const notary = type === 'Notary';
      const refs = [...asArray(viRaw.imageReferences), ...(viRaw.image !== undefined ? [viRaw.image] : [])].map(String);
      if (refs.length === 0) {
        notes.add('invalid', vp, 'no imageReferences');
        return;
      }
      const base: Record<string, unknown> = { images: refs.map((r) => ({ glob: kyvernoImageGlob(r) })) };
      const skip = asArray(viRaw.skipImageReferences).map(String);
      if (skip.length > 0) base.excludeImages = skip.map((r) => ({ glob: kyvernoImageGlob(r) }));
      if (namespaces) base.namespaces = namespaces;
      if (namespaceSelector !== undefined) base.namespaceSelector = namespaceSelector;
      const mode = modeOf(viRaw.failureAction ?? viRaw.validationFailureAction) ?? policyMode ?? 'audit';
      if (viRaw.failureAction === undefined && viRaw.validationFailureAction === undefined && spec.validationFailureAction === undefined) {
        notes.add('info', vp, "no failureAction: Kyverno's default Audit is kept (mode: audit)");
      }
      base.mode = mode;
      if (failurePolicy === 'Fail' || failurePolicy === 'Ignore') base.failurePolicy = failurePolicy;
      const mutateDigest = viRaw.mutateDigest !== false;
      base.mutateDigest = mutateDigest;
      if (viRaw.verifyDigest !== false && !mutateDigest) base.references = { requireDigest: true };
      if (viRaw.verifyDigest !== false && mutateDigest) notes.add('info', [...vp, 'verifyDigest'], 'verifyDigest with mutateDigest: Tollgate pins admitted images to their digest, so no requireDigest is needed');
      if (viRaw.required === false) notes.add('untranslated', [...vp, 'required'], 'required: false is not translated: Tollgate verifies every matching image on every admission');
      if (viRaw.useCache !== undefined) notes.add('info', [...vp, 'useCache'], 'Tollgate caches verification results per policy version and digest');
      if (viRaw.cosignOCI11 !== undefined) notes.add('info', [...vp, 'cosignOCI11'], 'Tollgate reads both tag-based signatures and OCI 1.1 referrers');
      if (type === 'SigstoreBundle') notes.add('info', [...vp, 'type'], 'Sigstore bundles are read as cosign signatures');
      for (const k of ['imageRegistryCredentials', 'repository']) {
        if (viRaw[k] !== undefined) notes.add(k === 'repository' ? 'untranslated' : 'info', [...vp, k], k === 'repository' ? 'a separate signature repository is not supported' : "registry credentials come from the webhook's docker config and the pods' imagePullSecrets");
      }
      if (viRaw.validate !== undefined) notes.add('untranslated', [...vp, 'validate'], 'verifyImages.validate (deny conditions over attestations) is not translated');

      const authorities: Authority[] = [];
      const usedNames = new Set<string>();
      const uniqueName = (n: string) => {
        let name = n;
        for (let i = 2; usedNames.has(name); i++) name = `${n}-${i}`;
        usedNames.add(name);
        return name;
      };

      /** One Kyverno attestor entry to Tollgate authorities (several when a key entry lists several PEM keys). */
      const entryAuthorities = (entry: Entry, ep: PathKey[], nameBase: string): Authority[] => {
        const res: Authority[] = [];
        const annotations = isObject(entry.annotations) ? (entry.annotations as Record<string, string>) : undefined;
        const withCommon = (a: Authority): Authority => (annotations ? { ...a, annotations } : a);
        if (entry.attestor !== undefined) {
          notes.add('untranslated', [...ep, 'attestor'], 'nested attestor sets are not translated');
          return res;
        }
        if (entry.repository !== undefined) notes.add('untranslated', [...ep, 'repository'], 'a separate signature repository is not supported');
        const transparency = (node: unknown, np: PathKey[], keyless = false) => {
          if (!isObject(node)) return;
          for (const [k, v] of Object.entries(node)) {
            if (k === 'rekor' && isObject(v)) {
              if (v.ignoreTlog === true) notes.add('info', [...np, 'rekor', 'ignoreTlog'], 'Tollgate does not require transparency-log entries for key-signed signatures');
              else if (keyless && (v.url === undefined || v.url === PUBLIC_REKOR)) notes.add('info', [...np, 'rekor'], "keyless certificates are verified against the Sigstore public-good trust root, Rekor's log included");
              else if (keyless) notes.add('untranslated', [...np, 'rekor'], `a private Rekor (${String(v.url)}) is not translated: install its trust root and set keyless.trustRootRef`);
              else if (v.url !== undefined && !notary) notes.add('untranslated', [...np, 'rekor'], `transparency-log verification against ${String(v.url)} is not part of a Tollgate key authority`);
            } else if (k === 'ctlog' && isObject(v)) {
              if (v.tsaCertChain !== undefined) notes.add('untranslated', [...np, 'ctlog', 'tsaCertChain'], 'RFC 3161 timestamp authority chains are not translated');
              else notes.add('info', [...np, 'ctlog'], 'certificate-transparency (SCT) settings have no Tollgate equivalent');
            }
          }
        };
        if (isObject(entry.keys)) {
          const k = entry.keys;
          const kp = [...ep, 'keys'];
          transparency(k, kp);
          if (k.signatureAlgorithm !== undefined) notes.add('info', [...kp, 'signatureAlgorithm'], 'the hash algorithm follows the key');
          if (notary) {
            notes.add('untranslated', kp, 'Notary attestors with keys are not translated (Notation verifies certificates)');
            return res;
          }
          const pk = asString(k.publicKeys);
          const resolved = pk !== undefined ? resolveVariables(pk, contextMaps) : undefined;
          if (pk !== undefined && resolved === undefined) {
            notes.add('untranslated', [...kp, 'publicKeys'], `publicKeys ${JSON.stringify(pk)} refers to a value not in the input`);
          } else if (resolved !== undefined) {
            const v = resolved.trim();
            if (v.startsWith('k8s://')) {
              const [ns, name] = v.slice('k8s://'.length).split('/');
              res.push(withCommon({ name: uniqueName(nameBase), key: { secretRef: { name: name ?? ns, ...(name ? { namespace: ns } : {}) } } }));
            } else if (KMS_PREFIX.test(v)) {
              res.push(withCommon({ name: uniqueName(nameBase), key: { kms: v } }));
            } else {
              const blocks = pemBlocks(v);
              if (blocks.length === 0) notes.add('untranslated', [...kp, 'publicKeys'], 'publicKeys holds no PEM public key');
              if (blocks.length > 1) notes.add('untranslated', [...kp, 'publicKeys'], `${blocks.length} keys in one entry became ${blocks.length} authorities; Kyverno counts the entry once`);
              blocks.forEach((b, bi) => res.push(withCommon({ name: uniqueName(blocks.length > 1 ? `${nameBase}-${bi}` : nameBase), key: { data: b.text } })));
            }
          }
          if (isObject(k.secret)) {
            res.push(withCommon({ name: uniqueName(nameBase), key: { secretRef: { name: String(k.secret.name), ...(k.secret.namespace ? { namespace: String(k.secret.namespace) } : {}) } } }));
          }
          if (asString(k.kms)) res.push(withCommon({ name: uniqueName(nameBase), key: { kms: asString(k.kms) } }));
          return res;
        }
        if (isObject(entry.certificates)) {
          const c = entry.certificates;
          const cp = [...ep, 'certificates'];
          transparency(c, cp);
          const raw = asString(c.cert);
          const cert = raw !== undefined ? resolveVariables(raw, contextMaps) : undefined;
          if (raw === undefined || cert === undefined) {
            notes.add('untranslated', [...cp, 'cert'], raw === undefined ? 'no cert' : `cert ${JSON.stringify(raw)} refers to a value not in the input`);
            return res;
          }
          if (c.certChain !== undefined) notes.add('untranslated', [...cp, 'certChain'], 'certificate chains are not translated');
          if (notary) {
            res.push(withCommon({ name: uniqueName(nameBase), notation: { certs: cert } }));
          } else {
            const key = certificatePublicKey(cert);
            if (!key) notes.add('untranslated', [...cp, 'cert'], 'the certificate cannot be read');
            else {
              notes.add('info', [...cp, 'cert'], "the signing certificate became a key authority with the certificate's public key");
              res.push(withCommon({ name: uniqueName(nameBase), key: { data: key } }));
            }
          }
          return res;
        }
        if (isObject(entry.keyless)) {
          const k = entry.keyless;
          const kp = [...ep, 'keyless'];
          transparency(k, kp, true);
          const rootsRef = k.roots !== undefined ? policyName(nameBase, 'roots') : undefined;
          if (rootsRef) notes.add('untranslated', [...kp, 'roots'], `custom Fulcio roots are not translated: install them as the trust root ${JSON.stringify(rootsRef)} (keyless.trustRootRef)`);
          if (k.additionalExtensions !== undefined) notes.add('untranslated', [...kp, 'additionalExtensions'], 'certificate extension checks are not translated');
          const id: Record<string, string> = {};
          for (const [exact, re] of [
            ['issuer', 'issuerRegExp'],
            ['subject', 'subjectRegExp'],
          ] as const) {
            const e = asString(k[exact]);
            const r = asString(k[re]);
            if (r !== undefined) id[re] = r;
            else if (e !== undefined && /[*?]/.test(e)) {
              id[re] = wildcardToRegExp(e);
              notes.add('info', [...kp, exact], `Kyverno wildcard ${JSON.stringify(e)} became ${re} ${JSON.stringify(id[re])}`);
            } else if (e !== undefined) id[exact] = e;
            else {
              id[re] = '.*';
              notes.add('untranslated', kp, `no ${exact}: translated as ${re} ".*" (any ${exact}); pin it`);
            }
          }
          res.push(withCommon({ name: uniqueName(nameBase), keyless: { identities: [id], ...(rootsRef ? { trustRootRef: rootsRef } : {}) } }));
          return res;
        }
        notes.add('untranslated', ep, 'attestor entry of an unknown kind');
        return res;
      };

      // Attestations: their attestors become attestation-only authorities.
      const attestations: Record<string, unknown>[] = [];
      asArray(viRaw.attestations).forEach((att, ai) => {
        if (!isObject(att)) return;
        const ap: PathKey[] = [...vp, 'attestations', ai];
        const rawType = asString(att.type) ?? asString(att.predicateType);
        if (!rawType) {
          notes.add('invalid', ap, 'no type');
          return;
        }
        // Notary attestations are signed referrers, typed by their artifactType; Cosign ones are in-toto statements.
        const predicateType = notary ? undefined : expandPredicateType(rawType);
        if (!notary && !predicateType) {
          notes.add('untranslated', [...ap, 'type'], `${JSON.stringify(rawType)} is not a predicate type URI: attestation left out`);
          return;
        }
        const attName = policyName(asString(att.name) ?? `attestation-${ai}`);
        const signers: string[] = [];
        asArray(att.attestors).forEach((set, si) => {
          if (!isObject(set)) return;
          const entries = asArray(set.entries);
          const need = typeof set.count === 'number' ? set.count : entries.length;
          if (need > 1 || asArray(att.attestors).length > 1) {
            notes.add('untranslated', [...ap, 'attestors', si], `${need} signers required on the attestation: Tollgate accepts an attestation signed by any one of them`);
          }
          entries.forEach((e, ei) => {
            if (!isObject(e)) return;
            for (const a of entryAuthorities(e, [...ap, 'attestors', si, 'entries', ei], `${attName}-signer`)) {
              // The same trust material for several attestations is one authority.
              const { name: _n, ...def } = a;
              const same = authorities.find(({ name: _m, attestationsOnly: _o, ...d }) => JSON.stringify(d) === JSON.stringify(def));
              if (same) signers.push(same.name);
              else {
                authorities.push({ ...a, attestationsOnly: true });
                signers.push(a.name);
              }
            }
          });
        });
        const conditions = translateConditions(att.conditions, notes, [...ap, 'conditions']);
        if (signers.length === 0) {
          notes.add('untranslated', ap, `attestation ${rawType} has no translatable attestor: it was left out`);
          return;
        }
        attestations.push({ name: attName, ...(predicateType ? { predicateType } : { artifactType: rawType }), authorities: signers, ...(conditions.length ? { policy: { conditions } } : {}) });
      });

      // Signature attestor sets: one policy each.
      const sets = asArray(viRaw.attestors);
      const setPolicies: { authorities: Authority[]; count?: number }[] = [];
      sets.forEach((set, si) => {
        if (!isObject(set)) return;
        const sp: PathKey[] = [...vp, 'attestors', si];
        const entries = asArray(set.entries);
        const auths: Authority[] = [];
        entries.forEach((e, ei) => {
          if (isObject(e)) auths.push(...entryAuthorities(e, [...sp, 'entries', ei], notary ? 'notary' : 'signer'));
        });
        if (auths.length === 0) {
          notes.add('untranslated', sp, 'no translatable entry in this attestor set: it was left out');
          return;
        }
        const need = typeof set.count === 'number' ? set.count : entries.length;
        const count = Math.min(need, auths.length);
        if (need > auths.length) notes.add('untranslated', sp, `count ${need} but only ${auths.length} entries were translated: count lowered to ${count}`);
        setPolicies.push({ authorities: auths, ...(count > 1 ? { count } : {}) });
      });

      const baseName = policyName(policy, ruleName, verifyImages.length > 1 ? vi : undefined);
      const origin = `${String(obj.kind)} ${policy}, rule ${ruleName}${verifyImages.length > 1 ? `, verifyImages[${vi}]` : ''}`;
      if (setPolicies.length === 0) {
        out.push({ name: baseName, origin, spec: { ...base, ...(authorities.length ? { authorities } : {}), ...(attestations.length ? { attestations } : {}) } });
        return;
      }
      setPolicies.forEach((sp, i) => {
        const auths = [...sp.authorities, ...(i === 0 ? authorities : [])];
        out.push({
          name: setPolicies.length > 1 ? policyName(baseName, 'attestors', i) : baseName,
          origin: setPolicies.length > 1 ? `${origin}, attestors[${i}]` : origin,
          spec: {
            ...base,
            authorities: auths,
            ...(sp.count ? { count: sp.count } : {}),
            ...(i === 0 && attestations.length ? { attestations } : {}),
          },
        });
      });
    });
  });
  return out;
}
