/**
 * Runs a child process and measures it: wall time from spawn to exit, peak RSS and CPU time.
 *
 * Peak RSS of a child that is not Node (Trivy) cannot come from `process.resourceUsage()`, so children run under
 * GNU time (`/usr/bin/time -f`, Debian package `time`), which reports the child's `ru_maxrss` from wait4(2).
 * Without it, /proc/PID/status VmHWM (the kernel's RSS high-water mark) is polled instead, which can miss a
 * peak reached in the last poll interval before exit.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const GNU_TIME = '/usr/bin/time';
const POLL_MS = 20;
/** Cap on captured output: children print small JSON; anything longer is only kept for error messages. */
const MAX_CAPTURE = 4 * 1024 * 1024;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** Peak resident set size of the measured command in KiB (undefined when it could not be measured). */
  maxRssKb?: number;
  /** User + system CPU seconds of the measured command (GNU time only). */
  cpuSeconds?: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

function appendCapped(buf: string, chunk: Buffer): string {
  if (buf.length >= MAX_CAPTURE) return buf;
  return buf + chunk.toString('utf8').slice(0, MAX_CAPTURE - buf.length);
}

async function readVmHwmKb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `command args` to completion; never rejects for a non-zero exit (the caller checks `code`). */
export async function runMeasured(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const useTime = hasGnuTime();
  const tmp = useTime ? await mkdtemp(path.join(os.tmpdir(), 'tollgate-bench-time-')) : undefined;
  const timeFile = tmp ? path.join(tmp, 'rusage') : undefined;
  const [cmd, argv] = timeFile ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, command, ...args]] : [command, [...args]];
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(cmd, argv, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let hwm: number | undefined;
      child.stdout.on('data', (d: Buffer) => (stdout = appendCapped(stdout, d)));
      child.stderr.on('data', (d: Buffer) => (stderr = appendCapped(stderr, d)));
      const poll =
        !useTime && child.pid !== undefined
          ? setInterval(() => {
              void readVmHwmKb(child.pid!).then((kb) => {
                if (kb !== undefined) hwm = Math.max(hwm ?? 0, kb);
              });
            }, POLL_MS)
          : undefined;
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15 * 60_000);
      let wallMs = 0;
      child.on('exit', () => {
        wallMs = performance.now() - t0;
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        void (async () => {
          let maxRssKb = hwm;
          let cpuSeconds: number | undefined;
          if (timeFile) {
            // GNU time writes "Command exited with non-zero status N" before the format line on failure.
            const text = await readFile(timeFile, 'utf8').catch(() => '');
            const last = text.trim().split('\n').pop() ?? '';
            const m = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(last);
            if (m) {
              maxRssKb = Number(m[1]);
              cpuSeconds = Number(m[2]) + Number(m[3]);
            }
          }
          resolve({
            code,
            signal,
            wallMs,
            ...(maxRssKb !== undefined ? { maxRssKb } : {}),
            ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
            stdout,
            stderr,
          });
        })();
      });
    });
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/** Throws with the tail of stderr when a measured command failed. */
export function assertSucceeded(what: string, r: RunResult): void {
  if (r.code === 0) return;
  const tail = r.stderr.trim().split('\n').slice(-15).join('\n');
  throw new Error(`${what} failed (exit ${r.code ?? r.signal}):\n${tail}`);
}
