import { SignError, UsageError } from '../../core/index.js';
import { DistinguishedNameError, isSubsetDN, parseDistinguishedName, type DistinguishedName } from './distinguished-name.js';

/**
 * Notary Project OCI trust policies, version 1.0 (trust-store-trust-policy.md "Trust Policy"; notation-go
 * verifier/trustpolicy oci.go and trustpolicy.go): validation, selecting the statement for an artifact, and the
 * verification level with its per-check enforce / log / skip actions.
 */
export type ValidationType = 'integrity' | 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';
export type ValidationAction = 'enforce' | 'log' | 'skip';
export type LevelName = 'strict' | 'permissive' | 'audit' | 'skip';
export const VALIDATION_TYPES: ValidationType[] = ['integrity', 'authenticity', 'authenticTimestamp', 'expiry', 'revocation'];

const LEVELS: Record<LevelName, Record<ValidationType, ValidationAction>> = {
  strict: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'enforce', expiry: 'enforce', revocation: 'enforce' },
  permissive: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
  audit: { integrity: 'enforce', authenticity: 'log', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
  skip: { integrity: 'skip', authenticity: 'skip', authenticTimestamp: 'skip', expiry: 'skip', revocation: 'skip' },
};

export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa';
export const TRUST_STORE_TYPES: TrustStoreType[] = ['ca', 'signingAuthority', 'tsa'];

export interface TrustStoreRef {
  type: TrustStoreType;
  name: string;
  /** As written: `ca:acme`. */
  ref: string;
}

export interface TrustPolicyStatement {
  name: string;
  registryScopes: string[];
  level: LevelName;
  /** The resolved action of each check (level plus overrides). */
  actions: Record<ValidationType, ValidationAction>;
  verifyTimestamp: 'always' | 'afterCertExpiry';
  trustStores: TrustStoreRef[];
  /** undefined = `*` (any identity the trust stores vouch for). */
  trustedIdentities?: { raw: string; dn: DistinguishedName }[];
}

export interface TrustPolicyDocument {
  version: '1.0';
  statements: TrustPolicyStatement[];
}

const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?(?:(?:\/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$/;
const STORE_NAME = /^[a-zA-Z0-9_.-]+$/;

/** notation-go validateRegistryScopeFormat: a fully qualified repository, no scheme, tag or wildcard. */
export function isValidScope(scope: string): boolean {
  if (scope.length > 1 && scope.includes('*')) return false;
  const i = scope.indexOf('/');
  if (i <= 0) return false;
  return DOMAIN.test(scope.slice(0, i)) && REPOSITORY.test(scope.slice(i + 1));
}

function invalid(file: string, message: string): UsageError {
  return new UsageError('INVALID_CONFIG', `trust policy ${file}: ${message}`);
}

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** Parses and validates a trust policy document (trustpolicy.oci.json); errors are UsageError INVALID_CONFIG. */
export function parseTrustPolicy(input: unknown, file = 'document'): TrustPolicyDocument {
  let doc = input;
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    try {
      doc = JSON.parse(input.toString());
    } catch {
      throw invalid(file, 'malformed trust policy (not JSON)');
    }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid(file, 'malformed trust policy (not a JSON object)');
  const d = doc as { version?: unknown; trustPolicies?: unknown };
  if (d.version === undefined || d.version === '') throw invalid(file, 'oci trust policy document has empty version, version must be specified');
  if (d.version !== '1.0') throw invalid(file, `oci trust policy document uses unsupported version ${JSON.stringify(d.version)}`);
  if (!Array.isArray(d.trustPolicies) || d.trustPolicies.length === 0) throw invalid(file, 'oci trust policy document can not have zero trust policy statements');
  const names = new Set<string>();
  const scopeCount = new Map<string, number>();
  const statements = d.trustPolicies.map((raw: unknown, idx: number): TrustPolicyStatement => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(file, `trustPolicies[${idx}] is not an object`);
    const s = raw as Record<string, unknown>;
    const name = s.name;
    if (typeof name !== 'string' || name === '') throw invalid(file, 'a trust policy statement is missing a name, every statement requires a name');
    if (names.has(name)) throw invalid(file, `multiple oci trust policy statements use the same name ${JSON.stringify(name)}, statement names must be unique`);
    names.add(name);
    const where = `statement ${JSON.stringify(name)}`;
    const sv = s.signatureVerification as { level?: unknown; override?: unknown; verifyTimestamp?: unknown } | undefined;
    if (!sv || typeof sv !== 'object') throw invalid(file, `${where} has no signatureVerification`);
    if (sv.level === undefined || sv.level === '') throw invalid(file, `${where}: signature verification level is empty or missing`);
    if (typeof sv.level !== 'string' || !(sv.level in LEVELS)) throw invalid(file, `${where}: invalid signature verification level ${JSON.stringify(sv.level)}`);
    const level = sv.level as LevelName;
    const actions = { ...LEVELS[level] };
    if (sv.override !== undefined) {
      if (!sv.override || typeof sv.override !== 'object' || Array.isArray(sv.override)) throw invalid(file, `${where}: override must be an object`);
      const entries = Object.entries(sv.override as Record<string, unknown>);
      if (entries.length && level === 'skip') throw invalid(file, `${where}: signature verification level "skip" can't be used to customize signature verification`);
      for (const [k, v] of entries) {
        if (!VALIDATION_TYPES.includes(k as ValidationType)) throw invalid(file, `${where}: verification type ${JSON.stringify(k)} in custom signature verification is not supported`);
        if (v !== 'enforce' && v !== 'log' && v !== 'skip') throw invalid(file, `${where}: verification action ${JSON.stringify(v)} in custom signature verification is not supported`);
        if (k === 'integrity') throw invalid(file, `${where}: "integrity" verification can not be overridden in custom signature verification`);
        if (k !== 'revocation' && v === 'skip') throw invalid(file, `${where}: ${JSON.stringify(k)} verification can not be skipped in custom signature verification`);
        actions[k as ValidationType] = v;
      }
    }
    const vt = sv.verifyTimestamp ?? 'always';
    if (vt !== 'always' && vt !== 'afterCertExpiry') throw invalid(file, `${where}: verifyTimestamp must be "always" or "afterCertExpiry", but got ${JSON.stringify(vt)}`);
    const stores = s.trustStores ?? [];
    const ids = s.trustedIdentities ?? [];
    if (!strings(stores)) throw invalid(file, `${where}: trustStores must be a list of strings`);
    if (!strings(ids)) throw invalid(file, `${where}: trustedIdentities must be a list of strings`);
    if (level === 'skip') {
      if (stores.length || ids.length) throw invalid(file, `${where} is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped`);
    } else if (stores.length === 0 || ids.length === 0) {
      throw invalid(file, `${where} is either missing trust stores or trusted identities, both must be specified`);
    }
    const trustStores = stores.map((ref): TrustStoreRef => {
      const i = ref.indexOf(':');
      if (i < 0) throw invalid(file, `${where} has malformed trust store value ${JSON.stringify(ref)}. The required format is <TrustStoreType>:<TrustStoreName>`);
      const type = ref.slice(0, i);
      const storeName = ref.slice(i + 1);
      if (!TRUST_STORE_TYPES.includes(type as TrustStoreType)) throw invalid(file, `${where} uses an unsupported trust store type ${JSON.stringify(type)} in trust store value ${JSON.stringify(ref)}`);
      if (!STORE_NAME.test(storeName)) throw invalid(file, `${where} uses an unsupported trust store name ${JSON.stringify(storeName)}; a store name is [a-zA-Z0-9_.-]+`);
      return { type: type as TrustStoreType, name: storeName, ref };
    });
    let trustedIdentities: TrustPolicyStatement['trustedIdentities'];
    if (!ids.includes('*')) {
      trustedIdentities = [];
      for (const id of ids) {
        if (id === '') throw invalid(file, `${where} has an empty trusted identity`);
        const i = id.indexOf(':');
        if (i < 0) throw invalid(file, `${where} has trusted identity ${JSON.stringify(id)} missing separator`);
        // Notation natively supports x509.subject identities only; others are for plugins and are skipped.
        if (id.slice(0, i) !== 'x509.subject') continue;
        const value = id.slice(i + 1);
        if (value.trim() === '') throw invalid(file, `${where} has trusted identity ${JSON.stringify(id)} without an identity value`);
        try {
          trustedIdentities.push({ raw: id, dn: parseDistinguishedName(value) });
        } catch (e) {
          if (e instanceof DistinguishedNameError) throw invalid(file, `${where} has trusted identity ${JSON.stringify(id)} with invalid identity value: ${e.message}`);
          throw e;
        }
      }
      for (const a of trustedIdentities) {
        for (const b of trustedIdentities) {
          if (a !== b && isSubsetDN(a.dn, b.dn)) throw invalid(file, `${where} has overlapping x509 trustedIdentities, ${JSON.stringify(a.raw)} overlaps with ${JSON.stringify(b.raw)}`);
        }
      }
    } else if (ids.length > 1) {
      throw invalid(file, `${where} uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values`);
    }
    const scopes = s.registryScopes;
    if (!strings(scopes) || scopes.length === 0) throw invalid(file, `oci trust policy statement ${JSON.stringify(name)} has zero registry scopes, it must specify registry scopes with at least one value`);
    if (scopes.length > 1 && scopes.includes('*')) throw invalid(file, `${where} uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values`);
    for (const scope of scopes) {
      if (scope !== '*' && !isValidScope(scope)) throw invalid(file, `registry scope ${JSON.stringify(scope)} is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag`);
      scopeCount.set(scope, (scopeCount.get(scope) ?? 0) + 1);
    }
    return { name, registryScopes: scopes, level, actions, verifyTimestamp: vt, trustStores, ...(trustedIdentities ? { trustedIdentities } : {}) };
  });
  for (const [scope, n] of scopeCount) {
    if (n > 1) throw invalid(file, `registry scope ${JSON.stringify(scope)} is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement`);
  }
  return { version: '1.0', statements };
}

/**
 * The statement that applies to `repository` (`registry/namespace/repo`): an exact scope match first, then the
 * global `*` statement; none is a SignError NO_APPLICABLE_POLICY (the artifact is untrusted).
 */
export function applicablePolicy(doc: TrustPolicyDocument, repository: string): TrustPolicyStatement {
  const exact = doc.statements.find((s) => s.registryScopes.includes(repository));
  if (exact) return exact;
  const global = doc.statements.find((s) => s.registryScopes.includes('*'));
  if (global) return global;
  throw new SignError('NO_APPLICABLE_POLICY', `artifact ${repository} has no applicable trust policy statement: no registryScopes entry names it and there is no '*' statement`);
}
