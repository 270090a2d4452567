import { defineSink } from '../factory';
import type { SendResult, Sink, SinkContext, SinkHealth } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import type { Logger } from '../../observability/logger';
import { backoffPolicy, batchLimits } from '../../config/fields';
import { buildTlsOptions } from '../../util/tls';
import { errorMessage } from '../../util/errors';
import { HealthTracker } from '../runtime/health';
import { SinkStats } from '../runtime/stats';
import { SearchClient, type SearchReply } from './client';
import { documentSource, encodeDocument, type BulkDocument } from './encode';
import { BulkSender, emptyBulkStats } from './send';
import { describeError } from './protocol';
import { templatesFor } from './templates';
import {
  configuredEndpoints,
  elasticsearchPlaintextPath,
  elasticsearchSinkConfig,
  type ElasticsearchSinkConfig,
} from './config';

export { elasticsearchSinkConfig, type ElasticsearchSinkConfig } from './config';
export type { BulkDocument } from './encode';

export type Product = 'elasticsearch' | 'opensearch' | 'unknown';

/**
 * Which engine answered. Elasticsearch 7.14+ names itself in a header on every reply (its
 * test distribution serves no `GET /`, so the body cannot be relied on); OpenSearch names
 * its distribution in the `GET /` body.
 */
export function detectProduct(reply: Pick<SearchReply, 'status' | 'body' | 'header'>): Product {
  if (reply.header('x-elastic-product') === 'Elasticsearch') return 'elasticsearch';
  try {
    const info = JSON.parse(reply.body.toString('utf8')) as { version?: { distribution?: unknown } };
    if (info.version?.distribution === 'opensearch') return 'opensearch';
  } catch {
    // not JSON: not known
  }
  return 'unknown';
}

function authorization(config: ElasticsearchSinkConfig): string | undefined {
  if (config.api_key !== undefined) return `ApiKey ${config.api_key}`;
  if (config.username !== undefined && config.password !== undefined)
    return `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  return undefined;
}

export interface ElasticsearchSinkOptions {
  readonly random?: () => number;
}

/**
 * The `elasticsearch` sink (Elasticsearch 7.17/8.x/9.x, OpenSearch 1.x-3.x): `_bulk` with
 * `create` and `_id` = activity id, gzip, nodes spread and failed over. See send.ts for how
 * replies are handled and protocol.ts for what each item status means.
 */
export class ElasticsearchSink implements Sink<BulkDocument> {
  readonly type = 'elasticsearch';
  readonly batch;
  readonly stats = new SinkStats();
  readonly details = emptyBulkStats();
  private readonly logger: Logger;
  private readonly client: SearchClient;
  private readonly sender: BulkSender;
  private readonly healthTracker: HealthTracker;
  private readonly fieldPath: string;
  private engine: Product = 'unknown';

  constructor(
    readonly name: string,
    private readonly config: ElasticsearchSinkConfig,
    ctx: SinkContext,
    options: ElasticsearchSinkOptions = {},
  ) {
    this.batch = batchLimits(config.batch);
    this.fieldPath = `sinks.${name}`;
    this.logger = ctx.logger.child({ sink: name, component: 'elasticsearch' });
    const endpoints = configuredEndpoints(config);
    this.client = new SearchClient({
      endpoints,
      authorization: authorization(config),
      requestTimeoutMs: config.request_timeout,
      userAgent: `claude-audit-forwarder/${ctx.version}`,
      tls: endpoints.some((e) => e.startsWith('https:'))
        ? buildTlsOptions(config.tls, {
            fieldPath: `${this.fieldPath}.tls`,
            component: `sinks.${name}`,
            logger: ctx.logger,
            baseDir: ctx.baseDir,
          })
        : undefined,
      fieldPath: this.fieldPath,
      proxy: config.proxy,
      credential: config.api_key !== undefined ? 'the API key' : 'the password',
      logger: this.logger,
    });
    this.healthTracker = new HealthTracker(this.logger, 'Elasticsearch');
    this.sender = new BulkSender({
      client: this.client,
      compress: config.compression === 'gzip',
      policy: backoffPolicy(config.retry),
      health: this.healthTracker,
      logger: this.logger,
      stats: this.stats,
      details: this.details,
      fieldPath: this.fieldPath,
      pipeline: config.pipeline,
      random: options.random,
    });
  }

  /** The engine found at start-up. */
  get product(): Product {
    return this.engine;
  }

  /**
   * Checks that a node answers and accepts the credential. `GET /` needs a privilege a
   * write-only credential may lack (403 is fine here) and is missing on some distributions
   * (404/405 are fine too): only 401 and no answer at all stop the start.
   */
  async start(signal: AbortSignal): Promise<void> {
    let reply: SearchReply;
    try {
      reply = await this.client.request('GET', '/', undefined, {}, signal);
    } catch (err) {
      throw new Error(
        `cannot reach Elasticsearch at ${this.client.endpoints.join(', ')}: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    if (reply.status === 401)
      throw new Error(
        `Elasticsearch at ${reply.endpoint} refuses the credentials (${describeError(401, reply.body.toString('utf8'))}); check ${this.fieldPath}.api_key or ${this.fieldPath}.username/password`,
      );
    this.engine = detectProduct(reply);
    this.sender.omitSourceOnError(this.engine === 'elasticsearch');
    if (this.config.install_templates) await this.installTemplates(signal);
    this.logger.info('Elasticsearch is reachable', {
      endpoints: this.client.endpoints,
      product: this.engine,
      index: this.config.index,
      compression: this.config.compression,
    });
  }

  private async installTemplates(signal: AbortSignal): Promise<void> {
    const set = templatesFor(
      this.config.index,
      this.config.format,
      this.engine === 'opensearch' ? 'opensearch' : 'elasticsearch',
    );
    /** false: the engine refused it for a reason people own (privilege, a template of theirs). */
    const put = async (path: string, body: unknown): Promise<boolean> => {
      // POST: the shared client sends GET and POST only; both engines take either here.
      const reply = await this.client.request(
        'POST',
        path,
        Buffer.from(JSON.stringify(body)),
        { 'Content-Type': 'application/json' },
        signal,
      );
      if (reply.status === 200) return true;
      const reason = describeError(reply.status, reply.body.toString('utf8'));
      // The default tries; a credential without the privilege, or a template of the user's
      // that already governs the index, means the mapping is theirs to manage: write on.
      const theirs =
        reply.status === 403 ||
        (reply.status === 400 && /matching patterns from existing|overlap/i.test(reason));
      if (!theirs)
        throw new Error(
          `Elasticsearch at ${reply.endpoint} refused ${path} (${reason}); fix the conflict, or install the template by hand and set ${this.fieldPath}.install_templates: false`,
        );
      this.logger.warn('index template not installed: writing with the mapping in place', {
        template: path,
        reason,
        fix:
          reply.status === 403
            ? `grant the credential manage_index_templates, or install the template by hand (docs/elasticsearch.md) and set ${this.fieldPath}.install_templates: false`
            : `an existing template governs ${this.config.index}: map its pass-through part as flattened (docs/elasticsearch.md) and set ${this.fieldPath}.install_templates: false`,
      });
      return false;
    };
    if (!(await put(`/_component_template/${set.componentName}`, set.component))) return;
    if (!(await put(`/_index_template/${set.indexName}`, set.index))) return;
    this.logger.info('index template installed', { template: set.indexName, index: this.config.index });
  }

  encode(record: PipelineRecord): BulkDocument {
    return encodeDocument(record, { format: this.config.format, index: this.config.index });
  }

  async send(batch: readonly BulkDocument[], signal: AbortSignal): Promise<SendResult<BulkDocument>> {
    return { rejected: await this.sender.deliver(batch, signal) };
  }

  health(): SinkHealth {
    return this.healthTracker.get();
  }

  close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}

export const elasticsearchSinkFactory = defineSink({
  type: 'elasticsearch',
  configSchema: elasticsearchSinkConfig,
  create: (name, config, ctx: SinkContext) => new ElasticsearchSink(name, config, ctx),
  plaintext: elasticsearchPlaintextPath,
  // The document as stored: the format plus @timestamp (and data_stream.* for a data stream).
  preview: (config) => ({
    format: `${config.format} for ${config.index}`,
    render: (record) => documentSource(record, { format: config.format, index: config.index }),
  }),
});
