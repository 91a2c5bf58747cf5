import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../../core/index.js';
import { generateKeyPair } from '../../sign/index.js';
import { exitCodeFor, ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';

/**
 * The password of a cosign private key, found as cosign finds it (cmd/cosign/cli/generate readPasswordFn):
 * COSIGN_PASSWORD when set (even empty: an empty password is allowed), then TOLLGATE_PASSWORD, then a prompt on
 * the terminal without echo (asked twice when creating a key). Without a terminal it is a UsageError: cosign would
 * read a piped stdin, which silently blocks in CI; an explicit variable is clearer.
 */
export interface KeyPasswordOptions {
  /** Ask twice and compare (a new key). */
  confirm: boolean;
  env?: NodeJS.ProcessEnv;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WritableStream;
}

export async function readKeyPassword(options: KeyPasswordOptions): Promise<string> {
  const env = options.env ?? process.env;
  if (env.COSIGN_PASSWORD !== undefined) return env.COSIGN_PASSWORD;
  if (env.TOLLGATE_PASSWORD !== undefined) return env.TOLLGATE_PASSWORD;
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  if (!input.isTTY || typeof input.setRawMode !== 'function') {
    throw new UsageError(
      'INVALID_CONFIG',
      'no password for the private key: set COSIGN_PASSWORD (an empty value means no password), or run in a terminal to be asked',
    );
  }
  // cosign pkg/cosign/common.go GetPassFromTerm: the same prompts, on stderr.
  const first = await promptHidden('Enter password for private key: ', input, output);
  if (!options.confirm) return first;
  const again = await promptHidden('Enter password for private key again: ', input, output);
  if (first !== again) throw new UsageError('INVALID_ARGUMENT', 'passwords do not match');
  return first;
}

function interrupted(): Error {
  const e = new Error('interrupted');
  e.name = 'AbortError'; // exit code 130 (exit-codes.ts)
  return e;
}

/** One line from the terminal in raw mode, nothing echoed. Ctrl-C interrupts, Ctrl-U clears, Backspace erases. */
function promptHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    const decoder = new StringDecoder('utf8');
    let chars: string[] = [];
    const finish = (err: Error | undefined) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(chars.join(''));
      chars = [];
    };
    const onEnd = () => finish(new UsageError('INVALID_ARGUMENT', 'no password entered (end of input)'));
    const onData = (chunk: Buffer) => {
      for (const ch of decoder.write(chunk)) {
        switch (ch) {
          case '\r':
          case '\n':
            return finish(undefined);
          case '\u0003': // Ctrl-C: raw mode turns off the terminal's SIGINT
            return finish(interrupted());
          case '\u0004': // Ctrl-D
            if (chars.length === 0) return onEnd();
            break;
          case '\u007f':
          case '\b':
            chars.pop();
            break;
          case '\u0015': // Ctrl-U
            chars = [];
            break;
          default:
            if (ch >= ' ') chars.push(ch);
        }
      }
    };
    input.on('data', onData);
    input.on('end', onEnd);
  });
}

export interface GenerateKeyPairCliOptions {
  outputKeyPrefix?: string;
  force?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** `tollgate generate-key-pair [--output-key-prefix cosign] [--force]` (cosign generate-key-pair). */
export async function runGenerateKeyPair(opts: GenerateKeyPairCliOptions): Promise<number> {
  const out = createOutput(opts);
  try {
    const files = await generateKeyPair({
      prefix: opts.outputKeyPrefix ?? 'cosign',
      force: opts.force ?? false,
      // Asked only once the files are known not to exist.
      password: () => readKeyPassword({ confirm: true }),
    });
    out.info(`Private key written to ${files.privateKeyName}`);
    out.info(`Public key written to ${files.publicKeyName}`);
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}
