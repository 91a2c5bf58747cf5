/**
 * Just enough of the OCI image layout (image-spec image-layout.md) to find the layer blobs of one tag.
 * Deliberately independent of src/oci: the baselines must not share code with what they measure.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface LayerBlob {
  digest: string;
  size: number;
  mediaType: string;
  file: string;
}

export interface BenchImage {
  layout: string;
  tag: string;
  manifestDigest: string;
  layers: LayerBlob[];
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

function blobFile(layout: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  if (!alg || !hex || !/^[a-z0-9]+$/.test(alg) || !/^[a-f0-9]+$/.test(hex)) throw new Error(`bad digest ${digest}`);
  return path.join(layout, 'blobs', alg, hex);
}

export async function readBenchImage(layout: string, tag: string): Promise<BenchImage> {
  const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
  const desc = index.manifests?.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!desc) throw new Error(`${layout}: no manifest tagged ${tag}`);
  const manifest = JSON.parse(await readFile(blobFile(layout, desc.digest), 'utf8')) as { layers?: Descriptor[] };
  const layers = (manifest.layers ?? []).map((l) => ({
    digest: l.digest,
    size: l.size,
    mediaType: l.mediaType ?? '',
    file: blobFile(layout, l.digest),
  }));
  if (layers.length === 0) throw new Error(`${layout}:${tag} has no layers`);
  for (const l of layers) {
    if (!l.mediaType.endsWith('+gzip') && !l.mediaType.endsWith('.gzip')) {
      throw new Error(`${layout}:${tag}: layer ${l.digest} is ${l.mediaType}; the gunzip baseline needs gzip layers`);
    }
  }
  return { layout, tag, manifestDigest: desc.digest, layers };
}
