/**
 * The two-group policy the trace and rule-hit tests share: pods labelled app=web may open
 * TCP 80 to pods labelled app=db (web's egress), and db accepts exactly that (db's ingress).
 */
export const WEB_DB_GROUPS = `kind: SecurityGroup
name: web
members: {selector: {app: web}}
egress:
  - {protocol: tcp, ports: [80], to: [{group: db}]}
---
kind: SecurityGroup
name: db
members: {selector: {app: db}}
ingress:
  - {protocol: tcp, ports: [80], from: [{group: web}]}
`;
