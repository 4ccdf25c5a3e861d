import { applyPatch } from 'fast-json-patch';
import { LineCounter, parseAllDocuments, stringify, type Document } from 'yaml';
import { InvalidInputError, type InputProblem } from '../../src/errors';
import { NAMESPACE_LABEL, formatPodPath } from './annotations';
import type { InjectionConfig } from './injection-config';
import { InvalidPodError, NEVER_INJECTED_NAMESPACES, mutatePod, type PodLike } from './mutate-pod';

/**
 * `loom inject -f`: the webhook's patch applied offline to every pod template in a
 * multi-document YAML file, like `istioctl kube-inject`. Asking for it is the opt-in, so
 * only `loom.io/inject: "false"`, system namespaces and earlier injection leave a pod
 * alone. Every problem in every document is reported and nothing is printed unless all
 * documents are fine. Other kinds pass through unchanged.
 */
export interface InjectedManifests {
  text: string;
  /** One line per pod template: what happened to it. */
  report: string[];
}

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

type Json = Record<string, unknown>;

export function injectManifests(text: string, source: string, config: InjectionConfig): InjectedManifests {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true });
  const docs: Document.Parsed[] = Array.isArray(documents) ? documents : [documents as unknown as Document.Parsed];
  const problems: InputProblem[] = [];
  const report: string[] = [];
  const out: string[] = [];

  docs.forEach((doc, i) => {
    const document = i + 1;
    const lineOf = (path: (string | number)[]) => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0] ?? doc.contents?.range?.[0];
      return offset === undefined ? undefined : lines.linePos(offset).line;
    };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push({ source, document, line: e.linePos?.[0]?.line, message: `invalid YAML: ${e.message.split('\n')[0]}` });
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ source, document, line: lineOf([]), message: 'expected a Kubernetes object (a mapping with apiVersion and kind)' });
      return;
    }
    const injectOne = (object: Json, at: (string | number)[], namespace: string | undefined) => {
      const kind = String(object.kind);
      const resource = `${kind} ${String((object.metadata as Json | undefined)?.name ?? '(unnamed)')}`;
      const templatePath = TEMPLATE_PATHS[kind];
      if (!templatePath) return;
      const template = templatePath.reduce<unknown>((o, k) => (o as Json | undefined)?.[k], object) as PodLike | undefined;
      const where = `document ${document} (${resource})`;
      if (typeof template !== 'object' || template === null) {
        problems.push({ source, document, resource, line: lineOf(at), path: templatePath.join('.'), message: `expected the pod template of a ${kind} here` });
        return;
      }
      if (namespace && NEVER_INJECTED_NAMESPACES.includes(namespace)) {
        report.push(`${where}: not injected: namespace ${namespace} is never injected`);
        return;
      }
      try {
        const mutation = mutatePod(template, { [NAMESPACE_LABEL.key]: NAMESPACE_LABEL.enabled }, config, source);
        if (!mutation.injected) {
          report.push(`${where}: not injected: ${mutation.reason}`);
          return;
        }
        applyPatch(template, mutation.patch, true, true);
        report.push(`${where}: injected`, ...mutation.warnings.map((w) => `${where}: warning: ${w}`));
      } catch (err) {
        if (!(err instanceof InvalidPodError)) throw err;
        for (const p of err.podProblems) {
          const path = [...at, ...templatePath, ...p.path];
          problems.push({ source, document, resource, line: lineOf(path), path: formatPodPath(path), message: p.message });
        }
      }
    };

    const object = value as Json;
    if (object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item, j) => {
        if (typeof item === 'object' && item !== null) injectOne(item as Json, ['items', j], namespaceOf(item as Json));
      });
    } else {
      injectOne(object, [], namespaceOf(object));
    }
    // No folding (the bootstrap annotation is one long line) and no YAML anchors for shared values.
    out.push(stringify(object, { lineWidth: 0, aliasDuplicateObjects: false }));
  });

  if (problems.length > 0) throw new InvalidInputError(problems);
  return { text: out.join('---\n'), report };
}

function namespaceOf(object: Json): string | undefined {
  const ns = (object.metadata as Json | undefined)?.namespace;
  return typeof ns === 'string' ? ns : undefined;
}
