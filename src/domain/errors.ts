/** Typed, coded errors: callers classify by class and code, never by message text. */

export type ErrorCode =
  | 'TOCSIN_ERR_INPUT_MALFORMED'
  | 'TOCSIN_ERR_INPUT_INVALID'
  | 'TOCSIN_ERR_INPUT_TOO_LARGE'
  | 'TOCSIN_ERR_INPUT_MEDIA_TYPE'
  | 'TOCSIN_ERR_AUTH_MISSING'
  | 'TOCSIN_ERR_AUTH_INVALID'
  | 'TOCSIN_ERR_AUTH_SIGNATURE'
  | 'TOCSIN_ERR_INCIDENT_NOT_FOUND'
  | 'TOCSIN_ERR_INCIDENT_STATE'
  | 'TOCSIN_ERR_CLASS_UNKNOWN'
  | 'TOCSIN_ERR_STORE_UNAVAILABLE'
  | 'TOCSIN_ERR_STORE_UNREPLICATED'
  | 'TOCSIN_ERR_RATE_LIMITED'
  | 'TOCSIN_ERR_NOT_FOUND'
  | 'TOCSIN_ERR_METHOD_NOT_ALLOWED'
  | 'TOCSIN_ERR_CONFIG_INVALID'
  | 'TOCSIN_ERR_CHANNEL_TEMPORARY'
  | 'TOCSIN_ERR_CHANNEL_PERMANENT'
  | 'TOCSIN_ERR_NUT_UNAVAILABLE'
  | 'TOCSIN_ERR_NUT_PROTOCOL'
  | 'TOCSIN_ERR_CONFLICT'
  | 'TOCSIN_ERR_INTERNAL';

const STATUS: Record<ErrorCode, number> = {
  TOCSIN_ERR_INPUT_MALFORMED: 400,
  TOCSIN_ERR_INPUT_INVALID: 422,
  TOCSIN_ERR_INPUT_TOO_LARGE: 413,
  TOCSIN_ERR_INPUT_MEDIA_TYPE: 415,
  TOCSIN_ERR_AUTH_MISSING: 401,
  TOCSIN_ERR_AUTH_INVALID: 401,
  TOCSIN_ERR_AUTH_SIGNATURE: 403,
  TOCSIN_ERR_INCIDENT_NOT_FOUND: 404,
  TOCSIN_ERR_INCIDENT_STATE: 409,
  TOCSIN_ERR_CLASS_UNKNOWN: 422,
  TOCSIN_ERR_STORE_UNAVAILABLE: 503,
  TOCSIN_ERR_STORE_UNREPLICATED: 503,
  TOCSIN_ERR_RATE_LIMITED: 429,
  TOCSIN_ERR_NOT_FOUND: 404,
  TOCSIN_ERR_METHOD_NOT_ALLOWED: 405,
  TOCSIN_ERR_CONFIG_INVALID: 500,
  TOCSIN_ERR_CHANNEL_TEMPORARY: 503,
  TOCSIN_ERR_CHANNEL_PERMANENT: 502,
  TOCSIN_ERR_NUT_UNAVAILABLE: 503,
  TOCSIN_ERR_NUT_PROTOCOL: 502,
  TOCSIN_ERR_CONFLICT: 409,
  TOCSIN_ERR_INTERNAL: 500,
};

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'TOCSIN_ERR_STORE_UNAVAILABLE',
  'TOCSIN_ERR_STORE_UNREPLICATED',
  'TOCSIN_ERR_RATE_LIMITED',
  'TOCSIN_ERR_CHANNEL_TEMPORARY',
  'TOCSIN_ERR_NUT_UNAVAILABLE',
  'TOCSIN_ERR_INTERNAL',
]);

export class TocsinError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TocsinError';
    this.code = code;
    this.httpStatus = STATUS[code];
    this.retryable = RETRYABLE.has(code);
    this.details = options.details;
  }
}

export function isTocsinError(e: unknown): e is TocsinError {
  return e instanceof TocsinError;
}

export function assertNever(x: never): never {
  throw new TocsinError('TOCSIN_ERR_INTERNAL', `unexpected variant: ${JSON.stringify(x)}`);
}
