/**
 * The guard for "a YAML/JSON map" when walking documents that are read by hand
 * rather than through a zod schema (the gateway document).
 */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
