import type { LabelSelector } from '../core/index.js';

/**
 * Kubernetes label selector semantics (apimachinery labels.Selector): every matchLabels pair and every
 * matchExpressions requirement must hold; an empty selector matches everything.
 */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(value!)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Namespace names in a policy may use `*` (any run of characters). */
export function namespaceNameMatches(pattern: string, namespace: string): boolean {
  if (!pattern.includes('*')) return pattern === namespace;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.\\^$+?()[\]{}|-]/g, (x) => `\\${x}`)).join('.*')}$`);
  return re.test(namespace);
}
