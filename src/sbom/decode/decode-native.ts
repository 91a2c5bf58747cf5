import type { ImageMetadata, LayerDescriptor, OperatingSystem, Package, SbomDocument, SourceKind } from '../../core/index.js';
import { Fields, type JsonObject, isObject } from './json-fields.js';
import { isSupportedType } from './purl.js';

const SOURCE_KINDS: readonly SourceKind[] = ['registry', 'oci-dir', 'docker-archive', 'dir'];

/**
 * Tollgate's native JSON (src/sbom/json/encode-native-json.ts, schemaVersion 1): Tollgate's own types written
 * out, so reading it back is checking them. The fields the scanner relies on are checked strictly; metadata is
 * kept as written after checking its `kind` is a string.
 */
export function decodeNativeJson(doc: JsonObject, file: string): SbomDocument {
  const f = new Fields(file);
  const tool = f.obj(doc, 'tool', '$') ?? {};
  const imageObj = f.obj(doc, 'image', '$') ?? f.fail('$.image', 'is missing');
  const input = f.str(imageObj, 'input', '$.image') ?? f.fail('$.image.input', 'is missing');
  const kind = SOURCE_KINDS.find((k) => k === f.str(imageObj, 'kind', '$.image')) ?? f.fail('$.image.kind', `is not one of ${SOURCE_KINDS.join(', ')}`);
  const image = { ...imageObj, input, kind } as ImageMetadata;

  let os: OperatingSystem | undefined;
  const osObj = f.obj(doc, 'os', '$');
  if (osObj) {
    const family = f.str(osObj, 'family', '$.os') ?? f.fail('$.os.family', 'is missing');
    const version = f.str(osObj, 'version', '$.os') ?? '';
    os = { ...osObj, family, version } as OperatingSystem;
  }

  const layers = f.objects(f.arr(doc, 'layers', '$'), '$.layers').map((l, i): LayerDescriptor => {
    if (typeof l.index !== 'number') f.fail(`$.layers[${i}].index`, 'is not a number');
    return { ...l, mediaType: f.str(l, 'mediaType', `$.layers[${i}]`) ?? '' } as LayerDescriptor;
  });

  const packages = f.objects(f.arr(doc, 'packages', '$'), '$.packages').map((p, i) => nativePackage(p, f, `$.packages[${i}]`));
  const createdAt = f.str(doc, 'createdAt', '$') ?? '1970-01-01T00:00:00Z';
  return {
    tool: { name: 'tollgate', version: f.str(tool, 'version', '$.tool') ?? '' },
    createdAt,
    image,
    ...(os ? { os } : {}),
    layers,
    packages,
    warnings: f.strings(doc, 'warnings', '$'),
    ...(Array.isArray(doc.gaps) ? { gaps: f.strings(doc, 'gaps', '$') } : {}),
  };
}

function nativePackage(p: JsonObject, f: Fields, path: string): Package {
  const need = (key: string) => f.str(p, key, path) ?? f.fail(`${path}.${key}`, 'is missing');
  const type = need('type');
  if (!isSupportedType(type)) f.fail(`${path}.type`, `is ${JSON.stringify(type)}, not a purl type Tollgate writes`);
  const pkg = {
    ...p,
    purl: need('purl'),
    type,
    name: need('name'),
    version: f.str(p, 'version', path) ?? '',
    licenses: f.strings(p, 'licenses', path),
    locations: f.strings(p, 'locations', path),
    foundBy: f.str(p, 'foundBy', path) ?? 'sbom',
  } as Package;
  const layer = p.layer;
  if (layer !== undefined && !(isObject(layer) && typeof layer.index === 'number')) f.fail(`${path}.layer.index`, 'is not a number');
  if (p.dependsOn !== undefined) pkg.dependsOn = f.strings(p, 'dependsOn', path);
  const metadata = p.metadata;
  if (metadata !== undefined && !(isObject(metadata) && typeof metadata.kind === 'string')) f.fail(`${path}.metadata.kind`, 'is not a string');
  return pkg;
}
