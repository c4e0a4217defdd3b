/**
 * Ways to write a rule. Most rules judge the objects of the input one at a time (every Service,
 * every pod template, every container, …): `perObjectRule`, `perSpecRule`, `perPodRule` and
 * `perContainerRule` own that loop and hand the check a `report` bound to the rule and the object,
 * so a check holds only its judgement. Rules that weigh objects against each other use
 * `inputRule`, whose `report` names the object.
 */
import { FindingText, ManifestObject, PolicyRule, RuleInfo } from '../findings';
import { containersOf, ctxOf, PodTemplate, PolicyContext } from './_context';

/** Files a finding of the rule against the object being judged, or against `on` (an object that decides the verdict, such as a pod's autoscaler). */
export type Report = (text: FindingText, on?: ManifestObject) => void;

/** Files a finding of the rule against an object. */
export type ReportOn = (object: ManifestObject, text: FindingText) => void;

/** Records that the rule could not judge something, and why. */
export type Skip = (reason: string) => void;

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
      for (const object of select(ctx)) judge(object, (text, on = object) => ctx.report(info, on, text), ctx);
    },
  };
}

/** A rule that judges only the `spec` of each selected object (as the manifest has it, possibly absent). */
export function perSpecRule(
  info: RuleInfo,
  select: ObjectSelection,
  judge: (spec: any, report: Report, object: ManifestObject) => void,
): PolicyRule {
  return perObjectRule(info, select, (object, report) => judge(object.manifest.spec, report, object));
}

/** A rule that judges each pod template (of a workload object or a Pod) on its own; findings name its object unless `on` is given. */
export function perPodRule(info: RuleInfo, judge: (pod: PodTemplate, report: Report, ctx: PolicyContext) => void): PolicyRule {
  return {
    ...info,
    check(context) {
      const ctx = ctxOf(context);
      for (const pod of ctx.pods) judge(pod, (text, on = pod.object) => ctx.report(info, on, text), ctx);
    },
  };
}

/** A rule that judges each container in the container `fields` of every pod on its own; `path` is the container's. */
export function perContainerRule(
  info: RuleInfo,
  fields: readonly string[],
  judge: (container: any, path: string, report: Report, pod: PodTemplate) => void,
): PolicyRule {
  return perPodRule(info, (pod, report) => {
    for (const { container, path } of containersOf(pod, fields)) judge(container, path, report, pod);
  });
}

/** A rule that judges the input as a whole, e.g. objects against each other; `report` and `skip` are bound to the rule. */
export function inputRule(info: RuleInfo, judge: (ctx: PolicyContext, report: ReportOn, skip: Skip) => void): PolicyRule {
  return {
    ...info,
    check(context) {
      const ctx = ctxOf(context);
      judge(
        ctx,
        (object, text) => ctx.report(info, object, text),
        (reason) => ctx.skip(info, reason),
      );
    },
  };
}
