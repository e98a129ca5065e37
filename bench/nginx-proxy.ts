/**
 * nginx as a reverse proxy in front of one upstream, the peer the gateway's
 * cost is read against: same machine, same instance, keep-alive to the
 * upstream as the gateway has. Started from a throw-away prefix directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface NginxProxy {
  url: string;
  /** The master's pid (its worker is its child). */
  pid: number;
  stop(): Promise<void>;
}

/** Undefined when the machine has no nginx (`apt-get install nginx-light`). `workers`: its worker_processes. */
export async function startNginxProxy(upstreamPort: number, listenPort: number, workers = 1): Promise<NginxProxy | undefined> {
  if (spawnSync('nginx', ['-v']).error !== undefined) return undefined;
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'mlaas-nginx-'));
  mkdirSync(path.join(prefix, 'logs'));
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
worker_processes ${workers};
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  upstream instance { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://instance;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  const child: ChildProcess = spawn('nginx', ['-p', prefix, '-c', conf], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('nginx did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid as number,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await exited;
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
