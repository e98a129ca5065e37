/**
 * The part of an instance's environment that sets which pooled runtime it may
 * take: the variables a runtime reads only when it starts (each launcher
 * names its own) and the platform's marks, in name order so that equal
 * environments give equal pool keys.
 */
export function startEnvironmentOf(
  env: Readonly<Record<string, string>>,
  startTimeVariable: RegExp,
  marks: Readonly<Record<string, string>>,
): Record<string, string> {
  const startEnv: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    if (startTimeVariable.test(name) || name in marks) startEnv[name] = env[name] as string;
  }
  return startEnv;
}
