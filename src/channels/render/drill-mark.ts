/** Drills say so first: the locale's DRILL mark (`drill` in writing, `drillSpoken` on calls) ahead of the text. */
import { tidy } from './fill-template.js';

export function drillMarked(drill: boolean | undefined, mark: string, text: string): string {
  return tidy([drill ? mark : '', text].filter((p) => p !== '').join(' '));
}
