/**
 * Label values that come from telemetry (a UPS's name, a site, a queue) before they become metric
 * labels: a value that reads as a phone number or an e-mail address is masked as in the logs, with a
 * tag that tells two masked values apart (`***02~kdpaofbmgc`, `***@***.com~bhopjamcea`), and
 * at most `max` distinct label sets are admitted, so a sender cannot grow /metrics without bound.
 * The tag is a keyed hash (HMAC-SHA256 under the daemon's shared secret, 40 bits written as ten
 * letters a–p): the same on every replica and across restarts, different for different numbers
 * or addresses, and not to be turned back into the number by anyone without the key (an unkeyed
 * hash of a phone number could be, by hashing every number).
 */
import { createHmac } from 'node:crypto';
import { redactText } from './logger.js';

/** Hex digit → letter: a tag has no digits (masking it again changes nothing, and it never reads as a number). */
const LETTERS = 'abcdefghijklmnop';

/** `~` and ten letters from the keyed hash of what was masked. */
export function labelTag(key: string): (masked: string) => string {
  return (masked) => {
    const hex = createHmac('sha256', key).update(masked).digest('hex').slice(0, 10);
    let out = '~';
    for (const c of hex) out += LETTERS[Number.parseInt(c, 16)] ?? '';
    return out;
  };
}

/**
 * A mask of an older daemon's, written into the shared readings: one with no tag after it (`***02`,
 * as written before masks were tagged), or an address masked with its domain shown, tagged or not
 * (`***@example.com`, `***@example.com~bhopjamcea`, as written before the domain was masked too).
 * The guard never makes one (nor an untagged `***@***.com`), so such a series can only be an old
 * name of a device or queue that is reported under its present name now.
 */
const OUTDATED_MASK = /\*\*\*(?:(?:\d{2}(?!\d)|@\*\*\*\.[A-Za-z]+(?![A-Za-z0-9.-]))(?!~[a-p]{10})|@(?!\*\*\*\.)[A-Za-z0-9.-]+)/;

/** Whether any label value holds a mask an older daemon wrote (see OUTDATED_MASK). */
export function hasOutdatedMask(labels: Readonly<Record<string, string>>): boolean {
  return Object.values(labels).some((v) => OUTDATED_MASK.test(v));
}

/** Who holds a label set when the caller does not say. */
const ANYONE = '';

/**
 * At most `max` label sets at a time. Each admitted set is held by whoever admitted it (the
 * telemetry gauges, the surge tier), and its slot is free again once every holder has let it go: a
 * UPS or queue that left the gauges makes room for another.
 */
export class SeriesGuard {
  /** Admitted label sets (their key) and who holds each. */
  private readonly admitted = new Map<string, Set<string>>();
  /** Told already in this filling episode: set when a new label set is turned away, cleared once a slot is free again. */
  private warned = false;
  private readonly tag: (masked: string) => string;

  constructor(
    private readonly max: number,
    /** Told once per filling episode: when a new label set is first turned away, and again after slots freed and it filled anew. */
    private readonly onFull: (max: number) => void,
    /** Keys the tags of masked values (the same on every replica). */
    tagKey: string,
  ) {
    this.tag = labelTag(tagKey);
  }

  /** The label values to use (masked where need be), or undefined when the set is new and there is no room. */
  admit<T extends Record<string, string>>(labels: T, holder: string = ANYONE): T | undefined {
    const out = this.mask(labels);
    const key = JSON.stringify(out);
    let holders = this.admitted.get(key);
    if (!holders) {
      if (this.admitted.size >= this.max) {
        if (!this.warned) {
          this.warned = true;
          this.onFull(this.max);
        }
        return undefined;
      }
      holders = new Set();
      this.admitted.set(key, holders);
    }
    holders.add(holder);
    return out as T;
  }

  /** The key of a label set (as admitted: masked), to name it to `keepOnly`. */
  key(labels: Readonly<Record<string, string>>): string {
    return JSON.stringify(this.mask(labels));
  }

  /** Lets go every label set `holder` holds that `keep` does not name; a set nobody holds any more frees its slot. */
  keepOnly(holder: string, keep: (key: string) => boolean): void {
    for (const [key, holders] of this.admitted) {
      if (!holders.has(holder) || keep(key)) continue;
      holders.delete(holder);
      if (holders.size === 0) this.admitted.delete(key);
    }
    if (this.admitted.size < this.max) this.warned = false;
  }

  /** How many label sets are admitted (held by someone). */
  get size(): number {
    return this.admitted.size;
  }

  private mask(labels: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) out[k] = redactText(v, this.tag);
    return out;
  }
}
