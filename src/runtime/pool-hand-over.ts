/**
 * What the runtime sends a pooled process (node-pool-host.ts, python-pool-host.py) on its fd 3
 * when an instance takes it: one JSON line with the instance's working
 * directory, its whole environment and its argv (script first).
 */
import { z } from 'zod';

const handOverSchema = z.strictObject({
  cwd: z.string().min(1),
  env: z.record(z.string(), z.string()),
  argv: z.tuple([z.string().min(1)], z.string()),
});

export type HandOver = z.infer<typeof handOverSchema>;

export function encodeHandOver(handOver: HandOver): string {
  return `${JSON.stringify(handOver)}\n`;
}

/** @throws Error naming the field that is wrong, when the line is not a hand-over. */
export function parseHandOver(line: string): HandOver {
  const parsed = handOverSchema.safeParse(JSON.parse(line));
  if (!parsed.success) throw new Error(`runtime pool: bad hand-over: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
