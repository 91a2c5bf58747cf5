/** A file handed to an analyzer: its path inside the image (no leading slash, normalised) and its bytes. */
export interface FileEntry {
  path: string;
  size: number;
  /** Unix permission and type bits (e.g. 0o100755). */
  mode: number;
  content: Buffer;
}
