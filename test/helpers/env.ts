/**
 * Environment variables set for the length of one scenario, then put back as they were (absent
 * ones deleted), however the scenario ends.
 */
export async function withEnv<T>(vars: Record<string, string>, scenario: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return await scenario();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
