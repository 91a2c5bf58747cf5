/** Which tool wrote the document; decides how its free-form properties are read. */
export type Producer = 'tollgate' | 'trivy' | 'syft' | 'other';

/**
 * Namespaced name/value facts of one element, in document order: CycloneDX `properties`, and for SPDX the
 * "Name: value" annotations / attribution texts (Trivy writes `PkgID: …`, Tollgate `tollgate:package:…: …`),
 * stored under the same names the CycloneDX form uses (`aquasecurity:trivy:PkgID`, `tollgate:package:…`).
 */
export class Props {
  private readonly map = new Map<string, string[]>();

  add(name: string, value: string): void {
    const list = this.map.get(name);
    if (list) list.push(value);
    else this.map.set(name, [value]);
  }

  /** The first non-empty value. */
  first(name: string): string | undefined {
    return this.map.get(name)?.find((v) => v !== '');
  }

  all(name: string): string[] {
    return this.map.get(name) ?? [];
  }

  names(): IterableIterator<string> {
    return this.map.keys();
  }

  get size(): number {
    return this.map.size;
  }

  /** Values of names that start with `prefix`, with the rest of the name. */
  withPrefix(prefix: string): [string, string][] {
    const out: [string, string][] = [];
    for (const [name, values] of this.map) if (name.startsWith(prefix)) for (const v of values) out.push([name.slice(prefix.length), v]);
    return out;
  }
}

/** One package-like element of the document, before it becomes a Package. */
export interface PackageFacts {
  /** bom-ref / SPDXID: the key relationships use. */
  ref: string;
  /** JSON path for messages, e.g. "components[3]". */
  path: string;
  name: string;
  /** CycloneDX `group` (Maven groupId, npm scope…). */
  group?: string;
  version: string;
  purl?: string;
  licenses: string[];
  /** Evidence paths as the document writes them (a leading "/" is removed later). */
  locations: string[];
  props: Props;
  /** Maintainer / vendor text ("Name <email>"). */
  supplier?: string;
  sha1?: string;
  description?: string;
  /** SPDX sourceInfo "built package from: NAME VERSION" (Trivy, Tollgate). */
  builtFrom?: { name: string; version?: string };
  /** SPDX sourceInfo "acquired package info from DPKG DB: …" (Syft): the cataloger's description. */
  acquiredFrom?: string;
  /** Path of the lockfile / application element that holds the package (Trivy), used when it names no file. */
  groupLocation?: string;
  /** SPDX sourceInfo "introduced in layer N (sha256:…)" (Tollgate). */
  layerHint?: { index: number };
}

/** An operating-system element (CycloneDX component of type operating-system, SPDX purpose OPERATING-SYSTEM). */
export interface OsFacts {
  path: string;
  name: string;
  version?: string;
  description?: string;
  props: Props;
}

/** The element describing what was scanned (CycloneDX metadata.component, SPDX described CONTAINER package). */
export interface SubjectFacts {
  name: string;
  version?: string;
  purl?: string;
  /** CycloneDX component type / SPDX primaryPackagePurpose, lower-case. */
  kind?: string;
  props: Props;
  created?: string;
}

/** What a format decoder hands to the assembly step. */
export interface DecodedParts {
  format: 'cyclonedx' | 'spdx';
  specVersion: string;
  producer: Producer;
  producerVersion?: string;
  createdAt?: string;
  subject?: SubjectFacts;
  os: OsFacts[];
  packages: PackageFacts[];
  /** ref → refs it depends on (CycloneDX dependencies, SPDX DEPENDS_ON / DEPENDENCY_OF). */
  dependsOn: Map<string, string[]>;
  /** ref of a grouping element (lockfile, application) → refs of the packages it holds, and its name. */
  groups: { name: string; members: string[] }[];
  /** Warnings the producing tool recorded (Tollgate's incomplete-analysis warnings). */
  warnings: string[];
  /** The document says it is incomplete (CycloneDX compositions). */
  incomplete: boolean;
}

