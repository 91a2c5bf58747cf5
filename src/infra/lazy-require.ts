import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A dependency loaded on first use, synchronously (through its CommonJS build). For parsers that most runs never
 * call: `yaml` and `smol-toml` cost ~0.1 s of module loading at every start-up otherwise, and a pure, synchronous
 * parser cannot await a dynamic import.
 */
export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= requireHere(id) as T);
}
