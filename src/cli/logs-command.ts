/**
 * `mlaas logs SERVICE [--revision R] [--instance I] [--since 10m] [--follow] [--requests]`:
 * the service's instance logs (or, with `--requests`, its lines of the
 * request log), oldest first, as `gcloud run services logs read` and
 * `kubectl logs` print them; `--follow` goes on printing new lines until
 * Ctrl-C. `-o json` prints the log's own JSON lines.
 */
import { Command, Option } from 'commander';
import { MlaasError, type ErrorCode } from '../errors.js';
import { adminFetch, adminTarget, withAdminFlags, type AdminFlags } from './admin-client.js';

type Flags = AdminFlags & { revision?: string; instance?: string; since?: string; follow?: boolean; requests?: boolean; output: 'text' | 'json' };

export function logsCommand(): Command {
  return withAdminFlags(new Command('logs'))
    .description("print a service's instance logs, or its request log with --requests")
    .argument('<service>', 'the service')
    .option('--revision <revision>', 'only lines of this revision')
    .option('--instance <instance>', 'only lines of this instance (its id in `mlaas status`)')
    .option('--since <duration>', 'only lines newer than this, e.g. 30s, 10m, 2h')
    .option('-f, --follow', 'go on printing new lines as they are written, until Ctrl-C')
    .option('--requests', 'the request log (one line per gateway request) instead of the instances’ output')
    .addOption(new Option('-o, --output <format>', 'text or json (the JSON lines as logged)').choices(['text', 'json']).default('text'))
    .action(async (service: string, flags: Flags) => {
      const query = new URLSearchParams();
      if (flags.revision !== undefined) query.set('revision', flags.revision);
      if (flags.instance !== undefined) query.set('instance', flags.instance);
      if (flags.since !== undefined) query.set('since', flags.since);
      if (flags.requests === true) query.set('requests', 'true');
      if (flags.follow === true) query.set('follow', 'true');
      const res = await adminFetch(adminTarget(flags), `/v1/services/${encodeURIComponent(service)}/logs?${query}`, { method: 'GET' });
      if (!res.ok || res.body === null) {
        const problem = (await res.json().catch(() => ({}))) as { code?: ErrorCode; detail?: string };
        throw new MlaasError(problem.code ?? 'ADMIN_INTERNAL', problem.detail ?? `admin API answered ${res.status}`);
      }
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of res.body) {
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        if (lines.length > 0) process.stdout.write(lines.map((l) => `${flags.output === 'json' ? l : formatLine(l)}\n`).join(''));
      }
    });
}

/** One line for people: time, then who (instance and stream, or status and route), then the message. */
export function formatLine(line: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof r['time'] === 'number' ? new Date(r['time']).toISOString() : '-';
  if (r['msg'] === 'request' && typeof r['status'] === 'number') {
    return `${time}  ${r['status']}  ${String(r['method'])} ${String(r['path'])}  ${String(r['durationMs'])}ms  ${String(r['revision'] ?? '-')}  ${String(r['requestId'])}`;
  }
  const { level: _level, time: _time, service: _service, revision: _revision, instance, stream, msg, pid: _pid, ...rest } = r;
  const extra = Object.keys(rest).length === 0 ? '' : `  ${JSON.stringify(rest)}`;
  return `${time}  ${String(instance ?? '-')}  ${String(stream ?? '-').padEnd(6)}  ${typeof msg === 'string' ? msg : JSON.stringify(msg ?? '')}${extra}`;
}
