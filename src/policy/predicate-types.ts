/**
 * cosign's `--type` short names and their predicate URIs (sigstore/cosign cmd/cosign/cli/options/predicate.go,
 * PredicateTypeMap), which policy-controller also accepts in `predicateType`. src/sign keeps the same table for
 * signing; src/policy may import only src/core, hence this copy.
 */
export const PREDICATE_TYPE_ALIASES: Readonly<Record<string, string>> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  link: 'https://in-toto.io/Link/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

/** The URI for a short name; the value itself when it already is a URI; undefined otherwise. */
export function expandPredicateType(type: string): string | undefined {
  const alias = PREDICATE_TYPE_ALIASES[type];
  if (alias) return alias;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(type)) return type;
  return undefined;
}

/**
 * Where the time a predicate speaks about is, per predicate type, for `maxAge` (the spec of each type names it):
 * cosign vuln `metadata.scanFinishedOn`; SLSA v1 `runDetails.metadata.finishedOn`; SLSA v0.2
 * `metadata.buildFinishedOn`; CycloneDX `metadata.timestamp`; SPDX 2 `creationInfo.created`; OpenVEX `timestamp`;
 * cosign custom `Timestamp`.
 */
export const PREDICATE_TIME_PATHS: Readonly<Record<string, string>> = {
  'https://cosign.sigstore.dev/attestation/vuln/v1': '$.predicate.metadata.scanFinishedOn',
  'https://slsa.dev/provenance/v1': '$.predicate.runDetails.metadata.finishedOn',
  'https://slsa.dev/provenance/v0.2': '$.predicate.metadata.buildFinishedOn',
  'https://cyclonedx.org/bom': '$.predicate.metadata.timestamp',
  'https://spdx.dev/Document': '$.predicate.creationInfo.created',
  'https://openvex.dev/ns': '$.predicate.timestamp',
  'https://cosign.sigstore.dev/attestation/v1': '$.predicate.Timestamp',
};
