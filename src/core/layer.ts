/** Where a layer sits in an image; `index` is its position from the base (0) upwards. */
export interface LayerRef {
  index: number;
  /** Digest of the blob as stored (compressed), when the source has one. */
  digest?: string;
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  diffId?: string;
  /** The config history's created_by line for this layer, when known. */
  createdBy?: string;
}
