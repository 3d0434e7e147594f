import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMessages, type MessagesConfig } from '../../config/messages-schema.js';
import { makeIncident, makeRecipient } from '../../../test/support/page-fixture.js';
import type { LinkPages } from '../../app/link-pages.js';
import { linkPageRenderer } from './render-link-page.js';

let pages: LinkPages;
let messages: MessagesConfig;
beforeAll(() => {
  messages = loadMessages(join(import.meta.dirname, '../../../config'));
  pages = linkPageRenderer(messages, 'Asia/Shanghai');
});

const lin = makeRecipient({ id: 'lin_wei', name: 'Lin Wei', locale: 'zh-CN' });

describe('the e-mail link page', () => {
  it("is in the person's locale, with the words of messages.yaml", () => {
    const html = pages.confirm({ person: lin, wanted: 'en' }, 'resolve', makeIncident({ drill: true }));
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain(`<h1>${messages.locales['zh-CN'].email.linkPage.titles.resolve}</h1>`);
    expect(html).toContain('<p><strong>[DRILL 演练]</strong></p>');
    expect(html).toContain('<tr><th>级别</th><td>3 (重大事件)</td></tr>');
    expect(html).toContain('<tr><th>发生时间</th><td>2026-11-23 18:00（Asia/Shanghai）</td></tr>');
    expect(html).toContain('<button type="submit">以Lin Wei身份解决</button>');
    expect(pages.outcome({ person: lin }, 'ack', 'already_resolved', makeIncident({ state: 'resolved', resolvedBy: 'omar_haddad' }))).toContain(
      '<h1>事件未变更</h1>',
    );
  });

  it('reads as before in English, and escapes what it shows', () => {
    const html = pages.confirm({ person: makeRecipient({ name: 'Omar <b>' }) }, 'ack', makeIncident({ summary: 'UPS <ups1> & co' }));
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Acknowledge incident</title>');
    expect(html).toContain('<tr><th>Class</th><td>Power failure</td></tr>');
    expect(html).toContain('<td>UPS &lt;ups1&gt; &amp; co</td>');
    expect(html).toContain('<form method="post"><button type="submit">Acknowledge as Omar &lt;b&gt;</button></form>');
    expect(pages.confirm({}, 'ack', makeIncident({ state: 'acknowledged' }))).toContain('<p>This incident was already acknowledged.</p>');
  });

  it('names who acknowledged or resolved by their roster name (anyone else by what they gave)', () => {
    const named = linkPageRenderer(messages, 'Asia/Shanghai', (id) => (id === 'omar_haddad' ? 'Omar Haddad' : undefined));
    const html = named.confirm({}, 'ack', makeIncident({ state: 'resolved', acknowledgedBy: 'omar_haddad', resolvedBy: 'ops-console' }));
    expect(html).toContain('<td>Omar Haddad</td>');
    expect(html).not.toContain('omar_haddad');
    expect(html).toContain('<td>ops-console</td>');
  });

  it('without a person: the locale asked for when the page has it, else the default; the centre\'s time zone', () => {
    const zh = pages.confirm({ wanted: 'zh-CN' }, 'ack', makeIncident());
    expect(zh).toContain('<button type="submit">确认</button>');
    expect(zh).toContain('2026-11-23 18:00（Asia/Shanghai）');
    expect(pages.invalid({ wanted: 'fr' })).toContain('<p>This link is not valid or has expired. Use the API or answer the latest page.</p>');
    expect(pages.invalid({ wanted: 'zh-CN' })).toContain('<title>链接无效</title>');
    expect(pages.locales).toEqual(['en', 'zh-CN']);
  });
});
