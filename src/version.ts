import pkg from '../package.json';

/** The forwarder's version, from package.json (User-Agent, --version, headers). */
export const VERSION: string = pkg.version;
