import { PackageURL } from 'packageurl-js';

/** A purl parsed and normalised by packageurl-js (type lower-cased, per-type name rules), or undefined. */
export function parsePurl(s: string): PackageURL | undefined {
  try {
    return PackageURL.fromString(s);
  } catch {
    return undefined;
  }
}

/**
 * Trivy's purl constraint (aquasecurity/trivy: pkg/purl/purl.go, `Match`), used by `.trivyignore.yaml` `purls:`:
 * type, namespace and name equal; the version and subpath only when the constraint has them; every qualifier of
 * the constraint present with the same value in the target.
 */
export function purlConstraintMatches(constraint: PackageURL, target: PackageURL): boolean {
  if (!sameName(constraint, target)) return false;
  if (constraint.version && constraint.version !== target.version) return false;
  if (constraint.subpath && constraint.subpath !== target.subpath) return false;
  const q = target.qualifiers ?? {};
  for (const [k, v] of Object.entries(constraint.qualifiers ?? {})) {
    if (q[k] !== v) return false;
  }
  return true;
}

export function sameName(a: PackageURL, b: PackageURL): boolean {
  return a.type === b.type && (a.namespace ?? '') === (b.namespace ?? '') && a.name === b.name;
}
