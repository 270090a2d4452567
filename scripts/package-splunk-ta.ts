/**
 * Packs deploy/splunk/TA-claude-audit into TA-claude-audit-<version>.tgz, the form Splunk's
 * "Install app from file" and `splunk install app` take: one top directory named after the app,
 * directories 0755 and files 0644 owned by root, no hidden files and no `local/`. The tar is
 * written here (ustar) so the result is the same on every machine and needs no tar binary.
 * Usage: node --import tsx scripts/package-splunk-ta.ts [output directory, default dist/]
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export const APP_NAME = 'TA-claude-audit';
export const APP_DIR = resolve(__dirname, '../deploy/splunk', APP_NAME);
const BLOCK = 512;

/** Files Splunk must not receive from a package: local overrides and editor/OS leftovers. */
function excluded(name: string): boolean {
  return name.startsWith('.') || name === 'local' || name === 'local.meta' || name.endsWith('~');
}

function entries(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (excluded(name)) continue;
    const path = join(dir, name);
    out.push(path);
    if (statSync(path).isDirectory()) out.push(...entries(path));
  }
  return out;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, directory: boolean, mtime: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`path too long for ustar: ${name}`);
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0);
  block.write(octal(directory ? 0o755 : 0o644, 8), 100);
  block.write(octal(0, 8), 108); // uid root
  block.write(octal(0, 8), 116); // gid root
  block.write(octal(size, 12), 124);
  block.write(octal(mtime, 12), 136);
  block.write('        ', 148); // checksum counts as spaces while computed
  block.write(directory ? '5' : '0', 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  block.write('root', 265);
  block.write('root', 297);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** The .tgz as bytes: entries in name order, all stamped with one time so rebuilds are identical. */
export function buildPackage(appDir: string = APP_DIR, mtime = 0): Buffer {
  const parts: Buffer[] = [header(`${APP_NAME}/`, 0, true, mtime)];
  for (const path of entries(appDir)) {
    const name = `${APP_NAME}/${relative(appDir, path).split('\\').join('/')}`;
    if (statSync(path).isDirectory()) {
      parts.push(header(`${name}/`, 0, true, mtime));
      continue;
    }
    const data = readFileSync(path);
    parts.push(header(name, data.length, false, mtime), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

export function appVersion(appDir: string = APP_DIR): string {
  const match = /^\[id\][^[]*?^version\s*=\s*(\S+)/m.exec(
    readFileSync(join(appDir, 'default', 'app.conf'), 'utf8'),
  );
  if (!match) throw new Error(`${appDir}/default/app.conf has no [id] version`);
  return match[1];
}

/** Writes the package into `outDir` and returns its path. */
export function writePackage(outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${APP_NAME}-${appVersion()}.tgz`);
  writeFileSync(path, buildPackage(), { mode: 0o644 });
  return path;
}

if (require.main === module) {
  const out = writePackage(resolve(process.argv[2] ?? resolve(__dirname, '../dist')));
  console.log(`wrote ${out}`);
}
