import type { Feed } from './feed.js';
import { feed as debian } from './debian/index.js';
import { feed as alpine } from './alpine/index.js';
import { feed as wolfi } from './wolfi/index.js';
import { feed as rubysec } from './rubysec/index.js';
import { feed as rustsec } from './rustsec/index.js';
import { feed as friendsofphp } from './friendsofphp/index.js';
import { feed as osv } from './osv/index.js';
import { feed as nvd } from './nvd/index.js';
import { feed as cve5 } from './cve5/index.js';
import { feed as kev } from './kev/index.js';
import { feed as epss } from './epss/index.js';

/**
 * The explicit feed registry (DESIGN.md §3.2): one line per feed, no side-effect registration. A contract test
 * checks that these ids equal the folder names under feeds/. Feeds are read in this order; when two feeds deliver
 * the same advisory id (RUSTSEC-… from rustsec and from OSV's crates.io archive) the newer `modified` wins and, on
 * a tie, the earlier feed: the vendors' own formats come first.
 */
export const feeds: readonly Feed[] = [debian, alpine, wolfi, rubysec, rustsec, friendsofphp, osv, nvd, cve5, kev, epss];
