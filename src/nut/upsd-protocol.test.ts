import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertVars, parseErr, parseListVar, parseVarLine, quoteWord, splitWords } from './upsd-protocol.js';

const TRANSCRIPT = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'nut', 'upsd-tcp-protocol-transcript.txt');

/** The replies (`<<<` lines) that followed `>>> LIST VAR ups1` in the captured transcript. */
function capturedListVarReply(): string[] {
  const lines = readFileSync(TRANSCRIPT, 'utf8').split('\n');
  const start = lines.indexOf('>>> LIST VAR ups1');
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('<<< ')) break;
    out.push(l.slice(4));
  }
  return out;
}

describe('upsd protocol words', () => {
  it('splits on spaces, groups double-quoted words and unescapes \\" and \\\\', () => {
    expect(splitWords('VAR ups1 ups.status "OL CHRG"')).toEqual(['VAR', 'ups1', 'ups.status', 'OL CHRG']);
    expect(splitWords('VAR ups1 ups.alarm "said \\"hi\\" at C:\\\\ups"')).toEqual(['VAR', 'ups1', 'ups.alarm', 'said "hi" at C:\\ups']);
    expect(splitWords('VAR ups1 x ""')).toEqual(['VAR', 'ups1', 'x', '']);
    expect(splitWords('  END   LIST VAR ups1 ')).toEqual(['END', 'LIST', 'VAR', 'ups1']);
  });
  it('quotes request words only when needed', () => {
    expect(quoteWord('ups1')).toBe('ups1');
    expect(quoteWord('my "ups"')).toBe('"my \\"ups\\""');
  });
  it('reads VAR and ERR lines', () => {
    expect(parseVarLine('VAR ups1 battery.charge "100"')).toEqual({ ups: 'ups1', name: 'battery.charge', value: '100' });
    expect(parseVarLine('BEGIN LIST VAR ups1')).toBeUndefined();
    expect(parseErr('ERR DRIVER-NOT-CONNECTED')).toBe('DRIVER-NOT-CONNECTED');
    expect(parseErr('ERR DATA-STALE')).toBe('DATA-STALE');
    expect(parseErr('OK Goodbye')).toBeUndefined();
  });
});

describe('LIST VAR replies', () => {
  it('parses the captured upsd 2.8.0 reply into every variable', () => {
    const reply = capturedListVarReply();
    expect(reply[0]).toBe('BEGIN LIST VAR ups1');
    const r = parseListVar(reply, 'ups1');
    expect(r?.ok).toBe(true);
    if (!r?.ok) return;
    expect(Object.keys(r.vars)).toHaveLength(reply.length - 2);
    expect(r.vars['ups.status']).toBe('OL CHRG');
    expect(r.vars['battery.charge']).toBe('100');
    expect(r.vars['device.model']).toBe('SimUPS 1500');
    expect(r.vars['ups.test.result']).toBe('Done and passed');
  });
  it('is incomplete until END LIST VAR arrives', () => {
    const reply = capturedListVarReply();
    expect(parseListVar(reply.slice(0, 5), 'ups1')).toBeUndefined();
    expect(parseListVar([], 'ups1')).toBeUndefined();
  });
  it('returns upsd errors as results', () => {
    expect(parseListVar(['ERR DRIVER-NOT-CONNECTED'], 'ups1')).toEqual({ ok: false, error: 'DRIVER-NOT-CONNECTED' });
    expect(parseListVar(['ERR DATA-STALE'], 'ups1')).toEqual({ ok: false, error: 'DATA-STALE' });
    expect(parseListVar(['ERR UNKNOWN-UPS'], 'nosuchups')).toEqual({ ok: false, error: 'UNKNOWN-UPS' });
  });
  it('flags a reply for another ups as a protocol problem', () => {
    expect(parseListVar(['BEGIN LIST VAR ups2', 'END LIST VAR ups2'], 'ups1')).toMatchObject({ ok: false, error: expect.stringMatching(/^PROTOCOL:/) });
  });
});

describe('convertVars', () => {
  it('turns numeric values into numbers and leaves text and identifiers alone', () => {
    const r = parseListVar(capturedListVarReply(), 'ups1');
    if (!r?.ok) throw new Error('fixture did not parse');
    const v = convertVars({ ...r.vars, 'ups.serial': '0001234', 'ups.id': '42', 'input.voltage': '0.0', 'ups.delay.shutdown': '-1' });
    expect(v).toMatchObject({
      'battery.charge': 100,
      'battery.runtime': 2400,
      'battery.voltage': 27.1,
      'ups.temperature': 31.5,
      'input.voltage': 0,
      'ups.delay.shutdown': -1,
      'ups.status': 'OL CHRG',
      'battery.type': 'PbAc',
      'driver.version': '2.8.0',
      'driver.parameter.pollinterval': '2',
      'ups.serial': '0001234',
      'ups.id': '42',
    });
  });
});
