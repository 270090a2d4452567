import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { REPO_ROOT } from '../support/forwarder';
import { createLogger } from '../../src/observability/logger';
import { clearSecretsForTests, redact, registerSecret } from '../../src/observability/redact';

/**
 * The redaction layer holds whatever path a secret takes out of the process: console.*,
 * raw stream writes, Node's warnings, the logger with any shape of metadata, and a crash on
 * an axios error carrying the secret in its request headers (which Node's own handler
 * prints in full). The unguarded runs are the control: they show each path really leaks
 * without the layer, so the guarded runs prove something.
 */
const FIXTURE = join(__dirname, 'fixtures', 'leaky-process.ts');

function run(mode: string, secret: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode, secret], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const secret = (): string => `sk-ant-api01-${randomBytes(18).toString('hex')}`;

test('console, raw stream writes and Node warnings are redacted', async () => {
  const s = secret();
  const control = await run('writes-unguarded', s);
  assert.ok(control.out.includes(s), 'control: without the layer the secret is printed');
  const r = await run('writes', s);
  assert.equal(r.code, 0);
  assert.match(r.out, /console\.log \[REDACTED\]/);
  assert.match(r.out, /buffer \[REDACTED\]/);
  assert.match(r.out, /a library warns about \[REDACTED\]/);
  assert.ok(!r.out.includes(s), r.out);
});

test('a crash on an axios error is reported redacted, without its request headers, and exits 1', async () => {
  for (const mode of ['uncaught', 'rejection']) {
    const s = secret();
    const control = await run(`${mode}-unguarded`, s);
    assert.notEqual(control.code, 0);
    assert.ok(
      control.out.includes(s),
      `control (${mode}): Node prints the error's config, x-api-key included`,
    );
    const r = await run(mode, s);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /"level":"error".*this is a bug; exiting/);
    assert.match(r.out, /Request failed with status code 401/);
    assert.ok(!r.out.includes(s), r.out);
    assert.ok(!r.out.includes('x-api-key'), 'the request headers are not printed at all');
  }
});

test('the logger redacts the message, metadata values and keys, nested errors, in JSON and text', async () => {
  const s = secret();
  const r = await run('logger-unguarded', s);
  assert.equal(r.code, 0, r.out);
  assert.ok(r.out.includes('[REDACTED]') && r.out.includes('message with'), r.out);
  assert.ok(!r.out.includes(s), r.out);
});

test('a password with quotes and backslashes is masked in its JSON-escaped form too', () => {
  clearSecretsForTests();
  const pw = `p"a\\ss-${randomBytes(4).toString('hex')}`;
  registerSecret(pw);
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  const logger = createLogger({ format: 'json', stream });
  // A value that already holds the escaped form (a JSON document quoted into a message).
  logger.info('got a reply', { body: JSON.stringify({ password: pw }), inner: pw });
  assert.ok(!out.includes(pw) && !out.includes(JSON.stringify(pw).slice(1, -1)), out);
  assert.equal(redact(`Basic ${Buffer.from(pw).toString('base64')}`), 'Basic [REDACTED]');
  clearSecretsForTests();
});
