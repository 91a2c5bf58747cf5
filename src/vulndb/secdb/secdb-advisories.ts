import type { Advisory, AffectedPackage } from '../../core/index.js';
import type { FeedContext } from '../feeds/feed.js';
import { apk } from '../versions/apk.js';
import type { SecdbFile } from './parse-secdb.js';

/** Groups secdb statements into one advisory per id (the alpine and wolfi feeds). */
export class SecdbAdvisories {
  private readonly byId = new Map<string, Advisory>();
  /** "<id> <distro> <pkg>" → the affected entry, to merge the same statement seen in several files. */
  private readonly entries = new Map<string, AffectedPackage>();

  constructor(private readonly source: string) {}

  add(distro: string, rel: string, file: SecdbFile, ctx: FeedContext): void {
    if (file.skipped.length) {
      const shown = file.skipped.slice(0, 3).join('; ');
      ctx.warn(`${this.source}: ${rel}: ${file.skipped.length} secfixes entries name no advisory id and were skipped: ${shown}${file.skipped.length > 3 ? '; …' : ''}`);
    }
    for (const s of file.statements) {
      const [id, ...aliases] = s.ids as [string, ...string[]];
      let adv = this.byId.get(id);
      if (!adv) {
        adv = { id, source: this.source, aliases: [], affected: [] };
        this.byId.set(id, adv);
      }
      for (const a of aliases) if (!adv.aliases.includes(a)) adv.aliases.push(a);
      const key = `${id} ${distro} ${s.pkg}`;
      const seen = this.entries.get(key);
      const entry: AffectedPackage =
        s.fixed === '0'
          ? { ecosystem: 'apk', distro, name: s.pkg, status: 'not-affected', ranges: [] }
          : {
              ecosystem: 'apk',
              distro,
              name: s.pkg,
              status: 'fixed',
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: s.fixed }] }],
            };
      if (s.note) entry.note = s.note;
      if (!seen) {
        this.entries.set(key, entry);
        adv.affected.push(entry);
      } else if (fixedOf(seen) !== s.fixed) {
        // The same id listed under two versions of one package (mostly a fix, then the fix of an incomplete
        // fix): the higher version is the one that has every fix; the other is named in the note.
        const [low, high] = apk.compare(fixedOf(seen), s.fixed) < 0 ? [seen, entry] : [entry, seen];
        Object.assign(seen, high, { note: [high.note, `also listed under ${fixedOf(low)}`].filter(Boolean).join('; ') });
      }
    }
  }

  values(): IterableIterator<Advisory> {
    return this.byId.values();
  }
}

function fixedOf(a: AffectedPackage): string {
  const fixed = a.ranges[0]?.events.find((e): e is { fixed: string } => 'fixed' in e);
  return fixed?.fixed ?? '0';
}
