/**
 * A report's idempotency key (`POST /api/incidents`: the `Idempotency-Key` header, or `key` in the
 * body): what a UUID, a ULID or any token of its kind is made of, long enough not to meet another
 * sender's by chance.
 */
export const REPORT_KEY = /^[A-Za-z0-9._:~+/=-]{8,128}$/;

/** What REPORT_KEY allows, said for people. */
export const REPORT_KEY_RULE = '8 to 128 characters: letters, digits and . _ : ~ + / = -';
