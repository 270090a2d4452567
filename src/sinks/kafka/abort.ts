import { AbortedError } from '../../util/errors';

/**
 * Settles like `work`, except that it rejects with AbortedError as soon as `signal` aborts:
 * shutdown does not wait for a Kafka client that is still retrying internally. `work` is
 * left to finish on its own (close() disconnects it); its outcome is then ignored.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
