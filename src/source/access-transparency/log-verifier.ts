import type { SourceConfig } from '../../config/schema';
import type { Logger } from '../../observability/logger';
import { CommittedEntries } from '../../transparency/committed-entries';
import type { Finding } from '../../transparency/findings';
import { findingEvent } from '../../transparency/finding-event';
import type { PipelineInput } from '../../pipeline/pipeline';
import type { PinnedKey, TrustedKey } from '../../transparency/keys';
import { verifyCheckpoint } from '../../transparency/note';
import { LogReader } from '../../transparency/log-reader';
import type { TransparencyLogState } from '../../transparency/state';
import { originOf, trustedKeys, verifyLog, type RunResult } from '../../transparency/verifier';
import { AbortedError, errorMessage } from '../../util/errors';
import { sleep } from '../../util/retry';
import type { ComplianceApiClient } from '../client';
import { readAccessTransparencyFeed } from './log-feed';

/** Below every other request (0-9, lower first): verification never holds delivery up. */
const VERIFIER_URGENCY = 9;
/** A log request retried this often without success makes the run incomplete (AXT gives up after 5). */
const LOG_ATTEMPTS = 8;

export type AccessTransparencyConfig = SourceConfig['access_transparency'];

export interface TransparencyLogObserver {
  onRun?(result: RunResult): void;
}

export interface LogVerifierOptions {
  readonly client: ComplianceApiClient;
  readonly config: AccessTransparencyConfig;
  readonly state: () => TransparencyLogState;
  readonly save: (state: TransparencyLogState) => Promise<void>;
  readonly logger: Logger;
  readonly observer?: TransparencyLogObserver;
  readonly now?: () => number;
  /**
   * With `finding_events`: hands each run's findings to the pipeline as events, after the
   * run is saved; resolves once the pipeline took them (not once the sinks hold them).
   */
  readonly emitFindings?: (events: PipelineInput[], signal?: AbortSignal) => Promise<void>;
}

/** Whether the configuration asks for verification, and can do it (the UUID is known). */
export function verificationWanted(config: AccessTransparencyConfig): boolean {
  return config.verify_log !== false && config.organization_uuid !== undefined;
}

/**
 * The verifier component (issue #25): outside the delivery path, on its own schedule,
 * through the shared client and rate governor at the lowest urgency. It reads the feed's
 * Access Transparency rows itself, so it never blocks or reorders what the pipeline delivers.
 */
export class LogVerifier {
  private readonly committed = new CommittedEntries();
  private keys?: TrustedKey[];

  constructor(private readonly opts: LogVerifierOptions) {}

  /**
   * The log's size from its latest checkpoint, verified (origin and pinned key): one request
   * once the keys are held. Undefined when there is no log, or anything went wrong.
   */
  async verifiedSize(signal?: AbortSignal): Promise<number | undefined> {
    const uuid = this.opts.config.organization_uuid;
    if (uuid === undefined) return undefined;
    const reader = this.reader(uuid, signal);
    try {
      this.keys ??= trustedKeys(await reader.keys(), this.pins(), originOf(uuid));
      const now = new Date((this.opts.now ?? Date.now)());
      return verifyCheckpoint(await reader.checkpoint(), originOf(uuid), this.keys, now).size;
    } catch {
      return undefined;
    }
  }

  private reader(uuid: string, signal?: AbortSignal): LogReader {
    const { client } = this.opts;
    return new LogReader(
      (path) => client.fetchLog(path, { signal, urgency: VERIFIER_URGENCY, maxAttempts: LOG_ATTEMPTS }),
      uuid,
    );
  }

  private pins(): PinnedKey[] {
    return this.opts.config.trusted_keys.map(pinOf);
  }

  /** One run: logged, counted and saved. Findings are error lines with their evidence. */
  async runOnce(signal?: AbortSignal): Promise<RunResult> {
    const { client, config } = this.opts;
    const uuid = config.organization_uuid;
    if (uuid === undefined) throw new Error('LogVerifier needs source.access_transparency.organization_uuid');
    const now = this.opts.now ?? Date.now;
    const startedAt = new Date(now()).toISOString();
    const result = await verifyLog(
      {
        reader: this.reader(uuid, signal),
        organizationUuid: uuid,
        pins: this.pins(),
        readFeed: (since) =>
          readAccessTransparencyFeed(client, uuid, since, { signal, urgency: VERIFIER_URGENCY }),
        committed: this.committed,
        save: this.opts.save,
        now: () => new Date(now()),
        feedWindowMs: config.sweep_window,
        unservedGraceMs: config.unserved_grace,
      },
      this.opts.state(),
    );
    // Stopped mid-run (shutdown): what was verified is saved; the run itself says nothing.
    if (signal?.aborted) return result;
    await this.opts.save({
      ...result.state,
      last_run: {
        started_at: startedAt,
        finished_at: new Date(now()).toISOString(),
        outcome: result.outcome,
        findings: result.findings.length,
        ...(result.error === undefined ? {} : { error: result.error }),
      },
    });
    this.report(result);
    this.opts.observer?.onRun?.(result);
    if (config.finding_events && result.findings.length > 0 && this.opts.emitFindings) {
      const at = new Date(now());
      await this.opts.emitFindings(
        result.findings.map((f) => findingEvent(f, uuid, at)),
        signal,
      );
    }
    return result;
  }

  /** Runs every verify_interval until the signal aborts; a failed run is tried at the next. */
  async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.runOnce(signal);
      } catch (err) {
        if (err instanceof AbortedError || signal.aborted) return;
        this.opts.logger.warn(
          'transparency log verification could not run; trying again at the next interval',
          {
            error: errorMessage(err),
          },
        );
      }
      await sleep(this.opts.config.verify_interval, signal).catch(() => undefined);
    }
  }

  private report(result: RunResult): void {
    const { logger, config } = this.opts;
    const summary = {
      origin: originOf(config.organization_uuid ?? ''),
      outcome: result.outcome,
      verified_size: result.state.size,
      verified_events: result.verified,
      pending: result.pending,
      not_logged: result.notLogged.length,
    };
    for (const f of result.findings)
      logger.error(`transparency log verification failed: ${f.message}`, findingMeta(f));
    if (result.outcome === 'incomplete')
      logger.warn('transparency log verification could not complete; the next run tries again', {
        ...summary,
        error: result.error,
      });
    else if (result.outcome === 'no_log' && config.verify_log === true)
      logger.error(
        'source.access_transparency.verify_log is true, but the organization has no transparency log (404): check organization_uuid, or set verify_log: auto until the first Access Transparency event creates the log',
        summary,
      );
    else if (result.outcome === 'no_log')
      logger.info('no transparency log yet (404): nothing to verify', summary);
    else logger.info('transparency log verified', summary);
    if (result.notLogged.length > 0)
      logger.info(
        'Access Transparency events served without a log index (before the log, or while not enrolled)',
        {
          ids: result.notLogged.slice(0, 50),
        },
      );
  }
}

function findingMeta(f: Finding): Record<string, unknown> {
  return { reason: f.reason, id: f.id, leaf_index: f.leaf_index, evidence: f.evidence };
}

function pinOf(key: AccessTransparencyConfig['trusted_keys'][number]): PinnedKey {
  if (typeof key === 'string') return { fingerprint: key };
  return {
    fingerprint: key.fingerprint,
    ...(key.signing_since ? { signingSince: new Date(key.signing_since) } : {}),
    ...(key.retired_on ? { retiredOn: new Date(key.retired_on) } : {}),
  };
}
