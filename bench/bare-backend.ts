/** A bare HTTP server in its own process (wrk runs synchronously in the bench's), answering every request 200: the backend gateway benchmarks proxy to. */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../src/runtime/free-port.js';

export async function startBareBackend(): Promise<{ url: string; port: number; child: ChildProcess }> {
  const port = await freePort();
  const code = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('{"ok":true}')); }).listen(${port}, '127.0.0.1', () => console.log('ready'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  return { url: `http://127.0.0.1:${port}`, port, child };
}
