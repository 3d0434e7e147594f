/** The incident's timeline as lines a person can read (times in the reader's zone). */
import type { TimelineEntry } from '../../domain/incident.js';
import type { MessageLocale } from '../../config/messages-schema.js';
import { formatTime } from './page-context.js';

export interface TimelineLine {
  readonly at: string;
  readonly what: string;
  readonly detail: string;
}

/** Newest entries kept when the timeline is long. */
const MAX_LINES = 50;
const SKIP = new Set(['at', 'type']);

export function timelineLines(entries: readonly TimelineEntry[], timeZone: string, locale: MessageLocale): TimelineLine[] {
  const shown = entries.length > MAX_LINES ? entries.slice(entries.length - MAX_LINES) : entries;
  return shown.map((e) => ({
    at: formatTime(e.at, timeZone, locale).replace(/\s*[（(][^)）]*[)）]$/, ''),
    what: e.type.replace(/_/g, ' '),
    detail: Object.entries(e)
      .filter(([k, v]) => !SKIP.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && v !== '')
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', '),
  }));
}

/** How many entries were left out at the top. */
export function timelineOmitted(entries: readonly TimelineEntry[]): number {
  return Math.max(0, entries.length - MAX_LINES);
}
