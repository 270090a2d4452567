import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cloudIdEndpoint,
  configuredEndpoints,
  elasticsearchSinkConfig,
} from '../../../src/sinks/elasticsearch/config';

function issues(config: Record<string, unknown>): string[] {
  const r = elasticsearchSinkConfig.safeParse({ type: 'elasticsearch', ...config });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

test('a Cloud ID names https://<es-uuid>.<host>, with its port when not 443', () => {
  const id = (text: string) => `deploy:${Buffer.from(text).toString('base64')}`;
  assert.equal(
    cloudIdEndpoint(id('us-east-1.aws.found.io$abc123$kib456')),
    'https://abc123.us-east-1.aws.found.io',
  );
  assert.equal(cloudIdEndpoint(id('example.com:9243$abc$kib')), 'https://abc.example.com:9243');
  assert.equal(cloudIdEndpoint(id('example.com:443$abc$kib')), 'https://abc.example.com');
  assert.equal(cloudIdEndpoint(id('no-dollar-here')), undefined);
  assert.equal(cloudIdEndpoint('deploy:!!!'), undefined);
  const parsed = elasticsearchSinkConfig.parse({
    type: 'elasticsearch',
    cloud_id: id('example.com$abc$kib'),
    api_key: 'encoded-key-value',
  });
  assert.deepEqual(configuredEndpoints(parsed), ['https://abc.example.com']);
});

test('the config refuses what cannot work, naming the field', () => {
  assert.deepEqual(issues({ endpoints: ['https://es:9200'] }), []);
  assert.match(issues({}).join('\n'), /^endpoints: missing/);
  assert.match(
    issues({ endpoints: ['https://es:9200'], cloud_id: 'x:eHl6JGFiYyRkZWY=' }).join('\n'),
    /^cloud_id: set cloud_id or endpoints, not both/,
  );
  assert.match(issues({ cloud_id: 'nonsense' }).join('\n'), /^cloud_id: not an Elastic Cloud ID/);
  assert.match(
    issues({
      endpoints: ['https://es:9200'],
      api_key: 'k-123456789',
      username: 'u',
      password: 'p-123456789',
    }).join('\n'),
    /^api_key: set api_key or username\/password, not both/,
  );
  assert.match(
    issues({ endpoints: ['https://es:9200'], username: 'u' }).join('\n'),
    /^password: username and password go together/,
  );
  assert.match(
    issues({ endpoints: ['https://u:p@es:9200'] }).join('\n'),
    /^endpoints\.0: remove the user:password@ part/,
  );
  assert.match(
    issues({ endpoints: ['http://es.example.com:9200'] }).join('\n'),
    /^endpoints: es\.example\.com would be reached without TLS/,
  );
  assert.deepEqual(issues({ endpoints: ['http://127.0.0.1:9200'] }), [], 'loopback in clear is allowed');
  assert.match(
    issues({ endpoints: ['https://es:9200'], index: 'Logs-X' }).join('\n'),
    /^index: not a valid index/,
  );
  assert.match(
    issues({ endpoints: ['http://127.0.0.1:9200'], tls: { ca_file: '/ca.pem' } }).join('\n'),
    /^endpoints\.0: tls is set but this endpoint is http:\/\//,
  );
});
