/** What a UPS poll says: NUT's `ups.status` tokens and the figures tocsin reads from its variables. Pure. */

export const UPS_STATUS_TOKENS = ['OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD', 'ALARM'] as const;
export type UpsStatusToken = (typeof UPS_STATUS_TOKENS)[number];

export type UpsVars = Readonly<Record<string, string | number | boolean | null>>;

export interface UpsStatus {
  /** The known tokens present (order-free: `FSD OB DISCHRG LB` = `OB LB DISCHRG FSD`). */
  readonly flags: ReadonlySet<UpsStatusToken>;
  /** Tokens NUT may add that this version does not know (kept for the record). */
  readonly unknown: readonly string[];
}

const KNOWN: ReadonlySet<string> = new Set(UPS_STATUS_TOKENS);

/** `ups.status` is a space-separated set of tokens. */
export function parseUpsStatus(text: string): UpsStatus {
  const flags = new Set<UpsStatusToken>();
  const unknown: string[] = [];
  for (const raw of text.trim().split(/\s+/)) {
    if (raw === '') continue;
    const t = raw.toUpperCase();
    if (KNOWN.has(t)) flags.add(t as UpsStatusToken);
    else if (!unknown.includes(t)) unknown.push(t);
  }
  return { flags, unknown };
}

/** NUT sends every value as a string: "55", " 1200 ", "31.5". Anything not a finite number is undefined. */
export function upsNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** The figures tocsin reads from a poll (and mirrors as gauges). */
export interface UpsReadings {
  readonly status: UpsStatus | undefined;
  /** Percent. */
  readonly charge: number | undefined;
  /** Seconds. */
  readonly runtime: number | undefined;
  /** °C. */
  readonly temperature: number | undefined;
  /** Volts. */
  readonly inputVoltage: number | undefined;
  /** Percent. */
  readonly load: number | undefined;
}

export function readUps(vars: UpsVars | undefined): UpsReadings {
  const v = vars ?? {};
  const status = v['ups.status'];
  return {
    status: typeof status === 'string' ? parseUpsStatus(status) : undefined,
    charge: upsNumber(v['battery.charge']),
    runtime: upsNumber(v['battery.runtime']),
    temperature: upsNumber(v['ups.temperature']),
    inputVoltage: upsNumber(v['input.voltage']),
    load: upsNumber(v['ups.load']),
  };
}
