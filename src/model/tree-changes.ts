/**
 * What a partner may change in the folder of a rule, besides transferring files: the rule
 * decides (`Rule.partnerChanges`), and when it says nothing the direction does. A partner may
 * organise what it delivers (receive rules: everything, on its own files), and may change
 * nothing of what it is meant to fetch (send rules).
 */
import type { Rule } from './entities.js';

export const treeChanges = ['mkdir', 'rmdir', 'remove', 'rename', 'setstat'] as const;
export type TreeChange = (typeof treeChanges)[number];

const receiveDefault: readonly TreeChange[] = treeChanges;
const sendDefault: readonly TreeChange[] = [];

export function isTreeChange(s: string): s is TreeChange {
  return (treeChanges as readonly string[]).includes(s);
}

/** The changes the direction allows when the rule does not say. */
export function defaultChanges(isSend: boolean): readonly TreeChange[] {
  return isSend ? sendDefault : receiveDefault;
}

/** The changes a partner may make in the rule's folder. */
export function allowedChanges(rule: Pick<Rule, 'isSend' | 'partnerChanges'>): readonly TreeChange[] {
  return rule.partnerChanges ?? defaultChanges(rule.isSend);
}
