/**
 * Ways to write a rule. Most rules judge the objects of the input one at a time (every Service,
 * every pod template, …): `perObjectRule` and `perPodRule` own that loop and hand the check a
 * `report` bound to the rule and the object, so a check holds only its judgement.
 */
import { FindingText, ManifestObject, PolicyRule, RuleInfo } from '../findings';
import { ctxOf, PodTemplate, PolicyContext } from './_context';

/** Files a finding of the rule against the object being judged. */
export type Report = (text: FindingText) => void;

/** Picks the objects a rule judges from the input. */
export type ObjectSelection = (ctx: PolicyContext) => readonly ManifestObject[];

/** The objects of one kind in one API group (`''` for the core group). */
export function ofKind(group: string, kind: string): ObjectSelection {
  return (ctx) => ctx.ofKind(group, kind);
}

/** Every object of the input. */
export const allObjects: ObjectSelection = (ctx) => ctx.objects;

/** A rule that judges each selected object on its own. */
export function perObjectRule(
  info: RuleInfo,
  select: ObjectSelection,
  judge: (object: ManifestObject, report: Report, ctx: PolicyContext) => void,
): PolicyRule {
  return {
    ...info,
    check(context) {
      const ctx = ctxOf(context);
      for (const object of select(ctx)) judge(object, (text) => ctx.report(info, object, text), ctx);
    },
  };
}

/** A rule that judges each pod template (of a workload object or a Pod) on its own; findings name its object. */
export function perPodRule(info: RuleInfo, judge: (pod: PodTemplate, report: Report, ctx: PolicyContext) => void): PolicyRule {
  return {
    ...info,
    check(context) {
      const ctx = ctxOf(context);
      for (const pod of ctx.pods) judge(pod, (text) => ctx.report(info, pod.object, text), ctx);
    },
  };
}
