/** `{name}` placeholders → values; empty values vanish together with the spaces around them. */

export type TemplateVars = Readonly<Record<string, string | number | undefined>>;

export function fillTemplate(template: string, vars: TemplateVars): string {
  const raw = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const v = vars[name];
    return v === undefined ? '' : String(v);
  });
  return tidy(raw);
}

/** Collapses the gaps left by empty placeholders: doubled spaces, a space before punctuation, "x: ." */
export function tidy(s: string): string {
  return s
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/ +([.,;:!?。，；：！？）])/g, '$1')
    .replace(/([:：])([.。])/g, '$2')
    .replace(/([（(])[ ]+/g, '$1')
    .replace(/([。，；：！？）])[ ]+/g, '$1')
    .replace(/\.{4,}/g, '...')
    .replace(/(?<!\.)\.\.(?!\.)/g, '.')
    .replace(/。+/g, '。')
    .replace(/([!?！？。])[.。]/g, '$1')
    .trim();
}

/** Drops trailing sentence punctuation so templates can add their own. */
export function stripEnd(s: string): string {
  return s.trim().replace(/[.。\s]+$/u, '');
}

/** Shortens to at most `max` characters (code points), marking the cut. */
export function shorten(s: string, max: number, mark = '...'): string {
  const cps = [...s];
  if (cps.length <= max) return s;
  return cps.slice(0, Math.max(0, max - [...mark].length)).join('').trimEnd() + mark;
}
