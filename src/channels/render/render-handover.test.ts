import { describe, expect, it } from 'vitest';
import { loadMessages } from '../../config/messages-schema.js';
import type { Incident } from '../../domain/incident.js';
import type { HandoverFacts, Recipient } from '../../domain/ports.js';
import { renderHandover } from './render-handover.js';

const messages = loadMessages('config');
const AT = Date.parse('2026-11-24T00:00:00Z'); // 08:00 in Shanghai
const ana: Recipient = { id: 'ana_costa', name: 'Ana Costa', locale: 'en', timezone: 'Asia/Shanghai' };
const lin: Recipient = { id: 'lin_wei', name: 'Lin Wei', locale: 'zh-CN', timezone: 'Asia/Shanghai' };
const grace: Recipient = { id: 'grace_okafor', name: 'Grace Okafor', locale: 'en', timezone: 'Asia/Shanghai' };
const inc = (klass: string, site: string) => ({ id: `${klass}-${site}`, class: klass, site }) as unknown as Incident;

function facts(f: Partial<HandoverFacts>): HandoverFacts {
  return { recipient: ana, side: 'incoming', roleName: 'Duty team lead', at: AT, from: [lin], to: [ana], open: [], ...f };
}

describe('renderHandover', () => {
  it('tells the incoming who they take over from, in their time zone', () => {
    const r = renderHandover(messages, facts({}), 5);
    expect(r).toEqual({
      locale: 'en',
      subject: '[HANDOVER] Duty team lead, Tue 24 Nov, 08:00',
      text: 'HANDOVER: you hold Duty team lead from Tue 24 Nov, 08:00, taking over from Lin Wei.',
      sms: 'HANDOVER: you hold Duty team lead from Tue 24 Nov, 08:00, taking over from Lin Wei.',
    });
    expect(renderHandover(messages, facts({ recipient: { ...ana, timezone: 'Europe/Lisbon' } }), 5).text).toContain('from Tue 24 Nov, 00:00');
    expect(renderHandover(messages, facts({ recipient: { ...ana, timezone: 'Not/AZone' } }), 5).text).toContain('from Tue 24 Nov, 00:00'); // UTC
  });

  it('names the open incidents (short names by SMS); past the list size their number leads', () => {
    const two = renderHandover(messages, facts({ open: [inc('app_network_acd', 'hq'), inc('power', 'branch')] }), 5);
    expect(two.text).toBe('HANDOVER: you hold Duty team lead from Tue 24 Nov, 08:00, taking over from Lin Wei. Still open: Application, network or ACD outage (hq); Power failure (branch).');
    expect(two.sms).toBe('HANDOVER: you hold Duty team lead from Tue 24 Nov, 08:00, taking over from Lin Wei. Still open: App/network/ACD outage (hq); Power failure (branch).');
    const seven = renderHandover(messages, facts({ open: Array.from({ length: 7 }, (_, i) => inc('power', `s${i}`)) }), 2);
    expect(seven.text).toBe('HANDOVER: you hold Duty team lead from Tue 24 Nov, 08:00, taking over from Lin Wei. 7 incidents still open, the most severe: Power failure (s0); Power failure (s1).');
  });

  it('tells the outgoing who takes over, never the open incidents', () => {
    const r = renderHandover(messages, facts({ recipient: lin, side: 'outgoing', to: [ana, grace], open: [inc('power', 'hq')] }), 5);
    expect(r.locale).toBe('zh-CN');
    expect(r.text).toBe('交接：值班组长将于11月24日周二 08:00由您交给Ana Costa、Grace Okafor。');
    expect(r.subject).toBe('[交接] 值班组长：11月24日周二 08:00');
  });

  it('says "nobody" for an empty side', () => {
    expect(renderHandover(messages, facts({ from: [] }), 5).text).toContain('taking over from nobody.');
    expect(renderHandover(messages, facts({ recipient: lin, side: 'outgoing', to: [] }), 5).text).toContain('由您交给无人');
  });
});
