import type { Package, SbomDocument } from '../core/index.js';
import { platformString } from './identity.js';

/**
 * Names of the `tollgate:` properties written into CycloneDX `properties` (and, for packages, into SPDX
 * annotations). They follow the CycloneDX property taxonomy convention of a namespace prefix
 * (https://github.com/CycloneDX/cyclonedx-property-taxonomy) and mirror Trivy's `aquasecurity:trivy:*` names
 * (LayerDigest, LayerDiffID, SrcName, SrcVersion, SrcRelease, SrcEpoch, PkgType…) in kebab-case.
 *
 * Image (metadata.component):
 *   tollgate:image:input            the source as the user wrote it
 *   tollgate:image:source-kind      registry | oci-dir | docker-archive | dir
 *   tollgate:image:digest           digest of the platform manifest that was read
 *   tollgate:image:index-digest     digest of the index / manifest list it was chosen from
 *   tollgate:image:media-type       media type of that manifest
 *   tollgate:image:config-digest    digest of the image config (the "image ID")
 *   tollgate:image:platform         os/architecture[/variant]
 *   tollgate:image:created          the config's creation time
 *   tollgate:image:repo-digest      one per "name@sha256:…" reference
 *   tollgate:image:repo-tag         one per "name:tag" reference
 *   tollgate:image:diff-id          one per layer, base layer first
 *   tollgate:image:label:<key>      one per config label
 *   tollgate:analysis:warning       one per incomplete-analysis warning (the SBOM may miss packages there)
 *
 * Operating system component:
 *   tollgate:os:id, tollgate:os:codename, tollgate:os:source (the file that decided)
 *
 * Package components:
 *   tollgate:package:found-by        id of the analyzer that found the package
 *   tollgate:package:arch
 *   tollgate:package:source-name     dpkg Source, apk origin, rpm SOURCERPM name
 *   tollgate:package:source-version
 *   tollgate:package:source-release  (rpm)
 *   tollgate:package:epoch           (rpm EPOCH tag)
 *   tollgate:package:source-rpm      (rpm SOURCERPM as written)
 *   tollgate:package:modularity-label (rpm)
 *   tollgate:package:commit          (apk aports commit)
 *   tollgate:package:installed-size  bytes
 *   tollgate:package:evidence        installed | declared (declared: only named by a lockfile / manifest)
 *   tollgate:package:dev             "true" for a development-only dependency
 *   tollgate:package:owned-by        purl of the OS package whose file list holds this package's evidence
 *   tollgate:package:go-toolchain    Go version that built the binary (go1.21.5)
 *   tollgate:package:go-main-module  the binary's / go.mod's main module path
 *   tollgate:package:go-replaces     the module a replace directive swapped for this one (path[@version])
 *   tollgate:package:go-replaced-by  the module this one was replaced by (path[@version])
 *   tollgate:package:java-gav-source where the Maven coordinates came from (pom.properties, manifest, filename…)
 *   tollgate:package:resolved        npm: where the lockfile says the package was fetched from
 *   tollgate:package:registry        cargo: the crate's source (registry+…, git+…)
 *   tollgate:package:platform        gem platform
 *   tollgate:package:composer-type   composer package type
 *   tollgate:package:workspace       "true" for a workspace member of a monorepo (npm lockfiles)
 *   tollgate:layer:index             position of the introducing layer, base = 0
 *   tollgate:layer:digest            its (compressed) blob digest
 *   tollgate:layer:diff-id           its uncompressed digest
 *   tollgate:layer:created-by        its config history line
 */
export const Property = {
  imageInput: 'tollgate:image:input',
  imageSourceKind: 'tollgate:image:source-kind',
  imageDigest: 'tollgate:image:digest',
  imageIndexDigest: 'tollgate:image:index-digest',
  imageMediaType: 'tollgate:image:media-type',
  imageConfigDigest: 'tollgate:image:config-digest',
  imagePlatform: 'tollgate:image:platform',
  imageCreated: 'tollgate:image:created',
  imageRepoDigest: 'tollgate:image:repo-digest',
  imageRepoTag: 'tollgate:image:repo-tag',
  imageDiffId: 'tollgate:image:diff-id',
  imageLabelPrefix: 'tollgate:image:label:',
  analysisWarning: 'tollgate:analysis:warning',
  osId: 'tollgate:os:id',
  osCodename: 'tollgate:os:codename',
  osSource: 'tollgate:os:source',
  packageFoundBy: 'tollgate:package:found-by',
  packageArch: 'tollgate:package:arch',
  packageSourceName: 'tollgate:package:source-name',
  packageSourceVersion: 'tollgate:package:source-version',
  packageSourceRelease: 'tollgate:package:source-release',
  packageEpoch: 'tollgate:package:epoch',
  packageSourceRpm: 'tollgate:package:source-rpm',
  packageModularityLabel: 'tollgate:package:modularity-label',
  packageCommit: 'tollgate:package:commit',
  packageInstalledSize: 'tollgate:package:installed-size',
  packageEvidence: 'tollgate:package:evidence',
  packageDev: 'tollgate:package:dev',
  packageOwnedBy: 'tollgate:package:owned-by',
  packageGoToolchain: 'tollgate:package:go-toolchain',
  packageGoMainModule: 'tollgate:package:go-main-module',
  packageGoReplaces: 'tollgate:package:go-replaces',
  packageGoReplacedBy: 'tollgate:package:go-replaced-by',
  packageJavaGavSource: 'tollgate:package:java-gav-source',
  packageResolved: 'tollgate:package:resolved',
  packageRegistry: 'tollgate:package:registry',
  packagePlatform: 'tollgate:package:platform',
  packageComposerType: 'tollgate:package:composer-type',
  packageWorkspace: 'tollgate:package:workspace',
  layerIndex: 'tollgate:layer:index',
  layerDigest: 'tollgate:layer:digest',
  layerDiffId: 'tollgate:layer:diff-id',
  layerCreatedBy: 'tollgate:layer:created-by',
} as const;

export interface NameValue {
  name: string;
  value: string;
}

/** Appends a property when the value is known (CycloneDX property values are strings). */
export function pushProperty(out: NameValue[], name: string, value: string | number | undefined): void {
  if (value === undefined || value === '') return;
  out.push({ name, value: String(value) });
}

const moduleRef = (m: { path: string; version?: string } | undefined): string | undefined =>
  m === undefined ? undefined : m.version ? `${m.path}@${m.version}` : m.path;

/** The `tollgate:package:*` and `tollgate:layer:*` properties of one package, in a fixed order. */
export function packageProperties(pkg: Package): NameValue[] {
  const out: NameValue[] = [];
  pushProperty(out, Property.packageFoundBy, pkg.foundBy);
  pushProperty(out, Property.packageEvidence, pkg.evidence);
  if (pkg.dev === true) pushProperty(out, Property.packageDev, 'true');
  pushProperty(out, Property.packageOwnedBy, pkg.ownedBy);
  const m = pkg.metadata;
  if (m !== undefined) {
    if ('arch' in m) pushProperty(out, Property.packageArch, m.arch);
    switch (m.kind) {
      case 'dpkg':
        pushProperty(out, Property.packageSourceName, m.sourceName);
        pushProperty(out, Property.packageSourceVersion, m.sourceVersion);
        break;
      case 'apk':
        pushProperty(out, Property.packageSourceName, m.origin);
        pushProperty(out, Property.packageCommit, m.commit);
        break;
      case 'rpm':
        pushProperty(out, Property.packageSourceName, m.sourceName);
        pushProperty(out, Property.packageSourceVersion, m.sourceVersion);
        pushProperty(out, Property.packageSourceRelease, m.sourceRelease);
        pushProperty(out, Property.packageEpoch, m.epoch);
        pushProperty(out, Property.packageSourceRpm, m.sourceRpm);
        pushProperty(out, Property.packageModularityLabel, m.modularityLabel);
        break;
      case 'go':
        pushProperty(out, Property.packageGoToolchain, m.goVersion);
        pushProperty(out, Property.packageGoMainModule, m.mainModule);
        pushProperty(out, Property.packageGoReplaces, moduleRef(m.replaces));
        pushProperty(out, Property.packageGoReplacedBy, moduleRef(m.replacedBy));
        break;
      case 'java':
        pushProperty(out, Property.packageJavaGavSource, m.source);
        break;
      case 'npm':
        pushProperty(out, Property.packageResolved, m.resolved);
        if (m.workspace === true) pushProperty(out, Property.packageWorkspace, 'true');
        break;
      case 'cargo':
        pushProperty(out, Property.packageRegistry, m.source);
        break;
      case 'gem':
        pushProperty(out, Property.packagePlatform, m.platform);
        break;
      case 'composer':
        pushProperty(out, Property.packageComposerType, m.packageType);
        break;
    }
    if ('installedSize' in m) pushProperty(out, Property.packageInstalledSize, m.installedSize);
  }
  if (pkg.layer !== undefined) {
    pushProperty(out, Property.layerIndex, pkg.layer.index);
    pushProperty(out, Property.layerDigest, pkg.layer.digest);
    pushProperty(out, Property.layerDiffId, pkg.layer.diffId);
    pushProperty(out, Property.layerCreatedBy, pkg.layer.createdBy);
  }
  return out;
}

/** The `tollgate:image:*` properties of the image, in a fixed order. */
export function imageProperties(doc: SbomDocument): NameValue[] {
  const image = doc.image;
  const out: NameValue[] = [];
  pushProperty(out, Property.imageInput, image.input);
  pushProperty(out, Property.imageSourceKind, image.kind);
  pushProperty(out, Property.imageDigest, image.manifestDigest);
  pushProperty(out, Property.imageIndexDigest, image.indexDigest);
  pushProperty(out, Property.imageMediaType, image.manifestMediaType);
  pushProperty(out, Property.imageConfigDigest, image.configDigest);
  pushProperty(out, Property.imagePlatform, platformString(image));
  pushProperty(out, Property.imageCreated, image.created);
  for (const d of image.repoDigests ?? []) pushProperty(out, Property.imageRepoDigest, d);
  for (const t of image.repoTags ?? []) pushProperty(out, Property.imageRepoTag, t);
  for (const layer of doc.layers) pushProperty(out, Property.imageDiffId, layer.diffId);
  for (const [k, v] of Object.entries(image.labels ?? {})) pushProperty(out, `${Property.imageLabelPrefix}${k}`, v);
  return out;
}
