/**
 * `*.dist-info/direct_url.json` (PEP 610, https://packaging.python.org/en/latest/specifications/direct-url/):
 * written by pip when a distribution was installed from a URL rather than an index. For a VCS install it gives the
 * repository and commit, which Syft turns into the purl's `vcs_url` qualifier (`git+https://…@<commit>`, the
 * form pip's own `pip freeze` prints).
 */
import { isTable, stringField } from './lock-record.js';

/** Files beyond this are not direct_url.json documents (a real one is under 1 KiB). */
export const MAX_DIRECT_URL = 64 * 1024;

/** The `vcs+url@commit` of a VCS install, or undefined (archive / directory installs, malformed files). */
export function parseDirectUrl(content: Buffer): string | undefined {
  if (content.length > MAX_DIRECT_URL) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isTable(doc) || !isTable(doc.vcs_info)) return undefined;
  const url = stringField(doc, 'url');
  const vcs = stringField(doc.vcs_info, 'vcs');
  const commit = stringField(doc.vcs_info, 'commit_id');
  if (url === undefined || vcs === undefined) return undefined;
  return `${vcs}+${url}${commit !== undefined ? `@${commit}` : ''}`;
}
