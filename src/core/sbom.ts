import type { ImageMetadata, LayerDescriptor } from './image.js';
import type { OperatingSystem } from './os.js';
import type { Package } from './package.js';

/** Everything an SBOM encoder needs: the result of reading an image. */
export interface SbomDocument {
  tool: { name: 'tollgate'; version: string };
  /** ISO 8601 time (injectable for tests). */
  createdAt: string;
  image: ImageMetadata;
  os?: OperatingSystem;
  layers: LayerDescriptor[];
  packages: Package[];
  /** Warnings about parts that could not be analysed (the SBOM may be incomplete there). */
  warnings: string[];
  /**
   * Parts that could not be analysed (unreadable or oversized package databases, analyzer failures): packages may
   * be missing there, so a vulnerability scan of this document is incomplete. Each is also in `warnings`.
   */
  gaps?: string[];
}
