import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ImageError, type ImageSource } from '../../core/index.js';

/** `dir:PATH`: an unpacked root filesystem (or a source tree), read as a single layer without a digest. */
export async function openDir(input: string, dir: string): Promise<ImageSource> {
  const root = path.resolve(dir);
  const st = await stat(root).catch((e: unknown) => {
    throw new ImageError('NOT_FOUND', `directory ${dir} not found`, { cause: e });
  });
  if (!st.isDirectory()) throw new ImageError('NOT_FOUND', `${dir} is not a directory`);
  return {
    metadata: { input, kind: 'dir' },
    layers: [{ index: 0, mediaType: 'inode/directory' }],
    root,
    async openLayer() {
      throw new ImageError('UNSUPPORTED_MEDIA_TYPE', 'a dir: source has no tar layer; walk its root instead');
    },
    async close() {},
  };
}
