/** The proxy variables curl (and http/proxy.ts) read, in both cases. */
export const PROXY_VARS = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
] as const;

/** Runs `run` with exactly these proxy variables set (the others unset), then restores them. */
export async function withProxyEnv<T>(
  vars: Partial<Record<(typeof PROXY_VARS)[number], string>>,
  run: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));
  for (const k of PROXY_VARS) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await run();
  } finally {
    for (const k of PROXY_VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}
