/**
 * Security groups → the EgressSecurity and IngressSecurity flows of one host. Pure; see
 * ../README.md.
 */
export { securityGroupFlows, type CompiledRule, type SecurityGroupFlows } from './security-group-flows';
export type { RuleIdentity, RuleKind } from './policy';
export { Priority as SecurityGroupPriority, type Direction } from './stages';
export { portPrefixes } from './port-prefixes';
export { conjunctionIds } from './conjunction-ids';
