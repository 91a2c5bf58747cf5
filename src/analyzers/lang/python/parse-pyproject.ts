/**
 * The direct dependencies a `pyproject.toml` declares, split into runtime and development ones, so that the
 * packages of a poetry.lock beside it can be flagged `dev` when only development dependencies reach them (what
 * Trivy does with the same pair of files). Sources:
 *   - runtime: PEP 621 `[project].dependencies` and `[project].optional-dependencies` (extras ship to users);
 *     Poetry's `[tool.poetry.dependencies]` (without the `python` constraint);
 *   - development: Poetry's `[tool.poetry.dev-dependencies]` (Poetry < 1.2) and `[tool.poetry.group.<g>.dependencies]`
 *     (every group except "main"), PEP 735 `[dependency-groups]`.
 */
import { isTable, parseTomlDocument } from './lock-record.js';
import { normalizeName, parseRequirementRef } from './requirement.js';

export interface PyprojectDeps {
  /** PEP 503-normalised names. */
  main: string[];
  dev: string[];
}

/** A PEP 508 string list → normalised names. */
function specNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const s of v) {
    if (typeof s !== 'string') continue;
    const ref = parseRequirementRef(s);
    if (ref) out.push(ref.name);
  }
  return out;
}

/** A Poetry dependency table (name → constraint) → normalised names. */
function tableNames(v: unknown): string[] {
  return isTable(v) ? Object.keys(v).filter((k) => k.toLowerCase() !== 'python').map(normalizeName) : [];
}

export function parsePyproject(content: Buffer): PyprojectDeps {
  const doc = parseTomlDocument(content, 'pyproject.toml');
  const main: string[] = [];
  const dev: string[] = [];
  if (isTable(doc.project)) {
    main.push(...specNames(doc.project.dependencies));
    if (isTable(doc.project['optional-dependencies'])) for (const v of Object.values(doc.project['optional-dependencies'])) main.push(...specNames(v));
  }
  const poetry = isTable(doc.tool) && isTable(doc.tool.poetry) ? doc.tool.poetry : undefined;
  if (poetry) {
    main.push(...tableNames(poetry.dependencies));
    dev.push(...tableNames(poetry['dev-dependencies']));
    if (isTable(poetry.group)) {
      for (const [group, table] of Object.entries(poetry.group)) {
        if (!isTable(table)) continue;
        (group === 'main' ? main : dev).push(...tableNames(table.dependencies));
      }
    }
  }
  // PEP 735: lists of PEP 508 strings or `{include-group = "…"}` tables (which name groups already listed).
  if (isTable(doc['dependency-groups'])) for (const v of Object.values(doc['dependency-groups'])) dev.push(...specNames(v));
  return { main: [...new Set(main)], dev: [...new Set(dev)] };
}
