/**
 * JSON-schema validators for the report tests (no tests of its own): SARIF 2.1.0 from the OASIS schema in
 * ../shared/data/schemas (see its PROVENANCE.md) and CycloneDX 1.6 from the schemas shipped in
 * @cyclonedx/cyclonedx-library, set up as src/sbom/sbom.test.ts does.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { shared } from '../../test/support/paths.js';

const require = createRequire(import.meta.url);
const addFormats = addFormatsModule.default;
const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

export function errorsText(v: ValidateFunction): string {
  return JSON.stringify(v.errors?.slice(0, 10), null, 2);
}

/**
 * The SARIF schema is draft-04 ("id", "$schema" draft-04), which Ajv 8 does not load. It uses no keyword whose
 * meaning changed after draft-04 (no boolean exclusiveMinimum/Maximum; checked below), so the only change is the
 * schema's own id keyword; everything it constrains is validated as written.
 */
export const validateSarif: ValidateFunction = (() => {
  const schema = readJson(shared('schemas', 'sarif-2.1.0.schema.json'));
  const text = JSON.stringify(schema);
  if (/"exclusiveM(in|ax)imum":\s*(true|false)/.test(text)) throw new Error('draft-04 boolean exclusive bounds: this conversion is not enough');
  const { $schema: _draft, id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile({ ...rest, $id: String(id) });
})();

export const validateCycloneDx: ValidateFunction = (() => {
  const dir = path.join(path.dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/);
  for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json', 'cryptography-defs.SNAPSHOT.schema.json']) {
    ajv.addSchema(readJson(path.join(dir, name)), `http://cyclonedx.org/schema/${name}`);
  }
  return ajv.compile(readJson(path.join(dir, 'bom-1.6.SNAPSHOT.schema.json')));
})();
