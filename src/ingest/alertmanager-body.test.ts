import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertmanagerBodySchema, parseAlertmanagerBody, quickAlertmanagerBody } from './alertmanager-body.js';

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
    expect(() => parseAlertmanagerBody({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { a: 1 } }] })).toThrow(/alerts/);
  });

  it('of more alerts than the cap (10 000 by default) keeps the first ones and counts the rest as left out, with those Alertmanager left out', () => {
    const alert = (i: number) => ({ status: 'firing', labels: { alertname: 'InstanceDown', instance: `node-${i}` } });
    const big = parseAlertmanagerBody({ version: '4', status: 'firing', truncatedAlerts: 3, alerts: Array.from({ length: 10_002 }, (_, i) => alert(i)) });
    expect(big.alerts).toHaveLength(10_000);
    expect(big.alerts[9_999]?.labels.instance).toBe('node-9999');
    expect(big.truncatedAlerts).toBe(5);
    // the ones left out are not looked at: a body the schema would refuse for one of them is kept in part
    const raw = { version: '4', status: 'firing', alerts: [alert(0), alert(1), { status: 'nonsense' }] };
    expect(parseAlertmanagerBody(raw, 2)).toMatchObject({ alerts: [alert(0), alert(1)], truncatedAlerts: 1 });
    expect(raw.alerts).toHaveLength(3); // the body given is left as it was
    expect(() => parseAlertmanagerBody(raw, 3)).toThrow(/alerts\.2/);
    expect(parseAlertmanagerBody({ ...raw, alerts: [alert(0)] }, 1).truncatedAlerts).toBe(0);
  });
});
