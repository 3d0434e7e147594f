/**
 * The Alertmanager webhook body, payload version 4: its schema, and the same verdict reached by hand
 * for the common case. The schema (zod) builds objects per field and per alert: 5 µs for a 1-alert
 * body and 27 µs for a 10-alert one by themselves, and under load (with the garbage they leave) about
 * a seventh of the daemon's CPU per 1-alert webhook. `quickAlertmanagerBody` checks a body field by
 * field (1 µs and 5 µs) and answers only when the schema would accept it, with the schema's output;
 * anything else (an error to explain, an odd corner) goes to the schema, which has the last word.
 *
 * A body whose envelope is right but some of whose alerts are not keeps its valid alerts: each
 * invalid one is refused by itself (named by its place in the body), as Alertmanager never sends a
 * refused body again and the whole group would otherwise be lost with it.
 */
import { z } from 'zod';
import { invalid, problemsOf } from './errors.js';

/** Alerts recorded from one body by default (http.alertmanager.maxAlerts); the rest are counted as left out. */
export const MAX_ALERTS = 10_000;
const MAX_FINGERPRINT = 128;

// Loose: Alertmanager may add fields; we read what we need.
const labelSet = z.record(z.string(), z.string());
/** One alert of the body. */
export const alertmanagerAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: z.string().default(''),
  endsAt: z.string().default(''),
  generatorURL: z.string().default(''),
  fingerprint: z.string().max(MAX_FINGERPRINT).optional(),
});
const envelope = {
  version: z.literal('4'),
  groupKey: z.string().default(''),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().default(''),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
};
/** The schema: what a body must be, and the account of what is wrong with one that is not. */
export const alertmanagerBodySchema = z.looseObject({ ...envelope, alerts: z.array(alertmanagerAlertSchema) });
/** The body around its alerts: what must be right for any of them to be taken. */
const envelopeSchema = z.looseObject({ ...envelope, alerts: z.array(z.unknown()) });

export type AlertmanagerBody = z.output<typeof alertmanagerBodySchema>;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** A label set (string → string), or undefined when it is not one. */
function labels(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  for (const k in v) if (typeof v[k] !== 'string' || k === '__proto__') return undefined; // the schema copies that key its own way
  return { ...(v as Record<string, string>) };
}

/** A label set that may be missing (→ {}). */
function labelsOrEmpty(v: unknown): Record<string, string> | undefined {
  return v === undefined ? {} : labels(v);
}

function stringOrEmpty(v: unknown): string | undefined {
  return v === undefined ? '' : typeof v === 'string' ? v : undefined;
}

function status(v: unknown): 'firing' | 'resolved' | undefined {
  return v === 'firing' || v === 'resolved' ? v : undefined;
}

type Alert = AlertmanagerBody['alerts'][number];

function quickAlert(a: unknown): Alert | undefined {
  if (!isObject(a)) return undefined;
  const st = status(a.status);
  const lb = labels(a.labels);
  const an = labelsOrEmpty(a.annotations);
  const startsAt = stringOrEmpty(a.startsAt);
  const endsAt = stringOrEmpty(a.endsAt);
  const generatorURL = stringOrEmpty(a.generatorURL);
  if (st === undefined || lb === undefined || an === undefined || startsAt === undefined || endsAt === undefined || generatorURL === undefined) return undefined;
  const fp = a.fingerprint;
  if (fp !== undefined && (typeof fp !== 'string' || fp.length > MAX_FINGERPRINT)) return undefined;
  return { ...a, status: st, labels: lb, annotations: an, startsAt, endsAt, generatorURL, ...(fp === undefined ? {} : { fingerprint: fp }) };
}

/** The schema's output for a body it accepts, worked out by hand; undefined: ask the schema. */
export function quickAlertmanagerBody(raw: unknown): AlertmanagerBody | undefined {
  if (!isObject(raw) || raw.version !== '4') return undefined;
  const st = status(raw.status);
  const groupKey = stringOrEmpty(raw.groupKey);
  const receiver = stringOrEmpty(raw.receiver);
  const externalURL = stringOrEmpty(raw.externalURL);
  const groupLabels = labelsOrEmpty(raw.groupLabels);
  const commonLabels = labelsOrEmpty(raw.commonLabels);
  const commonAnnotations = labelsOrEmpty(raw.commonAnnotations);
  const t = raw.truncatedAlerts === undefined ? 0 : raw.truncatedAlerts;
  if (st === undefined || groupKey === undefined || receiver === undefined || externalURL === undefined) return undefined;
  if (groupLabels === undefined || commonLabels === undefined || commonAnnotations === undefined) return undefined;
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) return undefined;
  if (!Array.isArray(raw.alerts)) return undefined;
  const alerts: Alert[] = [];
  for (const a of raw.alerts as unknown[]) {
    const q = quickAlert(a);
    if (q === undefined) return undefined;
    alerts.push(q);
  }
  return { ...raw, version: '4', groupKey, truncatedAlerts: t, status: st, receiver, groupLabels, commonLabels, commonAnnotations, externalURL, alerts };
}

/** An alert of a body refused by itself: its place in the body as sent, and what is wrong with it. */
export interface RejectedAlert {
  readonly index: number;
  readonly code: 'TOCSIN_ERR_INPUT_INVALID';
  readonly message: string;
  /** Its alertname label, when that is a string (for the log). */
  readonly alertname: string | undefined;
}

/** A body as recorded: the valid alerts (all of them, nearly always), and the ones refused. */
export interface ParsedAlertmanagerBody {
  readonly body: AlertmanagerBody;
  readonly rejected: readonly RejectedAlert[];
}

const WHAT = 'not an Alertmanager version 4 webhook body';
const NONE: readonly RejectedAlert[] = [];

/**
 * A webhook body as the schema accepts it, with the alerts the schema refuses taken out and named in
 * `rejected`; throws TocsinError 422 (with the schema's account) when the body around the alerts is
 * wrong, or when it holds alerts and none is valid. `positions` gives each alert's place in the body
 * as sent when some were taken out before (the Watchdog); by default the place is the index.
 * Of a body holding more than `maxAlerts` alerts, the first `maxAlerts` are kept and the rest are
 * added to its `truncatedAlerts`, as Alertmanager's own max_alerts would have left them out (the ones
 * left out are not looked at).
 */
export function parseAlertmanagerBody(raw: unknown, maxAlerts: number = MAX_ALERTS, positions?: readonly number[]): ParsedAlertmanagerBody {
  const cut = isObject(raw) && Array.isArray(raw.alerts) && raw.alerts.length > maxAlerts ? raw.alerts.length - maxAlerts : 0;
  const kept = cut > 0 ? { ...(raw as Json), alerts: (raw as { alerts: unknown[] }).alerts.slice(0, maxAlerts) } : raw;
  const quick = quickAlertmanagerBody(kept);
  const { body, rejected } = quick === undefined ? alertByAlert(kept, positions) : { body: quick, rejected: NONE };
  return { body: cut > 0 ? { ...body, truncatedAlerts: Math.min(body.truncatedAlerts + cut, Number.MAX_SAFE_INTEGER) } : body, rejected };
}

/** The slow path, for a body the quick check refused: the envelope, then each alert by itself. */
function alertByAlert(raw: unknown, positions: readonly number[] | undefined): ParsedAlertmanagerBody {
  const env = envelopeSchema.safeParse(raw);
  const items = env.success ? env.data.alerts : isObject(raw) && Array.isArray(raw.alerts) ? (raw.alerts as unknown[]) : [];
  const alerts: Alert[] = [];
  const rejected: RejectedAlert[] = [];
  const issues: z.core.$ZodIssue[] = env.success ? [] : [...env.error.issues];
  items.forEach((item, i) => {
    const parsed = alertmanagerAlertSchema.safeParse(item);
    if (parsed.success) {
      alerts.push(parsed.data);
      return;
    }
    const index = positions?.[i] ?? i;
    const own = parsed.error.issues.map((issue) => ({ ...issue, path: ['alerts', index, ...issue.path] }));
    issues.push(...own);
    rejected.push({ index, code: 'TOCSIN_ERR_INPUT_INVALID', message: `not a valid alert: ${problemsOf(own).join('; ')}`, alertname: alertnameOf(item) });
  });
  if (!env.success || (alerts.length === 0 && rejected.length > 0)) throw invalid(new z.ZodError(issues), WHAT);
  return { body: { ...env.data, alerts }, rejected };
}

function alertnameOf(item: unknown): string | undefined {
  const labels = isObject(item) ? item.labels : undefined;
  const name = isObject(labels) ? labels.alertname : undefined;
  return typeof name === 'string' ? name : undefined;
}
