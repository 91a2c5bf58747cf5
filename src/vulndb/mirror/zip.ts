import yauzl from 'yauzl';

/**
 * Entries of a ZIP archive on disk (OSV's per-ecosystem `all.zip`, GitHub repository archives), read one at a time
 * with yauzl — never extracted. Hostile archives stop with an error instead of exhausting memory or escaping:
 *  - every entry name is checked by yauzl (`validateFileName`: no absolute paths, no `..` segments, no `\`);
 *  - an entry declaring more than `maxEntryBytes`, or an archive whose entries add up to more than `maxTotalBytes`,
 *    is refused before it is inflated; yauzl's `validateEntrySizes` stops an entry whose data inflates past what it
 *    declared (a lying zip bomb), and the stream is cut at the declared size in any case;
 *  - more than `maxEntries` entries is refused.
 */

export interface ZipLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
}

/** OSV's largest archives (npm, PyPI, Debian) hold tens of thousands of records of at most a few MB each. */
export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntryBytes: 64 * 1024 * 1024,
  maxTotalBytes: 8 * 1024 * 1024 * 1024,
  maxEntries: 2_000_000,
};

export class ZipReadError extends Error {
  constructor(
    message: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

function open(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: true, decodeStrings: true }, (err, zip) =>
      err || !zip ? reject(err ?? new Error('cannot open')) : resolve(zip),
    ),
  );
}

function readEntryData(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('cannot read entry'));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > entry.uncompressedSize) {
          stream.destroy(new Error(`inflates past its declared size of ${entry.uncompressedSize} bytes`));
          return;
        }
        chunks.push(c);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks, size)));
    });
  });
}

/**
 * Yields `{ name, data }` for each file entry accepted by `accept` (directories are skipped), in archive order.
 * Throws ZipReadError (with the entry name when one is involved) on a malformed or hostile archive.
 */
export async function* zipEntries(
  file: string,
  accept: (name: string) => boolean,
  opts: { limits?: ZipLimits; signal?: AbortSignal } = {},
): AsyncGenerator<{ name: string; data: Buffer }> {
  const limits = opts.limits ?? DEFAULT_ZIP_LIMITS;
  let zip: yauzl.ZipFile;
  try {
    zip = await open(file);
  } catch (e) {
    throw new ZipReadError(`not a readable ZIP archive: ${(e as Error).message}`);
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new ZipReadError(`${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`);
  }
  // yauzl is event-driven; entries are pulled one at a time with readEntry() and handed over through a queue.
  type Step = { entry: yauzl.Entry } | { end: true } | { error: Error };
  let waiting: ((s: Step) => void) | undefined;
  const queued: Step[] = [];
  const deliver = (s: Step) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(s);
    } else queued.push(s);
  };
  zip.on('entry', (entry: yauzl.Entry) => deliver({ entry }));
  zip.on('end', () => deliver({ end: true }));
  zip.on('error', (error: Error) => deliver({ error }));
  const nextStep = () => new Promise<Step>((resolve) => (queued.length ? resolve(queued.shift()!) : (waiting = resolve)));

  let total = 0;
  let lastName: string | undefined;
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      zip.readEntry();
      const step = await nextStep();
      if ('end' in step) return;
      if ('error' in step) throw new ZipReadError(step.error.message, lastName);
      const { entry } = step;
      const name = entry.fileName;
      lastName = name;
      if (name.endsWith('/')) continue;
      if (entry.isEncrypted()) throw new ZipReadError('encrypted entry', name);
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        throw new ZipReadError(`declares ${entry.uncompressedSize} bytes, more than the per-entry limit of ${limits.maxEntryBytes}`, name);
      }
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) throw new ZipReadError(`entries add up to more than the limit of ${limits.maxTotalBytes} bytes`, name);
      if (!accept(name)) continue;
      let data: Buffer;
      try {
        data = await readEntryData(zip, entry);
      } catch (e) {
        throw new ZipReadError((e as Error).message, name);
      }
      yield { name, data };
    }
  } finally {
    zip.close();
  }
}
