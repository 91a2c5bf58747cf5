import { UsageError } from '../../core/index.js';
import type { JsonObject } from './json-fields.js';

/**
 * SPDX 2.x tag-value (https://spdx.github.io/spdx-spec/v2.3/ — "Tag: value" lines, multi-line values inside
 * <text>…</text>, "#" comments) rewritten as the SPDX JSON document it stands for, so one decoder reads both. Only
 * the tags the decoder uses are carried over; snippets and extracted licensing infos are skipped.
 */
export function spdxTagValueToJson(text: string, file: string): JsonObject {
  const doc: JsonObject = {};
  const creators: string[] = [];
  const creationInfo: JsonObject = { creators };
  const packages: JsonObject[] = [];
  const files: JsonObject[] = [];
  const relationships: JsonObject[] = [];
  const annotations: { target?: string; annotation: JsonObject }[] = [];
  let element: JsonObject | undefined;
  let section: 'doc' | 'package' | 'file' | 'other' = 'doc';

  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError('INVALID_ARGUMENT', `${file}: line ${i + 1} is not "Tag: value" (SPDX tag-value)`);
    const tag = line.slice(0, colon).trim();
    let value = line.slice(colon + 1).trim();
    if (value.startsWith('<text>')) {
      // A multi-line value runs to the line holding </text>.
      let body = value.slice('<text>'.length);
      while (!body.includes('</text>') && i + 1 < lines.length) body += `\n${lines[++i] ?? ''}`;
      value = body.replace(/<\/text>[\s\S]*$/, '');
    }
    const push = (key: string, v: unknown) => {
      if (!element) return;
      const list = (element[key] as unknown[] | undefined) ?? [];
      list.push(v);
      element[key] = list;
    };
    switch (tag) {
      case 'SPDXVersion':
        doc.spdxVersion = value;
        break;
      case 'DataLicense':
        doc.dataLicense = value;
        break;
      case 'DocumentName':
        doc.name = value;
        break;
      case 'DocumentNamespace':
        doc.documentNamespace = value;
        break;
      case 'DocumentComment':
        doc.comment = value;
        break;
      case 'Creator':
        creators.push(value);
        break;
      case 'Created':
        creationInfo.created = value;
        break;
      case 'PackageName':
        element = { name: value };
        packages.push(element);
        section = 'package';
        break;
      case 'FileName':
        element = { fileName: value };
        files.push(element);
        section = 'file';
        break;
      case 'SnippetSPDXID':
      case 'LicenseID':
        element = undefined;
        section = 'other';
        break;
      case 'SPDXID':
        if (section === 'doc') doc.SPDXID = value;
        else if (element) element.SPDXID = value;
        break;
      case 'Relationship': {
        const [from, type, to] = value.split(/\s+/);
        if (from && type && to) relationships.push({ spdxElementId: from, relationshipType: type, relatedSpdxElement: to });
        break;
      }
      case 'Annotator':
        annotations.push({ annotation: { annotator: value } });
        break;
      case 'AnnotationComment':
      case 'AnnotationType':
      case 'AnnotationDate':
      case 'SPDXREF': {
        const last = annotations[annotations.length - 1];
        if (!last) break;
        if (tag === 'SPDXREF') last.target = value;
        else last.annotation[tag === 'AnnotationComment' ? 'comment' : tag === 'AnnotationType' ? 'annotationType' : 'annotationDate'] = value;
        break;
      }
      default:
        if (section === 'package') packageTag(tag, value, element!, push);
    }
  }
  const byId = new Map<string, JsonObject>();
  for (const e of [...packages, ...files]) if (typeof e.SPDXID === 'string') byId.set(e.SPDXID, e);
  for (const { target, annotation } of annotations) {
    const e = target !== undefined ? byId.get(target) : undefined;
    if (e) e.annotations = [...((e.annotations as unknown[] | undefined) ?? []), annotation];
  }
  return { ...doc, creationInfo, packages, files, relationships };
}

const PACKAGE_TAGS: Readonly<Record<string, string>> = {
  PackageVersion: 'versionInfo',
  PackageSupplier: 'supplier',
  PackageOriginator: 'originator',
  PackageSourceInfo: 'sourceInfo',
  PackageLicenseDeclared: 'licenseDeclared',
  PackageDescription: 'description',
  PrimaryPackagePurpose: 'primaryPackagePurpose',
  BuiltDate: 'builtDate',
};

function packageTag(tag: string, value: string, element: JsonObject, push: (key: string, v: unknown) => void): void {
  const key = PACKAGE_TAGS[tag];
  if (key) {
    element[key] = value;
    return;
  }
  if (tag === 'ExternalRef') {
    const [referenceCategory, referenceType, ...rest] = value.split(/\s+/);
    push('externalRefs', { referenceCategory, referenceType, referenceLocator: rest.join(' ') });
  } else if (tag === 'PackageAttributionText') {
    push('attributionTexts', value);
  } else if (tag === 'PackageChecksum') {
    const m = /^(\w+):\s*(\S+)$/.exec(value);
    if (m) push('checksums', { algorithm: m[1], checksumValue: m[2] });
  }
}
