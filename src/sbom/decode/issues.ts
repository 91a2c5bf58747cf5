/**
 * Decode-time findings that make a scan of the SBOM weaker than a scan of the image (packages that cannot be
 * matched, an unknown OS release…). Each kind becomes one warning line naming the file, a count and a few
 * examples, so a 3,000-package SBOM without purls does not print 3,000 lines.
 */
const EXAMPLES = 5;

export class Issues {
  private readonly groups = new Map<string, { text: (n: number) => string; items: string[] }>();
  private readonly single: string[] = [];

  constructor(private readonly file: string) {}

  /** Adds `item` to the group `key`; `text(n)` renders the group's sentence for n items. */
  add(key: string, text: (n: number) => string, item: string): void {
    const g = this.groups.get(key);
    if (g) g.items.push(item);
    else this.groups.set(key, { text, items: [item] });
  }

  note(message: string): void {
    this.single.push(`${this.file}: ${message}`);
  }

  messages(): string[] {
    const out = [...this.single];
    for (const { text, items } of this.groups.values()) {
      const shown = items.slice(0, EXAMPLES).join(', ');
      const more = items.length > EXAMPLES ? ` and ${items.length - EXAMPLES} more` : '';
      out.push(`${this.file}: ${text(items.length)}: ${shown}${more}`);
    }
    return out;
  }
}

export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
