import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLeefEncoder, severityOf, toCef, toLeef, toOcsf } from '../../src/normalize';
import { ConfigError } from '../../src/util/errors';
import { hostileStrings } from '../../src/simulator/hostile';
import { ACTOR_TYPES, makeActivity, makeHostileActivity } from '../../src/simulator/generate';
import type { Activity } from '../../src/source/activity';

/**
 * CEF and LEEF lines are parsed back here by readers written from the format descriptions
 * (not from the encoders), and every value must come back exactly: pipes, equals signs,
 * backslashes, CR/LF, tabs, unicode.
 */

// ---- a CEF reader, per the CEF Implementation Standard ------------------------------------

interface Cef {
  readonly header: string[];
  readonly ext: Record<string, string>;
}

function parseCef(line: string): Cef {
  assert.ok(line.startsWith('CEF:'), 'starts with CEF:');
  const header: string[] = [];
  let field = '';
  let i = 4;
  for (; i < line.length && header.length < 7; i++) {
    const c = line[i];
    if (c === '\\' && (line[i + 1] === '|' || line[i + 1] === '\\')) {
      field += line[++i];
    } else if (c === '|') {
      header.push(field);
      field = '';
    } else field += c;
  }
  assert.equal(header.length, 7, 'seven header fields');
  const ext = line.slice(i);
  // Unescaped `=` signs end keys; a key is the word before it, after the separating space.
  const equals: number[] = [];
  for (let j = 0; j < ext.length; j++) {
    if (ext[j] === '\\') j++;
    else if (ext[j] === '=') equals.push(j);
  }
  const pairs: Record<string, string> = {};
  for (let k = 0; k < equals.length; k++) {
    const keyStart = k === 0 ? 0 : ext.lastIndexOf(' ', equals[k]) + 1;
    const key = ext.slice(keyStart, equals[k]);
    assert.match(key, /^[A-Za-z0-9]+$/, `a key, not ${JSON.stringify(key)}`);
    const valueEnd = k + 1 < equals.length ? ext.lastIndexOf(' ', equals[k + 1]) : ext.length;
    const raw = ext.slice(equals[k] + 1, valueEnd);
    assert.ok(!(key in pairs), `key ${key} once`);
    pairs[key] = raw.replace(/\\([\\=nr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  }
  return { header, ext: pairs };
}

// ---- a LEEF reader -------------------------------------------------------------------------

interface Leef {
  readonly version: string;
  readonly header: string[];
  readonly delimiter: string;
  readonly attrs: Record<string, string>;
}

function parseLeef(line: string): Leef {
  const m = /^LEEF:(1\.0|2\.0)\|/.exec(line);
  assert.ok(m, 'starts with LEEF:1.0| or LEEF:2.0|');
  const fields = line.slice(m[0].length).split('|');
  const headerCount = m[1] === '2.0' ? 5 : 4;
  const header = fields.slice(0, headerCount);
  let delimiter = '\t';
  if (m[1] === '2.0') {
    const d = header[4];
    delimiter = /^(0x|x)[0-9a-fA-F]{2}$/.test(d)
      ? String.fromCharCode(parseInt(d.replace(/^0?x/, ''), 16))
      : d;
    assert.equal([...delimiter].length, 1, 'one delimiter character');
  }
  const body = fields.slice(headerCount).join('|');
  const attrs: Record<string, string> = {};
  for (const pair of body.split(delimiter)) {
    const eq = pair.indexOf('=');
    assert.ok(eq > 0, `key=value, not ${JSON.stringify(pair.slice(0, 40))}`);
    const key = pair.slice(0, eq);
    assert.ok(!(key in attrs), `key ${key} once`);
    attrs[key] = pair
      .slice(eq + 1)
      .replace(/\\(x[0-9a-f]{2}|[\\tnr])/g, (_, c: string) =>
        c === 'n'
          ? '\n'
          : c === 'r'
            ? '\r'
            : c === 't'
              ? '\t'
              : c === '\\'
                ? '\\'
                : String.fromCharCode(parseInt(c.slice(1), 16)),
      );
  }
  return { version: m[1], header, delimiter, attrs };
}

// ---- the activities ------------------------------------------------------------------------

const HOSTILE = hostileStrings();

/** One activity per hostile sample, the sample in the fields CEF/LEEF carry by name. */
function hostileCarrying(sample: string, i: number): Activity {
  const activity = makeActivity({ type: 'mcp_server_created', actorType: 'user_actor', seed: i });
  return {
    ...activity,
    actor: { ...activity.actor, user_agent: sample, user_id: `user_${sample}` },
    mcp_server_id: sample,
    mcp_server_name: `${sample} (name)`,
    organization_id: `org_${sample}`,
  };
}

describe('CEF', () => {
  it('carries every hostile value exactly, in one line with a clean header', () => {
    for (const [i, [name, sample]] of Object.entries(HOSTILE).entries()) {
      const activity = hostileCarrying(sample, i);
      const line = toCef(activity);
      assert.ok(!/[\r\n]/.test(line), `${name}: one line`);
      const { header, ext } = parseCef(line);
      assert.deepEqual(
        header.slice(0, 6),
        ['0', 'Anthropic', 'Claude', '1.0', 'mcp_server_created', 'MCP server created'],
        name,
      );
      assert.equal(ext.requestClientApplication, sample, `${name}: user agent`);
      assert.equal(ext.suid, `user_${sample}`, `${name}: suid`);
      assert.equal(ext.cs4, sample, `${name}: entity uid`);
      assert.equal(ext.cs5, `${sample} (name)`, `${name}: entity name`);
      assert.equal(ext.cs1, `org_${sample}`, `${name}: organization`);
      assert.deepEqual(JSON.parse(ext.cs6), toOcsf(activity).unmapped, `${name}: details`);
    }
  });

  it('escapes hostile header values and keeps the type intact in act', () => {
    const type = 'evil|type\\with\r\nbreaks';
    const activity = {
      ...makeActivity({ type: 'mcp_server_created', actorType: 'user_actor', seed: 1 }),
      type,
    } as Activity;
    const options = { vendor: 'Ven|dor\\', product: 'Pro|duct', version: '2|0' };
    const { header, ext } = parseCef(toCef(activity, options));
    assert.deepEqual(header.slice(1, 5), ['Ven|dor\\', 'Pro|duct', '2|0', 'evil|type\\with breaks']);
    assert.equal(ext.act, type, 'the extension keeps CR/LF the header cannot');
  });

  it('uses rt in epoch ms, the activity id, src for IPv4 and c6a2 for IPv6, and the shared severity', () => {
    const activity = makeActivity({
      type: 'org_ip_restriction_deleted',
      actorType: 'user_actor',
      seed: 3,
      createdAt: '2026-05-22T15:25:13.701734Z',
    });
    const v4 = parseCef(toCef({ ...activity, actor: { ...activity.actor, ip_address: '192.0.2.1' } }));
    assert.equal(v4.ext.rt, String(Date.UTC(2026, 4, 22, 15, 25, 13, 701)));
    assert.equal(v4.ext.externalId, activity.id);
    assert.equal(v4.ext.src, '192.0.2.1');
    assert.equal(v4.header[6], String(severityOf(activity).cef));
    assert.equal(v4.header[6], '5', 'Medium → 5');
    const v6 = parseCef(toCef({ ...activity, actor: { ...activity.actor, ip_address: '2001:db8::1' } }));
    assert.equal(v6.ext.src, undefined);
    assert.equal(v6.ext.c6a2, '2001:db8::1');
    assert.equal(v6.ext.c6a2Label, 'Source IPv6 Address');
  });

  it('parses for every type and actor variant with hostile strings everywhere', () => {
    for (const [i, actorType] of ACTOR_TYPES.entries()) {
      for (let seed = 0; seed < 40; seed++) {
        const activity = makeHostileActivity(seed * 31 + i, { actorType });
        const { ext } = parseCef(toCef(activity));
        assert.equal(ext.act, activity.type);
        assert.equal(ext.externalId, activity.id);
        assert.deepEqual(JSON.parse(ext.cs6), toOcsf(activity).unmapped);
      }
    }
  });
});

describe('LEEF', () => {
  for (const [label, options] of [
    ['2.0 with TAB (default)', {}],
    ['2.0 with ^', { delimiter: '^' }],
    ['2.0 with ;', { delimiter: ';' }],
    ['1.0', { leefVersion: '1.0' }],
  ] as const) {
    it(`${label}: carries every hostile value exactly, one line, the delimiter never inside a value`, () => {
      for (const [i, [name, sample]] of Object.entries(HOSTILE).entries()) {
        for (const withDelimiter of [sample, `${sample}^;\t|x`]) {
          const activity = hostileCarrying(withDelimiter, i);
          const line = toLeef(activity, options);
          assert.ok(!/[\r\n]/.test(line), `${name}: one line`);
          const leef = parseLeef(line);
          assert.equal(leef.version, 'leefVersion' in options ? '1.0' : '2.0');
          assert.equal(leef.delimiter, 'delimiter' in options ? options.delimiter : '\t');
          assert.deepEqual(leef.header.slice(0, 4), ['Anthropic', 'Claude', '1.0', 'mcp_server_created']);
          assert.equal(leef.attrs.userAgent, withDelimiter, `${name}: user agent`);
          assert.equal(leef.attrs.userId, `user_${withDelimiter}`, `${name}: userId`);
          assert.equal(leef.attrs.entityUid, withDelimiter, `${name}: entity uid`);
          assert.equal(leef.attrs.orgId, `org_${withDelimiter}`, `${name}: orgId`);
          assert.deepEqual(JSON.parse(leef.attrs.details), toOcsf(activity).unmapped, `${name}: details`);
        }
      }
    });
  }

  it('writes devTime with its format, the shared severity, and a header free of | and line breaks', () => {
    const activity = {
      ...makeActivity({
        type: 'org_sso_connection_deleted',
        actorType: 'user_actor',
        seed: 2,
        createdAt: '2026-05-22T15:25:13.701734Z',
      }),
      type: 'org_sso_connection_deleted',
    } as Activity;
    const leef = parseLeef(toLeef(activity));
    assert.equal(leef.attrs.devTime, '2026-05-22T15:25:13.701Z');
    assert.equal(leef.attrs.devTimeFormat, "yyyy-MM-dd'T'HH:mm:ss.SSSX");
    assert.equal(leef.attrs.sev, String(severityOf(activity).leef));
    const evil = parseLeef(toLeef({ ...activity, type: 'a|b\r\nc' }, { vendor: 'V|x', product: 'P\ny' }));
    assert.deepEqual(evil.header.slice(0, 4), ['V_x', 'P_y', '1.0', 'a_b__c']);
    assert.equal(evil.attrs.activityType, 'a|b\r\nc', 'the attribute keeps the type intact');
  });

  it('refuses delimiters that cannot work, naming the option', () => {
    for (const delimiter of ['', 'ab', '=', '\\', '|', 'a', '7', '\n', ' ', 'é']) {
      assert.throws(
        () => createLeefEncoder({ delimiter }),
        (err: unknown) => err instanceof ConfigError && /delimiter/.test(err.message),
        JSON.stringify(delimiter),
      );
    }
  });
});
