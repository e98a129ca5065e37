/**
 * The article's stack as a benchmark peer: bench/fastapi-spam (FastAPI +
 * scikit-learn under one uvicorn worker), started by the benchmark with the
 * system Python (Debian's python3-fastapi, python3-uvicorn, python3-sklearn),
 * trained on the split file the benchmark wrote, ready once `/healthz` answers.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { freePort } from '../src/runtime/free-port.js';
import { REPO } from './spam-filter-platform.js';

/** Not `python3` from PATH: a pyenv or venv one first on PATH rarely has Debian's packages. */
export const PYTHON = process.env['BENCH_PYTHON'] ?? '/usr/bin/python3';

const PeerMetrics = z.object({
  accuracy: z.number(),
  examples: z.number().int(),
  trainExamples: z.number().int(),
  trainingSeconds: z.number(),
  loop: z.string(),
  http: z.string(),
});
export type PeerMetrics = z.infer<typeof PeerMetrics>;

export interface FastApiSpamPeer {
  url: string;
  pid: number;
  metrics: PeerMetrics;
  versions: string;
  stop(): Promise<void>;
}

export async function startFastApiSpamPeer(splitFile: string, timeoutMs = 300_000): Promise<FastApiSpamPeer> {
  const dir = path.join(REPO, 'bench', 'fastapi-spam');
  const port = await freePort();
  const child = spawn(PYTHON, [path.join(dir, 'serve.py')], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', PORT: String(port), SPAM_SPLIT: splitFile, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms`);
      const line = /^METRICS (.*)$/m.exec(stdout)?.[1];
      if (line !== undefined && (await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) {
        const versions = await new Promise<string>((resolve) => {
          const probe = spawn(PYTHON, ['-c', 'import fastapi, sklearn, uvicorn, sys; print(f"python {sys.version.split()[0]}, fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}, scikit-learn {sklearn.__version__}")']);
          let out = '';
          probe.stdout.on('data', (c: Buffer) => (out += c.toString()));
          probe.once('exit', () => resolve(out.trim()));
        });
        return { url, pid: child.pid as number, metrics: PeerMetrics.parse(JSON.parse(line)), versions, stop };
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw new Error(`FastAPI peer (${PYTHON} bench/fastapi-spam/serve.py): ${(err as Error).message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
}
