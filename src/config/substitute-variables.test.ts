import { describe, expect, it } from 'vitest';
import { parseYaml } from './parse-yaml.js';

function valueOf(text: string, env: Record<string, string>): unknown {
  const result = parseYaml(text, { env });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

describe('${VAR} substitution in YAML string values', () => {
  it('replaces ${VAR} with the variable, ${VAR:-x} with x when unset or empty, ${VAR-x} with x only when unset', () => {
    const text = 'a: ${HOST}\nb: "http://${HOST}:${PORT:-80}/x"\nc: ${EMPTY:-fallback}\nd: ${EMPTY-fallback}\ne: ${NOPE-}\n';
    expect(valueOf(text, { HOST: 'example.com', EMPTY: '' })).toEqual({
      a: 'example.com',
      b: 'http://example.com:80/x',
      c: 'fallback',
      d: '',
      e: '',
    });
  });

  it('reports which set variables were used, and not those that fell back to a default', () => {
    const result = parseYaml('a: ${HOST}\nb: ${PORT:-80}\nc: ${HOST}-${MODE:-x}\n', { env: { HOST: 'h', MODE: 'm', UNUSED: 'u' } });
    expect(result).toMatchObject({ ok: true, variables: { HOST: 'h', MODE: 'm' } });
    expect(result.ok && Object.keys(result.variables).sort()).toEqual(['HOST', 'MODE']);
  });

  it('keeps $$ as a literal $, so $${VAR} is the text ${VAR}', () => {
    expect(valueOf('a: "$${HOST} costs $$5"\nb: $x\n', { HOST: 'h' })).toEqual({ a: '${HOST} costs $5', b: '$x' });
  });

  it('an unquoted value is typed as if written there; a quoted one stays a string', () => {
    expect(valueOf('port: ${PORT}\nquoted: "${PORT}"\non: ${ON}\n', { PORT: '8080', ON: 'true' })).toEqual({
      port: 8080,
      quoted: '8080',
      on: true,
    });
  });

  it('cannot change the structure of the file, whatever the value holds', () => {
    const evil = 'x"\nadmin: true\n[: {';
    expect(valueOf('a: ${V}\nb: "${V}"\nc: ["${V}"]\n', { V: evil })).toEqual({ a: evil, b: evil, c: [evil] });
  });

  it('does not substitute in keys', () => {
    expect(valueOf('${K}: v\n', { K: 'k' })).toEqual({ '${K}': 'v' });
  });

  it('reports every unset variable with its field path and line, and malformed references too', () => {
    const text = 'services:\n  spam:\n    env: { TOKEN: "${TOKEN}" }\n    command: [node, "${ENTRY}"]\nx: ${ bad }\n';
    const result = parseYaml(text, { env: {} });
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: 'services.spam.env.TOKEN',
          message: 'variable TOKEN is not set (write ${TOKEN:-default} for a default, $${TOKEN} for the literal text), at line 3',
        },
        {
          path: 'services.spam.command[1]',
          message: 'variable ENTRY is not set (write ${ENTRY:-default} for a default, $${ENTRY} for the literal text), at line 4',
        },
        { path: 'x', message: '${ bad } is not a variable reference: expected ${NAME}, ${NAME:-default} or $$ for a literal $, at line 5' },
      ],
    });
  });

  it('takes the text literally without an environment', () => {
    expect(parseYaml('a: ${HOST}\n')).toEqual({ ok: true, value: { a: '${HOST}' }, variables: {} });
  });
});
