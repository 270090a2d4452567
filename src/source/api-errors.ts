/**
 * Errors of the Compliance API, classified by the spec's table. The message always says
 * what a person should do about it.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly errorType: string | undefined,
    readonly requestId: string | undefined,
    /** Worth another attempt later (the poll loop decides when). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** What to tell the operator for a refused request. */
export function explainApiError(
  status: number,
  errorType: string | undefined,
  serverMessage: string,
): string {
  const said = serverMessage ? ` The API said: "${serverMessage}".` : '';
  switch (status) {
    case 400:
      return `The Compliance API rejected our request as invalid (400 ${errorType ?? 'invalid_request_error'}).${said} Check source.activity_types, exclude_activity_types, organization_ids, actor_ids and start_at.`;
    case 401:
      return `The Compliance API refused the API key (401 ${errorType ?? 'authentication_error'}): it is invalid, revoked or expired.${said} Create a Compliance Access Key (sk-ant-api01-…, scope read:compliance_activities) and set source.api_key or source.api_key_file.`;
    case 403: {
      const oneOf = /Needed one of:\s*\[([^\]]*)\]/.exec(serverMessage)?.[1];
      const scopes = /Needed:\s*\[([^\]]*)\]/.exec(serverMessage)?.[1];
      const need = oneOf
        ? `The key lacks one of the scopes ${oneOf}.`
        : scopes
          ? `The key lacks the scope(s) ${scopes}.`
          : 'The key lacks permission for this request.';
      return `The Compliance API refused access (403 ${errorType ?? 'permission_error'}). ${need}${said} Use a key with scope read:compliance_activities (or read:org_audit), and organization_ids inside its tenant.`;
    }
    case 404:
      return `The Compliance API endpoint was not found (404).${said} Check source.base_url (e.g. https://api.anthropic.com) and that a key is set (a missing key also gives 404).`;
    default:
      return `The Compliance API answered ${status}${errorType ? ` ${errorType}` : ''}.${said}`;
  }
}
