// Errors of the batches API client (CONTRACTS §1), in one place with stable wording. Every message
// names the URL it is about, without credentials, and never the bearer token: these messages end up
// in logs and in `status` (the counters' last_error).

/**
 * - `auth`: 401/403, the token was refused or is missing (not retried);
 * - `status`: another 4xx, or a 429/5xx still failing once retries ran out;
 * - `transport`: no whole answer (timeout, reset, refused) once retries ran out;
 * - `body`: a 200 whose body is not JSON or not the §1 shape (a failed poll, tried again later);
 * - `paging`: a full page with no entry to continue the keyset paging from.
 */
export type ApiErrorKind = 'auth' | 'status' | 'transport' | 'body' | 'paging';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly kind: ApiErrorKind,
    /** The HTTP status of the last answer, when there was one. */
    readonly status?: number,
    /** For `transport`: the socket's error code (ECONNREFUSED, ...), when there was one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export const apiErrors = {
  badUrl: (problem: string) => new ApiError(`the batches API URL ${problem}`, 'status'),
  tokenRefused: (url: string, status: number) =>
    new ApiError(`${url} refused the API token (${status}): check --api-token or BATCHBOARD_API_TOKEN`, 'auth', status),
  tokenMissing: (url: string, status: number) =>
    new ApiError(`${url} requires an API token (${status}): set --api-token or BATCHBOARD_API_TOKEN`, 'auth', status),
  status: (url: string, status: number, body: string) =>
    new ApiError(`${url} answered ${status}${body === '' ? '' : `: ${body}`}`, 'status', status),
  gaveUp: (url: string, retries: number, last: string, kind: 'status' | 'transport', status?: number, code?: string) =>
    new ApiError(`${url} still failing after ${retries} retries: ${last}`, kind, status, code),
  notJson: (url: string, why: string) => new ApiError(`${url} answered 200 with a body that is not JSON (${why})`, 'body', 200),
  wrongShape: (url: string, why: string) =>
    new ApiError(`${url} answered 200 with JSON not of the contract's shape {"batches": [...], "has_more": true|false}: ${why}`, 'body', 200),
  noCursor: (url: string, entries: number) =>
    new ApiError(
      `${url} served a full page (${entries} entries, has_more true) with no entry holding a valid created_at and positive integer id: no cursor to page on from`,
      'paging',
    ),
};
