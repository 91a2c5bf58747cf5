import { AnalysisError } from '../../../core/index.js';
import { WarningList, type BlobList, type RpmBlob } from './blob.js';

/**
 * Reader for rpm's SQLite backend `rpmdb.sqlite` (rpm lib/backend/sqlite.c): table
 * `Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`, one header blob per row.
 *
 * The bytes are deserialised into an in-memory, read-only connection: nothing is ever written next to the input.
 * rpm leaves the file in WAL mode (header bytes 18–19 = 2), which sqlite3_deserialize cannot open, so a copy of
 * the header is switched to the legacy rollback journal (1, 1) first (https://www.sqlite.org/fileformat2.html,
 * §1.3.5). Frames still in a separate `-wal` file are not seen; rpm checkpoints on close.
 */

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export async function readSqliteBlobs(file: Uint8Array): Promise<BlobList> {
  if (file.length < 100 || !SQLITE_MAGIC.equals(file.subarray(0, 16))) {
    throw malformed('not an SQLite 3 database');
  }
  const copy = Buffer.from(file); // copies: the caller's bytes stay untouched
  if (copy[18] === 2 || copy[19] === 2) {
    copy[18] = 1;
    copy[19] = 1;
  }

  // Loaded lazily: the native module costs start-up time and only rpm-based images need it.
  const { default: Database } = await import('better-sqlite3');
  let db: InstanceType<typeof Database>;
  try {
    db = new Database(copy, { readonly: true });
  } catch (cause) {
    throw malformed('cannot open the database', cause);
  }
  try {
    // A hostile file could define `Packages` as a view (e.g. an endless recursive query): accept a table only.
    const kind = db.prepare("SELECT type FROM sqlite_master WHERE name = 'Packages'").pluck().get();
    if (kind !== 'table') throw malformed('no Packages table');
    const blobs: RpmBlob[] = [];
    const warnings = new WarningList();
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').raw().iterate() as Iterable<unknown[]>;
    for (const [hnum, blob] of rows) {
      const instance = typeof hnum === 'number' ? hnum : typeof hnum === 'bigint' ? Number(hnum) : 0;
      if (!Buffer.isBuffer(blob)) {
        warnings.add(`rpmdb.sqlite: row ${String(hnum)} holds no blob; skipped`);
        continue;
      }
      blobs.push({ instance, data: blob });
    }
    return { blobs, warnings: warnings.toArray('rpmdb.sqlite') };
  } catch (cause) {
    if (cause instanceof AnalysisError) throw cause;
    throw malformed('cannot read the Packages table', cause);
  } finally {
    db.close();
  }
}

function malformed(message: string, cause?: unknown): AnalysisError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new AnalysisError('MALFORMED_FILE', `rpmdb.sqlite: ${message}${detail}`, { cause });
}
