import { readFileSync } from 'node:fs';

/**
 * A strict reader of Splunk .conf files: `[stanza]` headers, `key = value` lines, `#` comments,
 * and values continued by a trailing backslash. Anything else, a key outside a stanza or a key
 * set twice in one stanza is an error, so a typo fails the test instead of being ignored.
 */
export type Stanza = ReadonlyMap<string, string>;
export type ConfFile = ReadonlyMap<string, Stanza>;

export function parseConf(text: string, file = 'conf'): ConfFile {
  const stanzas = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    let line = lines[i];
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    while (line.endsWith('\\')) {
      i += 1;
      if (i >= lines.length) throw new Error(`${where}: continuation at end of file`);
      line = `${line.slice(0, -1)}\n${lines[i]}`;
    }
    const header = /^\[([^\]]*)\]\s*$/.exec(line);
    if (header) {
      if (stanzas.has(header[1])) throw new Error(`${where}: stanza [${header[1]}] repeated`);
      current = new Map();
      stanzas.set(header[1], current);
      continue;
    }
    const pair = /^([A-Za-z0-9_.:\-{}@]+(?:-[^\s=]+)?)\s*=\s*(.*)$/s.exec(line);
    if (!pair) throw new Error(`${where}: not a stanza header, key = value or comment: ${line}`);
    if (current === undefined) throw new Error(`${where}: key ${pair[1]} outside any stanza`);
    if (current.has(pair[1])) throw new Error(`${where}: key ${pair[1]} set twice`);
    current.set(pair[1], pair[2].trim());
  }
  return stanzas;
}

export function readConf(path: string): ConfFile {
  return parseConf(readFileSync(path, 'utf8'), path);
}

export function stanzaOf(conf: ConfFile, name: string): Stanza {
  const stanza = conf.get(name);
  if (stanza === undefined) throw new Error(`no stanza [${name}]`);
  return stanza;
}
