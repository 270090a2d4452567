/** Where `-c` points when not given: the container's config mount, else ./config.yaml. */
export const DEFAULT_CONFIG_PATH = process.env.CLAUDE_AUDIT_FORWARDER_CONFIG ?? 'config.yaml';
