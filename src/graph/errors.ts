/**
 * Errors the gateway throws. Every one says what we tried (`operation`, in words an admin reads) so a
 * service can render it without knowing Graph; none carries a token or a stack for the user.
 */

export interface GraphErrorInit {
  operation: string;
  status: number;
  code?: string;
  requestId?: string;
  graphMessage?: string;
  retryAfterMs?: number;
}

export class GraphError extends Error {
  override readonly name: string = 'GraphError';
  readonly operation: string;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** Graph's `error.code`, e.g. `Request_ResourceNotFound`, `RequestParameterInvalid`. */
  readonly code: string;
  /** From `error.innerError["request-id"]` or the `request-id` header: what Microsoft support asks for. */
  readonly requestId?: string;
  /** Graph's own message, kept apart from the admin-facing `message`. */
  readonly graphMessage?: string;
  readonly retryAfterMs?: number;

  constructor(init: GraphErrorInit) {
    super(describe(init));
    this.operation = init.operation;
    this.status = init.status;
    this.code = init.code ?? (init.status ? `HTTP${init.status}` : 'NoResponse');
    this.requestId = init.requestId;
    this.graphMessage = init.graphMessage;
    this.retryAfterMs = init.retryAfterMs;
  }

  get isNotFound(): boolean {
    return this.status === 404 || /ResourceNotFound|NotFound$/i.test(this.code);
  }

  get isThrottled(): boolean {
    return this.status === 429 || this.status === 503 || /TooManyRequests|throttl/i.test(this.code);
  }

  get isForbidden(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

function describe(init: GraphErrorInit): string {
  const what = `Could not ${init.operation}`;
  const why = (() => {
    switch (true) {
      case init.status === 404:
        return 'Microsoft Graph says it does not exist';
      case init.status === 401 || init.status === 403:
        return 'the bot is not allowed to do this (missing Graph permission or role)';
      case init.status === 429 || init.status === 503:
        return 'Microsoft Graph is throttling requests; try again in a few minutes';
      case init.status === 0:
        return 'Microsoft Graph could not be reached';
      case init.status >= 500:
        return `Microsoft Graph had an internal problem (HTTP ${init.status})`;
      default:
        return `Microsoft Graph refused it (HTTP ${init.status})`;
    }
  })();
  const detail = init.graphMessage ? `: ${truncate(init.graphMessage, 300)}` : '';
  const code = init.code ? ` [${init.code}]` : '';
  const ref = init.requestId ? ` (request-id ${init.requestId})` : '';
  return `${what}: ${why}${detail}${code}${ref}`;
}

/**
 * A write whose result we cannot know (timeout, connection reset, 500/504 on a POST). It is NOT retried:
 * the caller must read Graph to find out whether it happened before deciding to try again.
 */
export class GraphOutcomeUnknownError extends Error {
  override readonly name = 'GraphOutcomeUnknownError';
  constructor(
    readonly operation: string,
    readonly reason: 'timeout' | 'connection' | 'server',
    readonly status = 0,
    readonly requestId?: string,
  ) {
    super(
      `Not sure whether "${operation}" happened: ${
        reason === 'timeout'
          ? 'Microsoft Graph did not answer in time'
          : reason === 'connection'
            ? 'the connection to Microsoft Graph broke'
            : `Microsoft Graph answered HTTP ${status}`
      }. Check the current state before trying again.${requestId ? ` (request-id ${requestId})` : ''}`,
    );
  }
}

/** Graph answered 2xx but the body is not what the reference says it is. */
export class GraphResponseInvalidError extends Error {
  override readonly name = 'GraphResponseInvalidError';
  constructor(
    readonly operation: string,
    /** Short zod summary: paths and messages, never the body (it may hold user data). */
    readonly issues: string,
    readonly requestId?: string,
  ) {
    super(`Could not ${operation}: Microsoft Graph answered in an unexpected shape (${truncate(issues, 300)})`);
  }
}

/**
 * Graph answered, but without what the bot needs because the bot's app lacks a permission (e.g. directoryRole
 * objects without `roleTemplateId` when RoleManagement.Read.Directory is missing). A configuration problem,
 * never to be read as "nothing there".
 */
export class GraphPermissionMissingError extends Error {
  override readonly name = 'GraphPermissionMissingError';
  constructor(
    readonly operation: string,
    /** The application permission to grant (admin consent) in `tenantId`. */
    readonly permission: string,
    readonly tenantId: string,
    detail: string,
  ) {
    super(`Could not ${operation}: ${detail}. Grant the bot's app the application permission ${permission} in tenant ${tenantId} (with admin consent).`);
  }
}

/** A value we refused to send (not a GUID, empty name): nothing reached Graph. */
export class GraphInputError extends Error {
  override readonly name = 'GraphInputError';
  constructor(
    readonly operation: string,
    detail: string,
  ) {
    super(`Could not ${operation}: ${detail}`);
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** A read that may find nothing: Graph's 404 becomes null, every other error stays an error. */
export async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof GraphError && err.isNotFound) return null;
    throw err;
  }
}
