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
    ['lin.wei@example.com', '***@example.com'],
    ['＋１５５５５５５０１０１', '***01'],
    ['ｌｉｎ＠example.com', '***@example.com'],
  ])('masks %s', (raw, masked) => {
    expect(redactText(raw)).toBe(masked);
  });
  it.each(['交接：您自11月24日周二 08:00起担任值班组长，接替Ana Costa。', '2026-12-05', '2026-12-05T10:00:00.000Z', '10:00:00', '192.168.100.200', '127.0.0.1:3493', 'v1.22.333', 'ups1', 'tier 2 at 555 s', '1500 ms'])('leaves %s alone', (text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe('redactValue', () => {
  it("keeps the first frames of an error's stack, masked like the rest", () => {
    const e = new Error('upsd refused +15555550101');
    const out = redactValue(e) as { message: string; stack?: string };
    expect(out.message).toBe('upsd refused ***01');
    expect(out.stack).toMatch(/logger\.test\.ts/);
    expect(out.stack?.split('\n').length).toBeLessThanOrEqual(8);
  });
});

