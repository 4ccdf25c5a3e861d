import type { Mesh } from './mesh';
import { formatSelector, ruleOf, selects, type SecurityGroup, type Selector, type SgExport } from './security-group';

/**
 * What makes a set of SecurityGroups wrong together with the rest of the mesh: names that
 * do not resolve, groups that include themselves, exports of things that are not the
 * group's, and the same thing exported to the same group twice.
 *
 * These are checked on the resources as written, never on which endpoints exist: an
 * endpoint a CNI ADD registers must never be refused because of a group. So "an export
 * exposes members only" is proven from the group's definition (a member service, or a
 * selector narrowing a member selector), and exports overlap when one provably exposes what
 * another already does (the same service, or nested selectors) to the same group.
 */

export interface GroupProblem {
  /** `SecurityGroup web` */
  resource: string;
  path: string;
  message: string;
}

export function securityGroupProblems(mesh: Mesh): GroupProblem[] {
  const problems: GroupProblem[] = [];
  const groups = Object.values(mesh.securityGroups).sort((a, b) => compare(a.name, b.name));
  const knownGroups = groups.map((g) => g.name);
  const knownServices = Object.keys(mesh.services).sort();
  const missing = (what: 'group' | 'service', name: string) => {
    const known = what === 'group' ? knownGroups : knownServices;
    return `${what} "${name}" does not exist; known ${what}s: ${known.join(', ') || '(none)'}`;
  };

  for (const group of groups) {
    const problem = (path: string, message: string) => problems.push({ resource: `SecurityGroup ${group.name}`, path, message });
    /** Whether the group or service exists; a problem at `path` if not. */
    const exists = (what: 'group' | 'service', path: string, name: string) => {
      const found = what === 'group' ? Object.hasOwn(mesh.securityGroups, name) : Object.hasOwn(mesh.services, name);
      if (!found) problem(path, missing(what, name));
      return found;
    };
    const checkService = (path: string, name: string) => exists('service', path, name);
    const checkGroup = (path: string, name: string) => exists('group', path, name);

    group.members.services?.forEach((s, i) => checkService(`members.services[${i}]`, s));
    group.members.groups?.forEach((g, i) => {
      if (!checkGroup(`members.groups[${i}]`, g)) return;
      const cycle = pathBack(mesh, g, group.name);
      if (cycle) problem(`members.groups[${i}]`, `group "${group.name}" would include itself: ${[group.name, ...cycle].join(' → ')}`);
    });
    for (const direction of ['ingress', 'egress'] as const) {
      group[direction]?.forEach((rule, r) => {
        const side = direction === 'ingress' ? 'from' : 'to';
        ruleOf(rule).peers.forEach((peer, p) => {
          if (peer.group !== undefined) checkGroup(`${direction}[${r}].${side}[${p}].group`, peer.group);
          if (peer.service !== undefined) checkService(`${direction}[${r}].${side}[${p}].service`, peer.service);
        });
      });
    }
    group.exports?.forEach((exp, e) => {
      exp.to.forEach((target, t) => checkGroup(`exports[${e}].to[${t}]`, target));
      if (exp.service !== undefined) {
        if (!checkService(`exports[${e}].service`, exp.service)) return;
        const services = memberServices(mesh, group);
        if (!services.has(exp.service)) {
          problem(`exports[${e}].service`, `service "${exp.service}" is not a member of group "${group.name}" (member services: ${[...services].sort().join(', ') || '(none)'}); a group exports only its own members: add it to members.services`);
        }
      } else if (exp.selector !== undefined) {
        const selectors = memberSelectors(mesh, group);
        if (!selectors.some((m) => selects(m, exp.selector))) {
          const known = selectors.map(formatSelector).join('; ') || '(none)';
          problem(`exports[${e}].selector`, `selector ${formatSelector(exp.selector)} may select endpoints that are not members of group "${group.name}": an exported selector must include every label of one of the group's member selectors (${known})`);
        }
      }
    });
  }
  problems.push(...overlappingExports(groups));
  return problems;
}

/** The groups from `from` back to `to` through members.groups, if `to` is reachable. */
function pathBack(mesh: Mesh, from: string, to: string): string[] | undefined {
  const parent = new Map<string, string | undefined>([[from, undefined]]);
  const queue = [from];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === to) {
      const path: string[] = [];
      for (let at: string | undefined = name; at !== undefined; at = parent.get(at)) path.unshift(at);
      return path;
    }
    for (const next of mesh.securityGroups[name]?.members.groups ?? []) {
      if (!parent.has(next)) {
        parent.set(next, name);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** The groups `group` includes, itself first, each once (cycles stop). */
function included(mesh: Mesh, group: SecurityGroup): SecurityGroup[] {
  const seen = new Map<string, SecurityGroup>([[group.name, group]]);
  const queue = [group];
  while (queue.length > 0) {
    for (const name of queue.shift()!.members.groups ?? []) {
      const next = mesh.securityGroups[name];
      if (next && !seen.has(name)) {
        seen.set(name, next);
        queue.push(next);
      }
    }
  }
  return [...seen.values()];
}

function memberServices(mesh: Mesh, group: SecurityGroup): Set<string> {
  return new Set(included(mesh, group).flatMap((g) => g.members.services ?? []));
}

function memberSelectors(mesh: Mesh, group: SecurityGroup): Selector[] {
  return included(mesh, group).flatMap((g) => (g.members.selector ? [g.members.selector] : []));
}

function describeExport(exp: SgExport): string {
  return exp.service !== undefined ? `service "${exp.service}"` : `selector ${formatSelector(exp.selector ?? {})}`;
}

/** Two exports to one group overlap when one provably exposes everything the other does. */
function covers(a: SgExport, b: SgExport): boolean {
  if (a.service !== undefined || b.service !== undefined) return a.service === b.service;
  return selects(a.selector ?? {}, b.selector) || selects(b.selector ?? {}, a.selector);
}

function overlappingExports(groups: readonly SecurityGroup[]): GroupProblem[] {
  const problems: GroupProblem[] = [];
  const byTarget = new Map<string, { group: string; index: number; exp: SgExport }[]>();
  for (const group of groups) {
    group.exports?.forEach((exp, index) => {
      exp.to.forEach((target, t) => {
        const earlier = byTarget.get(target) ?? [];
        const other = earlier.find((x) => covers(x.exp, exp));
        if (other) {
          const where = other.group === group.name ? `exports[${other.index}]` : `SecurityGroup ${other.group}'s exports[${other.index}]`;
          problems.push({
            resource: `SecurityGroup ${group.name}`,
            path: `exports[${index}].to[${t}]`,
            message: `${describeExport(exp)} overlaps ${describeExport(other.exp)}, which ${where} already exports to group "${target}"; export each endpoint to a group once`,
          });
          // Either group may be the one being applied: each is told, so the error points into the file.
          if (other.group !== group.name) {
            problems.push({
              resource: `SecurityGroup ${other.group}`,
              path: `exports[${other.index}]`,
              message: `${describeExport(other.exp)} overlaps ${describeExport(exp)}, which SecurityGroup ${group.name}'s exports[${index}] also exports to group "${target}"; export each endpoint to a group once`,
            });
          }
        }
        byTarget.set(target, [...earlier, { group: group.name, index, exp }]);
      });
    });
  }
  return problems;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
