/**
 * The program of a pooled Node runtime (runtime-pool.ts): started ahead of
 * need, it loads the heavy modules its instances will import (ONNX Runtime,
 * the SDK, zod: the argv after the script names their files) so that Node's
 * module cache already holds them, has ONNX Runtime set itself up and zod
 * compiled (onnx-runtime-warm-up.ts, zod-warm-up.ts) and its own hand-over
 * parser too, says `warm` on fd 3, and waits. On fd 3
 * it then gets one revision to become: working directory, environment
 * (PORT and all) and argv. It closes fd 3 and runs the entry point the way
 * `node script.js` would (`Module.runMain`: ESM or CommonJS, `require.main`),
 * so from here on the process is that instance: its output goes to the
 * pipes the runtime reads, SIGTERM reaches the service's own handler.
 */
import Module from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isOnnxRuntime, warmUpOnnxRuntime } from './onnx-runtime-warm-up.js';
import { encodeHandOver, parseHandOver, type HandOver } from './pool-hand-over.js';
import { isZod, warmUpZod } from './zod-warm-up.js';

const CONTROL_FD = 3;

function become(handOver: HandOver): void {
  process.chdir(handOver.cwd);
  // process.env writes through to the C environment, so child processes and native code see the same variables.
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, handOver.env);
  const [script, ...args] = handOver.argv;
  // What Node itself puts in argv[1]: the script resolved against the working directory, symlinks kept.
  process.argv = [process.argv[0] ?? process.execPath, path.resolve(script), ...args];
  (Module as unknown as { runMain: (main?: string) => void }).runMain();
}

async function main(): Promise<void> {
  const control = new net.Socket({ fd: CONTROL_FD, readable: true, writable: true });
  control.setEncoding('utf8');
  // The runtime's end closing early (it stopped this process) is no error of the service's.
  control.on('error', () => undefined);
  let received = '';
  control.on('data', (chunk: string) => {
    received += chunk;
    const nl = received.indexOf('\n');
    if (nl < 0) return;
    control.removeAllListeners('data');
    control.destroy();
    become(parseHandOver(received.slice(0, nl)));
  });
  // The runtime gave up on this process (shutdown): no instance, nothing to do.
  control.once('end', () => {
    if (!control.destroyed) process.exit(0);
  });
  // zod builds a schema's parser on its first use (≈5 ms here): a parse now keeps that off the take.
  parseHandOver(encodeHandOver({ cwd: '/', env: { PORT: '0' }, argv: ['warm-up.js'] }).trimEnd());
  // Every service is an HTTP server (the service contract); Node's own http module takes ~10 ms to load.
  await import('node:http');
  for (const file of process.argv.slice(2)) {
    const loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
    // A CommonJS package (onnxruntime-node is one) is its default export; zod has one too.
    const api = loaded.default ?? loaded;
    if (isOnnxRuntime(api)) await warmUpOnnxRuntime(api);
    else if (isZod(api)) warmUpZod(api);
  }
  if (!control.destroyed) control.write('warm\n');
}

void main();
