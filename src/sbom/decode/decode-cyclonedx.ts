import { Property } from '../properties.js';
import { type DecodedParts, type OsFacts, type PackageFacts, type Producer, Props, type SubjectFacts } from './facts.js';
import { Fields, type JsonObject, isObject } from './json-fields.js';

/**
 * CycloneDX JSON 1.2–1.7 (https://cyclonedx.org/docs/1.6/json/) as Tollgate, Trivy
 * (aquasecurity/trivy: pkg/sbom/cyclonedx/marshal.go) and Syft (anchore/syft: syft/format/common/cyclonedxhelpers)
 * write it. Nested `components` are walked depth-first. What becomes what:
 *   metadata.component                    the scanned subject (image, directory)
 *   type operating-system                 the OS
 *   type file / data / container          not packages (Syft lists files; a nested container is another subject)
 *   application without purl, with aquasecurity:trivy:Type
 *                                         a Trivy lockfile target: its path is the location of the packages it
 *                                         depends on
 *   anything else                         a package (library, framework, application with purl, …)
 */
export function decodeCycloneDx(doc: JsonObject, file: string): DecodedParts {
  const f = new Fields(file);
  const specVersion = f.str(doc, 'specVersion', '$') ?? '';
  const minor = /^1\.(\d+)$/.exec(specVersion);
  if (!minor || Number(minor[1]) < 2) {
    f.fail('$.specVersion', `is ${JSON.stringify(specVersion)}; Tollgate reads CycloneDX JSON 1.2 and later`);
  }
  const metadata = f.obj(doc, 'metadata', '$') ?? {};
  const { producer, version: producerVersion } = producerOf(metadata, f);

  const parts: DecodedParts = {
    format: 'cyclonedx',
    specVersion,
    producer,
    ...(producerVersion ? { producerVersion } : {}),
    os: [],
    packages: [],
    dependsOn: new Map(),
    groups: [],
    warnings: [],
    incomplete: false,
  };
  const timestamp = f.str(metadata, 'timestamp', '$.metadata');
  if (timestamp) parts.createdAt = timestamp;
  const root = f.obj(metadata, 'component', '$.metadata');
  if (root) parts.subject = subjectOf(root, f, '$.metadata.component');
  for (const p of f.objects(f.arr(metadata, 'properties', '$.metadata'), '$.metadata.properties')) {
    if (p.name === Property.analysisWarning && typeof p.value === 'string') parts.warnings.push(p.value);
  }

  const groups = new Map<string, string>();
  const walk = (list: unknown[], path: string, group?: string, depth = 0): void => {
    // Real BOMs nest a few levels (an application and its libraries); a hostile one must not exhaust the stack.
    if (depth > MAX_NESTING) f.fail(path, `nests components deeper than ${MAX_NESTING} levels`);
    f.objects(list, path).forEach((c, i) => {
      const here = `${path}[${i}]`;
      const type = (f.str(c, 'type', here) ?? 'library').toLowerCase();
      const props = propsOf(c, f, here);
      const purl = f.str(c, 'purl', here);
      let childGroup = group;
      if (type === 'operating-system') {
        parts.os.push(osOf(c, props, f, here));
      } else if (type === 'application' && !purl && props.first('aquasecurity:trivy:Type') !== undefined) {
        const ref = f.str(c, 'bom-ref', here);
        childGroup = f.str(c, 'name', here) ?? '';
        if (ref) groups.set(ref, childGroup);
      } else if (!SKIPPED_TYPES.has(type)) {
        const facts = packageOf(c, props, purl, f, here);
        if (group) facts.groupLocation = group;
        parts.packages.push(facts);
      }
      walk(f.arr(c, 'components', here), `${here}.components`, childGroup, depth + 1);
    });
  };
  walk(f.arr(doc, 'components', '$'), '$.components');
  // CycloneDX lets the subject itself hold the components it is assembled from.
  if (root) walk(f.arr(root, 'components', '$.metadata.component'), '$.metadata.component.components');

  for (const [i, d] of f.objects(f.arr(doc, 'dependencies', '$'), '$.dependencies').entries()) {
    const ref = f.str(d, 'ref', `$.dependencies[${i}]`);
    if (ref === undefined) continue;
    const on = f.strings(d, 'dependsOn', `$.dependencies[${i}]`);
    const group = groups.get(ref);
    if (group !== undefined) parts.groups.push({ name: group, members: on });
    else parts.dependsOn.set(ref, [...(parts.dependsOn.get(ref) ?? []), ...on]);
  }

  for (const [i, c] of f.objects(f.arr(doc, 'compositions', '$'), '$.compositions').entries()) {
    const aggregate = f.str(c, 'aggregate', `$.compositions[${i}]`);
    if (aggregate !== undefined && aggregate.startsWith('incomplete')) parts.incomplete = true;
  }
  return parts;
}

const MAX_NESTING = 64;

const SKIPPED_TYPES: ReadonlySet<string> = new Set(['file', 'data', 'container', 'machine-learning-model', 'cryptographic-asset']);

/** Which tool wrote the BOM: metadata.tools is an array of {vendor,name,version} before 1.5, {components:[…]} since. */
function producerOf(metadata: JsonObject, f: Fields): { producer: Producer; version?: string } {
  const tools = metadata.tools;
  const list: JsonObject[] = Array.isArray(tools)
    ? tools.filter(isObject)
    : isObject(tools)
      ? [...f.arr(tools, 'components', '$.metadata.tools'), ...f.arr(tools, 'services', '$.metadata.tools')].filter(isObject)
      : [];
  for (const t of list) {
    const name = typeof t.name === 'string' ? t.name.toLowerCase() : '';
    const version = typeof t.version === 'string' ? t.version : undefined;
    for (const known of ['tollgate', 'trivy', 'syft'] as const) {
      if (name === known) return { producer: known, ...(version ? { version } : {}) };
    }
  }
  return { producer: 'other' };
}

function propsOf(c: JsonObject, f: Fields, path: string): Props {
  const props = new Props();
  for (const p of f.objects(f.arr(c, 'properties', path), `${path}.properties`)) {
    // CycloneDX property values are strings; a property without a name carries nothing to read.
    if (typeof p.name === 'string' && typeof p.value === 'string') props.add(p.name, p.value);
  }
  return props;
}

function subjectOf(c: JsonObject, f: Fields, path: string): SubjectFacts {
  const purl = f.str(c, 'purl', path);
  const version = f.version(c, 'version', path);
  const kind = f.str(c, 'type', path);
  return {
    name: f.str(c, 'name', path) ?? '',
    ...(version ? { version } : {}),
    ...(purl ? { purl } : {}),
    ...(kind ? { kind: kind.toLowerCase() } : {}),
    props: propsOf(c, f, path),
  };
}

function osOf(c: JsonObject, props: Props, f: Fields, path: string): OsFacts {
  const version = f.version(c, 'version', path);
  const description = f.str(c, 'description', path);
  return { path, name: f.str(c, 'name', path) ?? '', ...(version ? { version } : {}), ...(description ? { description } : {}), props };
}

function packageOf(c: JsonObject, props: Props, purl: string | undefined, f: Fields, path: string): PackageFacts {
  const group = f.str(c, 'group', path);
  const description = f.str(c, 'description', path);
  const facts: PackageFacts = {
    ref: f.str(c, 'bom-ref', path) ?? path,
    path,
    name: f.str(c, 'name', path) ?? '',
    ...(group ? { group } : {}),
    version: f.version(c, 'version', path) ?? '',
    ...(purl ? { purl } : {}),
    licenses: licensesOf(c, f, path),
    locations: [],
    props,
    ...(description ? { description } : {}),
  };
  const supplier = contactOf(f.obj(c, 'supplier', path), f, `${path}.supplier`) ?? f.str(c, 'publisher', path) ?? f.str(c, 'author', path);
  if (supplier) facts.supplier = supplier;
  for (const h of f.objects(f.arr(c, 'hashes', path), `${path}.hashes`)) {
    if (h.alg === 'SHA-1' && typeof h.content === 'string') facts.sha1 = h.content.toLowerCase();
  }
  // CycloneDX 1.5+ evidence.occurrences: where the package was found (Tollgate writes its locations there).
  const evidence = f.obj(c, 'evidence', path);
  if (evidence) {
    for (const o of f.objects(f.arr(evidence, 'occurrences', `${path}.evidence`), `${path}.evidence.occurrences`)) {
      if (typeof o.location === 'string') facts.locations.push(o.location);
    }
  }
  return facts;
}

/** "Name <email>" from an organizationalEntity, the form dpkg/apk maintainers take. */
function contactOf(entity: JsonObject | undefined, f: Fields, path: string): string | undefined {
  if (!entity) return undefined;
  const name = f.str(entity, 'name', path);
  const contacts = f.objects(f.arr(entity, 'contact', path), `${path}.contact`);
  const email = contacts.map((c) => c.email).find((e): e is string => typeof e === 'string' && e !== '');
  if (name && email) return `${name} <${email}>`;
  return name ?? email;
}

function licensesOf(c: JsonObject, f: Fields, path: string): string[] {
  const out: string[] = [];
  for (const [i, l] of f.objects(f.arr(c, 'licenses', path), `${path}.licenses`).entries()) {
    if (typeof l.expression === 'string') out.push(l.expression);
    const lic = f.obj(l, 'license', `${path}.licenses[${i}]`);
    if (lic) {
      const id = f.str(lic, 'id', `${path}.licenses[${i}].license`) ?? f.str(lic, 'name', `${path}.licenses[${i}].license`);
      if (id) out.push(id);
    }
  }
  return out;
}
