/**
 * What a pooled Node runtime (node-pool-host.ts) does with the zod it
 * preloads beyond loading it: one schema of the kinds services declare,
 * parsed (valid and invalid input) and turned into JSON Schema, so that
 * V8 has compiled zod's parsers, its JIT for objects and its JSON Schema
 * generator before an instance takes the process. A service's first
 * schemas (the SDK builds /openapi.json from them at start-up) and its
 * first request then no longer pay for that.
 */

/** The part of zod's API the warm-up uses. */
export interface ZodModule {
  object(shape: Record<string, unknown>): { safeParse(value: unknown): unknown };
  string(): { min(n: number): { max(n: number): unknown } };
  number(): { int(): { optional(): unknown } };
  enum(values: readonly string[]): unknown;
  array(item: unknown): unknown;
  toJSONSchema(schema: unknown, options?: Record<string, unknown>): unknown;
}

/** Whether a preloaded module is zod's API (v4: it has toJSONSchema). */
export function isZod(module: unknown): module is ZodModule {
  const z = module as Partial<Record<keyof ZodModule, unknown>> | null;
  return typeof z?.object === 'function' && typeof z.string === 'function' && typeof z.toJSONSchema === 'function';
}

/** Never throws: a zod that differs from what this expects is merely not warmed up. */
export function warmUpZod(z: ZodModule): boolean {
  try {
    const schema = z.object({
      text: z.string().min(1).max(100),
      count: z.number().int().optional(),
      label: z.enum(['spam', 'ham']),
      tags: z.array(z.string()),
    });
    schema.safeParse({ text: 'hello', label: 'ham', tags: ['a'] });
    schema.safeParse({ text: '', count: 1.5, label: 'other', tags: [1] });
    z.toJSONSchema(schema);
    // As the SDK renders /openapi.json.
    z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
    return true;
  } catch {
    return false;
  }
}
