/**
 * The `--url-map FILE` of `mlaas export`: YAML or JSON mapping `SERVICE` or
 * `SERVICE@TAG` to the URL it answers at on the target, for a team that
 * knows its real Cloud Run (or custom domain) URLs and wants them in the
 * gateway document instead of placeholders. Read once, every problem with
 * its key reported at once (`CONFIG_INVALID`).
 */
import { z } from 'zod';
import { configError } from '../config/config-error.js';
import { parseYaml } from '../config/parse-yaml.js';
import { DNS_LABEL } from '../api/schema-fields.js';
import { describeIssue, describeValue, fieldIssuesOf } from '../api/zod-issues.js';

/** `SERVICE` or `SERVICE@TAG` → URL (origin and path, no trailing slash). */
export type UrlMap = ReadonlyMap<string, string>;

const LABEL = DNS_LABEL.source.slice(1, -1);
const KEY = new RegExp(`^${LABEL}(?:@${LABEL})?$`);

const url = z.string().superRefine((text, ctx) => {
  const parsed = URL.canParse(text) ? new URL(text) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    ctx.addIssue({ code: 'custom', message: `expected an http(s):// URL, got ${describeValue(text)}` });
  } else if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
    ctx.addIssue({ code: 'custom', message: `expected a URL without query, fragment or credentials, got ${describeValue(text)}` });
  }
});

const UrlMapSchema = z.record(
  z.string().regex(KEY, { error: (iss) => `expected SERVICE or SERVICE@TAG (DNS labels), got ${describeValue(iss.input)}` }),
  url,
);

/**
 * @example
 * const urls = parseUrlMap('spam-filter: https://spam-filter-abc123-ew.a.run.app\n', 'urls.yaml');
 * urls.get('spam-filter'); // 'https://spam-filter-abc123-ew.a.run.app'
 */
export function parseUrlMap(text: string, file: string): UrlMap {
  const yaml = parseYaml(text);
  if (!yaml.ok) throw configError('CONFIG_INVALID', file, yaml.issues);
  const result = UrlMapSchema.safeParse(yaml.value ?? {}, { error: describeIssue, reportInput: true });
  if (!result.success) throw configError('CONFIG_INVALID', file, fieldIssuesOf(result.error));
  const urls = new Map<string, string>();
  for (const [key, value] of Object.entries(result.data)) {
    const u = new URL(value);
    urls.set(key, `${u.origin}${u.pathname.replace(/\/+$/, '')}`);
  }
  return urls;
}
