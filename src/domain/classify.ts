/** Alertmanager alert → incident class and level, by the rules in sources.yaml. */
import type { SourcesConfig } from '../config/schema.js';
import { clampLevel, maxLevel, type Level } from './event.js';

export interface Classification {
  readonly class: string;
  readonly level: Level;
  /** Which rule decided (`label`, a rule name or index, or `default`). */
  readonly rule: string;
}

export interface CompiledRules {
  readonly rules: readonly { readonly name: string; readonly match: readonly (readonly [string, RegExp])[]; readonly class: string; readonly level?: Level | undefined }[];
}

export function compileRules(am: SourcesConfig['alertmanager']): CompiledRules {
  return {
    rules: am.rules.map((r, i) => ({
      name: r.name ?? `rule ${i}`,
      match: Object.entries(r.match).map(([label, re]) => [label, new RegExp(`^(?:${re})$`)] as const),
      class: r.class,
      level: r.level === undefined ? undefined : clampLevel(r.level),
    })),
  };
}

/** True when every matcher matches; a missing label is matched as "". */
export function labelsMatch(labels: Readonly<Record<string, string>>, match: readonly (readonly [string, RegExp])[]): boolean {
  return match.every(([label, re]) => re.test(labels[label] ?? ''));
}

/** The value of an alert's class label when it names no incident class (the rules decide then). */
export function unknownClassLabel(labels: Readonly<Record<string, string>>, am: Pick<SourcesConfig['alertmanager'], 'classLabel'>, classLevels: Readonly<Record<string, number>>): string | undefined {
  const named = labels[am.classLabel];
  return named && classLevels[named] === undefined ? named : undefined;
}

export function classifyAlert(
  labels: Readonly<Record<string, string>>,
  am: SourcesConfig['alertmanager'],
  compiled: CompiledRules,
  classLevels: Readonly<Record<string, number>>,
): Classification {
  const hinted = am.severityLevels[labels[am.severityLabel] ?? ''];
  const pick = (klass: string, rule: string, ruleLevel?: Level): Classification => {
    const base = clampLevel(classLevels[klass] ?? 1);
    // The class's level, raised by the severity hint and by the rule's threshold.
    let level = hinted === undefined ? base : maxLevel(base, clampLevel(hinted));
    if (ruleLevel !== undefined) level = maxLevel(level, ruleLevel);
    return { class: klass, level, rule };
  };
  const named = labels[am.classLabel];
  if (named && classLevels[named] !== undefined) return pick(named, 'label');
  // a class label naming no class: the rules decide, and the record says why the label was not used
  const unknown = unknownClassLabel(labels, am, classLevels);
  const aside = unknown ? ` (${am.classLabel} "${unknown}" is no class)` : '';
  for (const r of compiled.rules) if (labelsMatch(labels, r.match)) return pick(r.class, `${r.name}${aside}`, r.level);
  return pick(am.defaultClass, `default${aside}`);
}
