import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMessages, type MessagesConfig } from '../../config/messages-schema.js';
import { makeIncident, makePage, makeRecipient } from '../../../test/support/page-fixture.js';
import { renderVoice } from '../render/render-voice.js';
import { buildGatherReplyTwiml, buildMessagingTwiml, buildVoiceTwiml } from './twiml.js';

const ACTION = 'https://tocsin.example.test/twilio/voice/gather?n=n-1';
let messages: MessagesConfig;
beforeAll(() => {
  messages = loadMessages(join(import.meta.dirname, '../../../config'));
});

describe('buildVoiceTwiml', () => {
  it('speaks class, site, level and summary inside a one-key Gather posting to the action URL', () => {
    const xml = buildVoiceTwiml(renderVoice(messages, makePage({ channel: 'voice' })), ACTION, 8);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response><Gather')).toBe(true);
    expect(xml).toContain(`<Gather input="dtmf" numDigits="1" action="${ACTION}" method="POST" timeout="8" actionOnEmptyResult="false"><Say voice="alice" language="en-US">ALERT. Power failure at site hq. Level 3, major. UPS ups1 on battery.</Say>`);
    expect(xml).toContain('<Say voice="alice" language="en-US">Press 4 to acknowledge, 6 to resolve, 5 to escalate now, or star to repeat.</Say></Gather>');
    expect(xml.endsWith('<Say voice="alice" language="en-US">No input received. Goodbye.</Say><Hangup/></Response>')).toBe(true);
  });

  it('waits the given key timeout in both menus (daemon.yaml channels.twilio.voice.keyTimeout)', () => {
    const xml = buildVoiceTwiml(renderVoice(messages, makePage({ channel: 'voice' })), ACTION, 15);
    expect(xml.match(/<Gather [^>]*timeout="15"/g)).toHaveLength(2);
    expect(xml).not.toContain('timeout="8"');
  });

  it('speaks Chinese with language="zh-CN"', () => {
    const xml = buildVoiceTwiml(renderVoice(messages, makePage({ channel: 'voice', recipient: makeRecipient({ locale: 'zh-CN' }) })), ACTION, 8);
    expect(xml).toContain('<Say voice="alice" language="zh-CN">告警。hq站点发生电力故障。级别3级，重大事件。UPS ups1 on battery。</Say>');
    expect(xml).toContain('<Say voice="alice" language="zh-CN">确认请按4，解决请按6，立即升级请按5，重听请按星号键。</Say>');
    expect(xml).not.toContain('en-US');
  });

  it('an all-clear call just speaks and hangs up', () => {
    const xml = buildVoiceTwiml(renderVoice(messages, makePage({ phase: 'all_clear', incident: makeIncident({ state: 'resolved' }) })), ACTION, 8);
    expect(xml).not.toContain('<Gather');
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice" language="en-US">ALL CLEAR. Power failure at site hq is over. UPS ups1 on battery.</Say><Hangup/></Response>');
  });

  it('escapes what it speaks and stays under the inline TwiML limit', () => {
    const xml = buildVoiceTwiml(renderVoice(messages, makePage({ incident: makeIncident({ summary: `Room <A> & ${'x'.repeat(5000)}` }) })), ACTION, 8);
    expect(xml).toContain('Room &lt;A&gt; &amp; x');
    expect(xml.length).toBeLessThan(4000);
  });
});

describe('buildGatherReplyTwiml', () => {
  const en = () => messages.locales.en;
  it('confirms an acknowledgement and hangs up', () => {
    expect(buildGatherReplyTwiml(en(), { kind: 'acknowledged' }, ACTION, 8)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice" language="en-US">Acknowledged. Thank you.</Say><Hangup/></Response>',
    );
  });

  it('repeats the page and the menu on *', () => {
    const script = renderVoice(messages, makePage());
    const xml = buildGatherReplyTwiml(en(), { kind: 'repeat', script }, ACTION, 12);
    expect(xml).toContain(`<Gather input="dtmf" numDigits="1" action="${ACTION}" method="POST" timeout="12"`);
    expect(xml).toContain(script.say);
    expect(xml).toContain(en().voice.menu);
  });

  it('on a drill call every answer says first that it is a drill, as the page did', () => {
    expect(buildGatherReplyTwiml(en(), { kind: 'acknowledged', drill: true }, ACTION, 8)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice" language="en-US">This is a drill. Acknowledged. Thank you.</Say><Hangup/></Response>',
    );
    const words = en().voice;
    for (const [kind, text] of [['resolved', words.resolved], ['escalated', words.escalated], ['no_further_tier', words.noFurtherTier], ['already_resolved', words.alreadyResolved], ['not_active', words.notActive]] as const) {
      expect(buildGatherReplyTwiml(en(), { kind, drill: true }, ACTION, 8), kind).toContain(`>This is a drill. ${text}</Say>`);
    }
    expect(buildGatherReplyTwiml(en(), { kind: 'invalid_key', drill: true }, ACTION, 8)).toContain('>This is a drill. Sorry, that key is not on the menu.</Say>');
    expect(buildGatherReplyTwiml(en(), { kind: 'repeat', drill: true }, ACTION, 8)).toContain(`>This is a drill. ${words.menu}</Say>`);
    // the repeated page carries its own mark, once
    const script = renderVoice(messages, makePage({ incident: makeIncident({ drill: true }) }));
    const again = buildGatherReplyTwiml(en(), { kind: 'repeat', script, drill: true }, ACTION, 8);
    expect(again.match(/This is a drill\./g)).toHaveLength(1);
    expect(again).toContain(`>${script.say}</Say>`);
    expect(buildGatherReplyTwiml(messages.locales['zh-CN'], { kind: 'acknowledged', drill: true }, ACTION, 8)).toContain('<Say voice="alice" language="zh-CN">这是一次演练。已确认，谢谢。</Say>');
    expect(buildGatherReplyTwiml(en(), { kind: 'acknowledged', drill: false }, ACTION, 8)).not.toContain('drill');
  });

  it('an invalid key says so and offers the menu again', () => {
    const xml = buildGatherReplyTwiml(messages.locales['zh-CN'], { kind: 'invalid_key' }, ACTION, 8);
    expect(xml).toContain('<Say voice="alice" language="zh-CN">对不起，该按键无效。</Say><Gather');
    expect(xml).toContain('确认请按4');
  });
});

describe('buildMessagingTwiml', () => {
  it('a reply message, or nothing', () => {
    expect(buildMessagingTwiml('Acknowledged 12.')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Acknowledged 12.</Message></Response>');
    expect(buildMessagingTwiml()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
});
