/** The port of the pages an e-mail's acknowledge / resolve links open (channels/render/render-link-page.ts renders them). */
import type { Incident } from '../domain/incident.js';
import type { Recipient } from '../domain/ports.js';
import type { LinkAction } from './action-links.js';
import type { LinkOutcome } from './phone-actions.js';

/**
 * Who a page is for: the person the link was made for, else the locale the expired link carries, else
 * the one the browser asked for.
 */
export interface LinkReader {
  readonly person?: Recipient | undefined;
  /** Used when the person is not known (a link not valid, or someone no longer in the roster). */
  readonly wanted?: string | undefined;
}

export interface LinkPages {
  /** The locales the pages are written in (for the browser's Accept-Language, or a link's own). */
  readonly locales: readonly string[];
  /** GET: the incident and the button (or, when there is nothing left to do, why not). */
  confirm(reader: LinkReader, action: LinkAction, incident: Incident): string;
  /** POST: what the button did. */
  outcome(reader: LinkReader, action: LinkAction, outcome: LinkOutcome, incident: Incident): string;
  /** A link not valid or expired. */
  invalid(reader: LinkReader): string;
}
