import type { ServerResponse } from 'node:http';
import type { FaultKind } from './faults';

/**
 * Bodies and headers as the API sends them: `{"type":"error","error":{type,message},
 * "request_id"}` plus a `request-id` header; 4xx say `x-should-retry: false`.
 */
export type Headers = Record<string, string>;

export function errorBody(type: string, message: string, requestId: string | null): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}

export function send(
  res: ServerResponse,
  status: number,
  headers: Headers,
  body: string | Buffer,
  contentType = 'application/json',
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

export function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  requestId: string | null,
  headers: Headers = {},
): void {
  const extra: Headers = { ...headers };
  if (requestId !== null) extra['request-id'] = requestId;
  // 429 is the one 4xx worth retrying (after retry-after).
  if (status >= 400 && status < 500) extra['x-should-retry'] = status === 429 ? 'true' : 'false';
  send(res, status, extra, errorBody(type, message, requestId));
}

/** Status, error.type and message of each injected HTTP error. */
export const INJECTED_ERRORS: Readonly<Record<string, { status: number; type: string; message: string }>> = {
  error_500: { status: 500, type: 'api_error', message: 'Internal server error' },
  fatal_500: { status: 500, type: 'api_error', message: 'Internal server error' },
  error_502: { status: 502, type: 'overloaded_error', message: 'Bad gateway' },
  error_503: { status: 503, type: 'overloaded_error', message: 'Service unavailable' },
  error_504: { status: 504, type: 'timeout_error', message: 'Request timed out' },
  error_529: { status: 529, type: 'overloaded_error', message: 'Overloaded' },
};

export interface MalformedBody {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export function malformedBody(
  kind: Extract<FaultKind, 'truncated_json' | 'invalid_json' | 'html_200' | 'html_502'>,
  page: string,
): MalformedBody {
  switch (kind) {
    case 'truncated_json':
      return {
        status: 200,
        contentType: 'application/json',
        body: page.slice(0, Math.max(1, Math.floor(page.length / 2))),
      };
    case 'invalid_json':
      return {
        status: 200,
        contentType: 'application/json',
        body: "{'data': [None], 'has_more': True, first_id: undefined}",
      };
    case 'html_200':
      return {
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: '<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Please sign in to continue</h1></body></html>',
      };
    case 'html_502':
      return {
        status: 502,
        contentType: 'text/html',
        body: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n',
      };
  }
}
