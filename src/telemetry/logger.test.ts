import { describe, expect, it } from 'vitest';
import { redactText, redactValue } from './logger.js';

describe('redactText', () => {
  it.each([
    ['+15555550101', '***01'],
    ['+1 (555) 555-0101', '***01'],
    ['15555550101', '***01'],
    ['555-555-0101', '***01'],
    ['(555) 555-0101', '***01'],
    ['1 555 555 0101', '***01'],
    ['call 555 555 0101 now', 'call ***01 now'],
    ['lin.wei@example.com', '***@***.com'],
    // the domain too: one's own domain names its owner as well as the local part does
    ['ana@costa-family.name', '***@***.name'],
    ['ops@mail.dc1.example.org', '***@***.org'],
    ['＋１５５５５５５０１０１', '***01'],
    ['+44 20 7946 0958', '***58'],
    // national formats, without a country code: 9 digits or more in groups
    ['138 0013 8000', '***00'],
    ['138-0013-8000', '***00'],
    ['138.0013.8000', '***00'],
    ['13800138000', '***00'],
    ['020 7946 0958', '***58'],
    ['06 12 34 56 78', '***78'],
    ['06.12.34.56.78', '***78'],
    ['06-12-34-56-78', '***78'],
    ['(010) 6552 9988', '***88'],
    ['(010)6552-9988', '***88'],
    ['0049 30 901820', '***20'],
    ['site 138 0013 8000 on battery', 'site ***00 on battery'],
    ['call 138 0013 8000: no answer', 'call ***00: no answer'],
    ['(call 020 7946 0958)', '(call ***58)'],
    ['电话138 0013 8000，请回电', '电话***00，请回电'],
    ['１３８ ００１３ ８０００', '***00'],
    ['138 0013 8000 and 139 0013 9000', '***00 and ***00'],
    ['ｌｉｎ＠example.com', '***@***.com'],
    // a date or an IPv4 address beside a number is kept, and the number still masked
    ['2026-12-05 138 0013 8000', '2026-12-05 ***00'],
    ['10.0.0.1 13800138000', '10.0.0.1 ***00'],
    ['0755 8888 1234', '***34'],
    // more than 15 digits, or a list, is read part by part
    ['13800138000 13900139000', '***00 ***00'],
    ['ports 8080 13800138000 9090', 'ports 8080 ***00 9090'],
    ['+1 555 555 0101', '***01'],
    ['a@b.co c@d.org', '***@***.co ***@***.org'],
    ['<01K9-0-wang_fang-email-1@alerts.example.org>', '<***@***.org>'],
  ])('masks %s', (raw, masked) => {
    expect(redactText(raw)).toBe(masked);
  });
  it.each([
    '交接：您自11月24日周二 08:00起担任值班组长，接替Ana Costa。',
    '2026-12-05',
    '2026-12-05T10:00:00.000Z',
    '2026-12-05T10:00:00.000+08:00',
    '2026-12-05 10:00:00',
    'opened 2026-12-05 10:00, due 2026-12-05 10:05',
    '10:00:00',
    '192.168.100.200',
    '127.0.0.1:3493',
    '192.168.100.200:9100',
    'v1.22.333',
    '0.25.0',
    'alertmanager 0.25.0 at 10.10.100.200',
    'ups1',
    'tier 2 at 555 s',
    '1500 ms',
    '1500ms',
    'took 123456789ms',
    'took 1234.56789 s',
    'PT30M',
    '1h30m',
    '01KBZ3M2X4Q9V7T5R8N6J0H2G4',
    'drill-01KBZ3M2X4Q9V7T5R8N6J0H2G4',
    'incident 01KBZ0000000000000000000AB',
    `CA${'0123456789'.repeat(3)}ab`,
    `SM${'1'.repeat(32)}`,
    'am:7f5bef8d1e742f32',
    'acd:hq:main:surge:calls_waiting',
    'ups_123456789',
    '555-0101',
    '06 12 34 56',
    '***00~kdpaofbmgc',
    // dates, addresses, lists of numbers and ids are no phone numbers, whatever joins them
    'x 2026-12-05 2026-12-06',
    'since 2026-12-05 3 pages',
    'from 2026-12-05 to 2026-12-06',
    '2026-12-05-2026-12-06',
    '2026.12.05 2026.12.06',
    '192.168.1.10 5000 requests',
    '192.168.1.10:8080 5000 requests',
    '10.0.0.1 10.0.0.2 10.0.0.3',
    'ports 8080 8081 9090',
    'delay 1000 2000 4000 8000',
    'CVE-2024-12345678',
    'INC-123456789',
    '1234567890123456',
    '1.'.repeat(20) + 'a',
  ])('leaves %s alone', (text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe('redactText on long strings', () => {
  // the time a test may take bounds these: a pattern retried from each character would take seconds
  it('reads a long run of digits and dots once', () => {
    const text = '1.'.repeat(50_000) + 'a';
    expect(redactText(text)).toBe(text);
  });
  it('reads a long word with no address in it once', () => {
    const word = 'ab.c_d%e+f-'.repeat(10_000);
    expect(redactText(word)).toBe(word);
    expect(redactText(`${word}@`)).toBe(`${word}@`);
    expect(redactText(`${word} ${'ab'.repeat(20_000)}`)).toBe(`${word} ${'ab'.repeat(20_000)}`);
  });
  it('masks an address at the end of a long word', () => {
    expect(redactText(`${'x'.repeat(100_000)} lin.wei@example.com`)).toBe(`${'x'.repeat(100_000)} ***@***.com`);
  });
});

describe('redactValue', () => {
  it('masks numbers in strings, and leaves JSON numbers as they are', () => {
    expect(redactValue({ site: '138 0013 8000', queue: '020-7946-0958', at: 1_764_928_800_000, count: 138_0013_8000, nested: ['(010) 6552 9988'] })).toEqual({
      site: '***00',
      queue: '***58',
      at: 1_764_928_800_000,
      count: 138_0013_8000,
      nested: ['***88'],
    });
  });

  it("keeps the first frames of an error's stack, masked like the rest", () => {
    const e = new Error('upsd refused +15555550101');
    const out = redactValue(e) as { message: string; stack?: string };
    expect(out.message).toBe('upsd refused ***01');
    expect(out.stack).toMatch(/logger\.test\.ts/);
    expect(out.stack?.split('\n').length).toBeLessThanOrEqual(8);
  });
});

