/** One rpm header blob as a database backend stores it, with the package instance number rpm gave it. */
export interface RpmBlob {
  /** Header instance (BerkeleyDB key, NDB package index, SQLite hnum); 0 when the backend gives none. */
  instance: number;
  data: Uint8Array;
}

/** What a backend reader returns: the header blobs it could read, and what it had to skip. */
export interface BlobList {
  blobs: RpmBlob[];
  warnings: string[];
}

/**
 * Collects warnings up to a limit and counts the rest, so that a hostile file with millions of broken records
 * cannot turn into millions of strings (they are cached with the fact).
 */
export class WarningList {
  private readonly items: string[] = [];
  private dropped = 0;
  constructor(private readonly limit = 50) {}

  add(message: string): void {
    if (this.items.length < this.limit) this.items.push(message);
    else this.dropped++;
  }

  toArray(what = 'rpm'): string[] {
    return this.dropped ? [...this.items, `… and ${this.dropped} more ${what} warnings`] : [...this.items];
  }
}
