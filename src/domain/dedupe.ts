/** Grouping: which incident an event merges into. */
import type { NormalizedEvent } from './event.js';

/**
 * Renders a class's group template ({class} {site} {group} {label.NAME}) for an event.
 * Values are escaped so that a label value can never forge another group.
 */
export function groupKeyFor(template: string, e: Pick<NormalizedEvent, 'class' | 'site' | 'groupHint' | 'labels'>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = name === 'class' ? e.class : name === 'site' ? e.site : name === 'group' ? e.groupHint : name.startsWith('label.') ? (e.labels[name.slice(6)] ?? '') : '';
    return encodeURIComponent(wellFormed(v));
  });
}

/** A lone UTF-16 surrogate (valid JSON, no character) becomes U+FFFD, as it does on its way to Redis. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd');
}
