/**
 * Groups ids that describe one problem (GHSA ↔ CVE ↔ GO ↔ PYSEC ↔ DSA …) so that one problem becomes one finding.
 *
 * Union-find over "advisory states alias" edges, with one guard: two groups that each hold a different CVE id are
 * never merged. Records that bundle several CVEs (a DSA fixing twenty CVEs, a GHSA with two CVE aliases) would
 * otherwise chain unrelated problems into one; such a record joins the group of its first CVE (CVE ids come first
 * in Advisory.aliases) and still lists every alias itself. Edges are applied in the caller's order, which is made
 * deterministic (advisory id order), so builds are reproducible.
 *
 * The group id is the CVE id of the group when it has one, else its smallest id.
 */
export class AliasGroups {
  private readonly parent = new Map<string, string>();
  private readonly cve = new Map<string, string>();

  private find(x: string): string {
    let root = x;
    for (;;) {
      const p = this.parent.get(root);
      if (p === undefined) {
        this.parent.set(root, root);
        if (root.startsWith('CVE-')) this.cve.set(root, root);
        break;
      }
      if (p === root) break;
      root = p;
    }
    // Path compression.
    let node = x;
    while (node !== root) {
      const next = this.parent.get(node)!;
      this.parent.set(node, root);
      node = next;
    }
    return root;
  }

  add(id: string): void {
    this.find(id);
  }

  /** Links two ids unless that would join two different CVEs; returns whether they are now in one group. */
  link(a: string, b: string): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return true;
    const ca = this.cve.get(ra);
    const cb = this.cve.get(rb);
    if (ca && cb && ca !== cb) return false;
    this.parent.set(rb, ra);
    const c = ca ?? cb;
    if (c) this.cve.set(ra, c);
    this.cve.delete(rb);
    return true;
  }

  /** id → group id for every id seen. */
  groups(): Map<string, string> {
    const members = new Map<string, string[]>();
    for (const id of this.parent.keys()) {
      const r = this.find(id);
      const list = members.get(r);
      if (list) list.push(id);
      else members.set(r, [id]);
    }
    const out = new Map<string, string>();
    for (const [root, ids] of members) {
      const name = this.cve.get(root) ?? ids.reduce((a, b) => (b < a ? b : a));
      for (const id of ids) out.set(id, name);
    }
    return out;
  }
}
