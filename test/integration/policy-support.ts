/** Helpers shared by the policy-*.test.ts files (no tests of their own). */
import { writeFileSync } from 'node:fs';
import { isTollgateError, type TollgateEvent } from '../../src/core/index.js';
import type { Output } from '../../src/cli/output.js';

export interface CapturedOutput extends Output {
  stdout: string;
  stderr: string;
  files: Map<string, string>;
}

/** An Output that keeps what the CLI would print (result on stdout, messages and warnings on stderr). */
export function captureOutput(): CapturedOutput {
  const o: CapturedOutput = {
    stdout: '',
    stderr: '',
    files: new Map(),
    events(e: TollgateEvent) {
      if (e.type === 'warning') o.stderr += `warning: ${e.message}\n`;
    },
    async result(text: string, file?: string) {
      if (file && file !== '-') {
        writeFileSync(file, text);
        o.files.set(file, text);
      } else o.stdout += text;
    },
    info(text: string) {
      o.stderr += text.endsWith('\n') ? text : `${text}\n`;
    },
    error(e: unknown) {
      o.stderr += `error: ${isTollgateError(e) || e instanceof Error ? e.message : String(e)}\n`;
    },
    done() {},
  };
  return o;
}
