import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { Orchestrator } from '../src/api/orchestrator';
import type { Catalog } from '../src/store';

export const CORES = os.availableParallelism();

export interface Timed {
  wallSeconds: number;
  cpuSeconds: number;
}

/** Runs a command under bash's `time`, which counts the CPU of the command's children too. */
const STDERR_FILE = path.join(os.tmpdir(), `reprocess-bench-${process.pid}.stderr`);

export function timeCommand(command: string, args: string[]): Promise<Timed> {
  const quoted = [command, ...args].map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', `TIMEFORMAT='%U %S'; time ${quoted} >/dev/null 2>'${STDERR_FILE}'`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      const [user, system] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      if (code !== 0) reject(new Error(`${command} failed (${code}); see ${STDERR_FILE}`));
      else resolve({ wallSeconds, cpuSeconds: (user ?? 0) + (system ?? 0) });
    });
  });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * CPU seconds this process and its reaped children (ffmpeg) have used, from /proc: the Node runtime cannot see its
 * children's CPU otherwise. Null where /proc is missing.
 */
export function processTreeCpuSeconds(): number | null {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // Fields 14–17 of stat (utime, stime, cutime, cstime), counted from the state field at index 0 here.
    const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
    return ticks / 100;
  } catch {
    return null;
  }
}

/** The API on a free local port, its client on the bench's Temporal connection: what a bench's requests reach. */
export async function listenApi(options: {
  connection: NativeConnection;
  catalog: Catalog;
  dataDir: string;
  taskQueue: string;
}): Promise<{ server: Server; base: string }> {
  const app = createApp({
    orchestrator: new Orchestrator(new Client({ connection: options.connection }), {
      taskQueue: options.taskQueue,
      queryTimeoutMs: 2000,
    }),
    catalog: options.catalog,
    dataDir: options.dataDir,
    logger: pino({ level: 'silent' }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
