import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertmanagerAlertSchema, alertmanagerBodySchema, parseAlertmanagerBody, quickAlertmanagerBody } from './alertmanager-body.js';

/** A value of any JSON type, for a field that should have another. */
const stray = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.constant([]), fc.constant({}));
const labelSet = fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 });
/** A field: usually right, sometimes missing, sometimes of another type. */
const field = <T>(good: fc.Arbitrary<T>, mostlyGood: boolean) =>
  mostlyGood ? good : fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: stray, weight: 2 });
const optional = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function alertOf(valid: boolean) {
  return fc
    .record({
      status: field(fc.constantFrom('firing', 'resolved'), valid),
      labels: valid ? labelSet : fc.oneof(labelSet, stray, fc.dictionary(fc.string(), stray, { maxKeys: 3 })),
      annotations: valid ? fc.option(labelSet, { nil: undefined }) : field(labelSet, false),
      startsAt: valid ? fc.option(fc.string(), { nil: undefined }) : field(fc.string(), false),
      endsAt: valid ? fc.option(fc.string(), { nil: undefined }) : field(fc.string(), false),
      generatorURL: valid ? fc.option(fc.string(), { nil: undefined }) : field(fc.string(), false),
      fingerprint: valid ? fc.option(fc.string({ maxLength: 128 }), { nil: undefined }) : field(fc.string({ maxLength: 140 }), false),
      extra: fc.option(fc.jsonValue(), { nil: undefined }),
    })
    .map(optional);
}

function bodyOf(valid: boolean) {
  return fc
    .record({
      version: valid ? fc.constant('4') : fc.oneof(fc.constant('4'), fc.constant('3'), fc.constant(4), fc.constant(undefined)),
      groupKey: valid ? fc.option(fc.string(), { nil: undefined }) : field(fc.string(), false),
      truncatedAlerts: valid ? fc.option(fc.nat(), { nil: undefined }) : field(fc.oneof(fc.nat(), fc.integer({ min: -5, max: -1 }), fc.double({ noNaN: true })), false),
      status: field(fc.constantFrom('firing', 'resolved'), valid),
      receiver: valid ? fc.option(fc.string(), { nil: undefined }) : field(fc.string(), false),
      groupLabels: valid ? fc.option(labelSet, { nil: undefined }) : field(labelSet, false),
      commonLabels: valid ? fc.option(labelSet, { nil: undefined }) : field(labelSet, false),
      commonAnnotations: valid ? fc.option(labelSet, { nil: undefined }) : field(labelSet, false),
      externalURL: valid ? fc.option(fc.string(), { nil: undefined }) : field(fc.string(), false),
      alerts: valid ? fc.array(alertOf(true), { maxLength: 4 }) : fc.oneof(fc.array(fc.oneof(alertOf(false), stray), { maxLength: 4 }), stray),
      extra: fc.option(fc.jsonValue(), { nil: undefined }),
    })
    .map(optional);
}

/** What the schema says of a body, as JSON would carry it (the hot path only sees parsed JSON). */
function both(body: unknown) {
  const json = JSON.parse(JSON.stringify(body)) as unknown;
  return { quick: quickAlertmanagerBody(json), schema: alertmanagerBodySchema.safeParse(JSON.parse(JSON.stringify(body))) };
}

describe('quickAlertmanagerBody', () => {
  it('answers only for bodies the schema accepts, and then exactly with the schema output', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(bodyOf(true), bodyOf(false)), (body) => {
        const { quick, schema } = both(body);
        if (quick === undefined) return;
        answered++;
        expect(schema.success).toBe(true);
        expect(quick).toStrictEqual(schema.data);
      }),
      { numRuns: 3000 },
    );
    expect(answered).toBeGreaterThan(300);
  });

  it('answers for every well-formed body (but one with a label named __proto__): the schema is left the bodies it rejects', () => {
    fc.assert(
      fc.property(bodyOf(true), (body) => {
        fc.pre(!JSON.stringify(body).includes('"__proto__"')); // a label named so is left to the schema
        const { quick, schema } = both(body);
        expect(schema.success).toBe(true);
        expect(quick).toStrictEqual(schema.success ? schema.data : undefined);
      }),
      { numRuns: 1000 },
    );
  });

  it('takes every Alertmanager capture in the fixtures, as the schema does', () => {
    const dir = '../shared/fixtures/alertmanager';
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    let checked = 0;
    for (const f of files) {
      const raw = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as unknown;
      const schema = alertmanagerBodySchema.safeParse(raw);
      if (!schema.success) continue; // not a webhook body (an API capture)
      expect(quickAlertmanagerBody(raw), f).toStrictEqual(schema.data);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });
});

describe('parseAlertmanagerBody', () => {
  it('rejects with the schema account: code, and the path of what is wrong', () => {
    expect(() => parseAlertmanagerBody({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { a: 1 } }] })).toThrow(
      expect.objectContaining({ code: 'TOCSIN_ERR_INPUT_INVALID', httpStatus: 422 }),
    );
    expect(() => parseAlertmanagerBody({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { a: 1 } }] })).toThrow(/alerts\.0\.labels\.a/);
  });

  it('of more alerts than the cap (10 000 by default) keeps the first ones and counts the rest as left out, with those Alertmanager left out', () => {
    const alert = (i: number) => ({ status: 'firing', labels: { alertname: 'InstanceDown', instance: `node-${i}` } });
    const big = parseAlertmanagerBody({ version: '4', status: 'firing', truncatedAlerts: 3, alerts: Array.from({ length: 10_002 }, (_, i) => alert(i)) }).body;
    expect(big.alerts).toHaveLength(10_000);
    expect(big.alerts[9_999]?.labels.instance).toBe('node-9999');
    expect(big.truncatedAlerts).toBe(5);
    // the ones left out are not looked at: one the schema would refuse is not named
    const raw = { version: '4', status: 'firing', alerts: [alert(0), alert(1), { status: 'nonsense' }] };
    expect(parseAlertmanagerBody(raw, 2)).toMatchObject({ body: { alerts: [alert(0), alert(1)], truncatedAlerts: 1 }, rejected: [] });
    expect(raw.alerts).toHaveLength(3); // the body given is left as it was
    expect(parseAlertmanagerBody(raw, 3)).toMatchObject({ body: { alerts: [alert(0), alert(1)], truncatedAlerts: 0 }, rejected: [{ index: 2, message: expect.stringMatching(/alerts\.2\.status/) }] });
    expect(parseAlertmanagerBody({ ...raw, alerts: [alert(0)] }, 1).body.truncatedAlerts).toBe(0);
    // and a body cut whose kept alerts are all invalid is refused
    expect(() => parseAlertmanagerBody({ ...raw, alerts: [{ status: 'nonsense' }, alert(0)] }, 1)).toThrow(/alerts\.0\.status/);
  });
});

describe('a body with some invalid alerts', () => {
  const good = (n: string) => ({ status: 'firing', labels: { alertname: n, site: 'hq' }, startsAt: '2026-12-05T10:00:00Z' });
  const envelope = { version: '4', status: 'firing', groupKey: '{}:{}', receiver: 'tocsin' };

  it('keeps the valid alerts and names each invalid one by its index, code and what is wrong', () => {
    const fp = 'f'.repeat(129);
    const raw = { ...envelope, alerts: [good('A'), { ...good('B'), labels: { alertname: 'B', port: 8080 } }, 'not an alert', good('C'), { ...good('D'), status: 'pending' }, { ...good('E'), fingerprint: fp }] };
    const { body, rejected } = parseAlertmanagerBody(raw);
    expect(body.alerts.map((a) => a.labels.alertname)).toEqual(['A', 'C']);
    expect(body).toMatchObject({ version: '4', groupKey: '{}:{}', receiver: 'tocsin', truncatedAlerts: 0 });
    expect(rejected).toEqual([
      { index: 1, code: 'TOCSIN_ERR_INPUT_INVALID', message: 'not a valid alert: alerts.1.labels.port: Invalid input: expected string, received number', alertname: 'B' },
      { index: 2, code: 'TOCSIN_ERR_INPUT_INVALID', message: 'not a valid alert: alerts.2: Invalid input: expected object, received string', alertname: undefined },
      { index: 4, code: 'TOCSIN_ERR_INPUT_INVALID', message: expect.stringMatching(/^not a valid alert: alerts\.4\.status: /), alertname: 'D' },
      { index: 5, code: 'TOCSIN_ERR_INPUT_INVALID', message: expect.stringMatching(/^not a valid alert: alerts\.5\.fingerprint: Too big/), alertname: 'E' },
    ]);
    expect(JSON.stringify(rejected)).not.toContain('8080'); // what is wrong, never the value
  });

  it('names an alert by its place in the body as sent when some were taken out before (the Watchdog)', () => {
    const raw = { ...envelope, alerts: [good('A'), { status: 'firing', labels: { a: 1 } }] };
    expect(parseAlertmanagerBody(raw, 10, [2, 5]).rejected).toEqual([expect.objectContaining({ index: 5, message: expect.stringMatching(/alerts\.5\.labels\.a/) })]);
    expect(() => parseAlertmanagerBody({ ...raw, alerts: [raw.alerts[1]] }, 10, [3])).toThrow(/alerts\.3\.labels\.a/);
  });

  it('refuses the body whole when its envelope is wrong, or when it holds alerts and none is valid', () => {
    const bad = { status: 'firing', labels: { a: 1 } };
    expect(() => parseAlertmanagerBody({ ...envelope, alerts: [bad, 'x'] })).toThrow(expect.objectContaining({ code: 'TOCSIN_ERR_INPUT_INVALID', httpStatus: 422 }));
    expect(() => parseAlertmanagerBody({ ...envelope, version: '3', alerts: [good('A'), bad] })).toThrow(/version.*alerts\.1\.labels\.a/);
    expect(() => parseAlertmanagerBody({ ...envelope, truncatedAlerts: -1, alerts: [good('A')] })).toThrow(/truncatedAlerts/);
    expect(() => parseAlertmanagerBody({ ...envelope, alerts: {} })).toThrow(/alerts/);
    expect(parseAlertmanagerBody({ ...envelope, alerts: [] })).toMatchObject({ body: { alerts: [] }, rejected: [] });
  });

  it('for any body: the envelope decides, then each alert by itself as the schema judges it alone', () => {
    let partial = 0;
    fc.assert(
      fc.property(bodyOf(true), fc.array(fc.oneof(alertOf(true), alertOf(false), stray), { minLength: 1, maxLength: 6 }), fc.boolean(), (shell, mixed, envelopeBroken) => {
        const raw = JSON.parse(JSON.stringify({ ...shell, alerts: mixed, ...(envelopeBroken ? { version: 4 } : {}) })) as { alerts: unknown[] };
        const verdicts = raw.alerts.map((a) => alertmanagerAlertSchema.safeParse(a));
        const valid = verdicts.flatMap((v) => (v.success ? [v.data] : []));
        const invalid = verdicts.flatMap((v, i) => (v.success ? [] : [i]));
        if (envelopeBroken || valid.length === 0) {
          expect(() => parseAlertmanagerBody(raw)).toThrow(expect.objectContaining({ code: 'TOCSIN_ERR_INPUT_INVALID', httpStatus: 422 }));
          return;
        }
        const { body, rejected } = parseAlertmanagerBody(raw);
        expect(body.alerts).toStrictEqual(valid);
        expect(rejected.map((r) => r.index)).toEqual(invalid);
        if (invalid.length === 0) expect(body).toStrictEqual(alertmanagerBodySchema.parse(raw));
        else partial++;
      }),
      { numRuns: 2000 },
    );
    expect(partial).toBeGreaterThan(100);
  });
});
