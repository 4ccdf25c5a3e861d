import { InvalidInputError, type InputProblem } from '../../../src/errors';
import { parseResourceDocuments } from '../../../src/model/documents';
import { kindFromUserWord } from '../../../src/model/kinds';
import { applyResources, deleteResource, emptyMesh, listResources, type Mesh } from '../../../src/model/mesh';
import { indexSecurityGroups } from '../../../src/model/security-group-members';

/**
 * The SecurityGroup kind: what one document may say (with errors naming the field and
 * what is accepted), what groups must agree on with the rest of the mesh (checked on
 * apply and delete, nothing changed when refused), and who the members are.
 */

const apply = (mesh: Mesh, yaml: string) => applyResources(mesh, parseResourceDocuments(yaml, 'sg.yaml'));

function problemsOf(action: () => unknown): InputProblem[] {
  try {
    action();
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems;
    throw err;
  }
  throw new Error('expected the input to be refused');
}

const SERVICES = 'kind: Service\nname: web\nports: [{port: 80, protocol: http}]\n---\nkind: Service\nname: db\nports: [{port: 5432, protocol: tcp}]\n---\n';
const group = (name: string, body: string) => `kind: SecurityGroup\nname: ${name}\n${body}`;
const WEB = group('web', 'members: {selector: {app: web}, services: [web]}\ningress:\n  - protocol: tcp\n    ports: [80]\n    from: [{group: front}]\n');
const FRONT = group('front', 'members: {selector: {app: front}}\n');

describe('one SecurityGroup document', () => {
  test('the shape of the issue applies as written', () => {
    const yaml = `${SERVICES}${FRONT}---\n${group(
      'web',
      `members: {selector: {app: web}, services: [web], groups: [front]}
ingress:
  - protocol: tcp
    ports: [80, "8000-8080"]
    from: [{group: front}, {service: db}, {selector: {app: x}}, {cidr: 10.0.0.0/8}]
  - protocol: icmp
    icmp: {type: 8, code: 0}
    from: [{group: front}]
egress:
  - protocol: udp
    ports: [53]
    to: [{cidr: 10.96.0.10/32}]
exports:
  - service: web
    to: [front]
`,
    )}`;
    const { mesh, created } = apply(emptyMesh(), yaml);
    expect(created).toEqual(['service/web', 'service/db', 'securitygroup/front', 'securitygroup/web']);
    expect(mesh.securityGroups.web.ingress?.[0]).toEqual({ protocol: 'tcp', ports: [80, '8000-8080'], from: [{ group: 'front' }, { service: 'db' }, { selector: { app: 'x' } }, { cidr: '10.0.0.0/8' }] });
  });

  test.each<{ name: string; body: string; path: string; message: RegExp }>([
    { name: 'no members', body: 'ingress: []\n', path: 'members', message: /expected object/ },
    { name: 'empty members', body: 'members: {}\n', path: 'members', message: /a group needs members: a selector, services or groups/ },
    { name: 'an unknown field', body: 'members: {selector: {}}\npolicy: deny\n', path: 'policy', message: /unknown field "policy"; accepted fields: kind, name, members, ingress, egress, exports/ },
    { name: 'an unknown rule field', body: 'members: {selector: {}}\ningress: [{from: [{cidr: 0.0.0.0/0}], action: allow}]\n', path: 'ingress[0].action', message: /accepted fields: protocol, ports, icmp, from/ },
    { name: 'an egress rule with from', body: 'members: {selector: {}}\negress: [{from: [{cidr: 0.0.0.0/0}]}]\n', path: 'egress[0].from', message: /accepted fields: protocol, ports, icmp, to/ },
    { name: 'an unknown protocol', body: 'members: {selector: {}}\ningress: [{protocol: sctp, from: [{cidr: 0.0.0.0/0}]}]\n', path: 'ingress[0].protocol', message: /expected one of: tcp, udp, icmp, any/ },
    { name: 'a range that starts after it ends', body: 'members: {selector: {}}\ningress: [{protocol: tcp, ports: ["8080-8000"], from: [{cidr: 0.0.0.0/0}]}]\n', path: 'ingress[0].ports[0]', message: /port range 8080-8000 starts after it ends; write the lower port first \(8000-8080\)/ },
    { name: 'a port out of range', body: 'members: {selector: {}}\ningress: [{protocol: udp, ports: [0, "80-70000"], from: [{cidr: 0.0.0.0/0}]}]\n', path: 'ingress[0].ports[0]', message: /ports are 1-65535, got 0/ },
    { name: 'a range out of range', body: 'members: {selector: {}}\ningress: [{protocol: udp, ports: ["80-70000"], from: [{cidr: 0.0.0.0/0}]}]\n', path: 'ingress[0].ports[0]', message: /ports are 1-65535, got "80-70000"/ },
    { name: 'a port that is not one', body: 'members: {selector: {}}\ningress: [{protocol: tcp, ports: [http], from: [{cidr: 0.0.0.0/0}]}]\n', path: 'ingress[0].ports[0]', message: /expected a port such as 80 or a range such as "8000-8080", got "http"/ },
    { name: 'ports with icmp', body: 'members: {selector: {}}\ningress: [{protocol: icmp, ports: [80], from: [{cidr: 0.0.0.0/0}]}]\n', path: 'ingress[0].ports', message: /ports apply to protocol tcp or udp; this rule's protocol is icmp/ },
    { name: 'ports with the default protocol', body: 'members: {selector: {}}\negress: [{ports: [80], to: [{cidr: 0.0.0.0/0}]}]\n', path: 'egress[0].ports', message: /this rule's protocol is any \(the default\)/ },
    { name: 'icmp with tcp', body: 'members: {selector: {}}\ningress: [{protocol: tcp, icmp: {type: 8}, from: [{cidr: 0.0.0.0/0}]}]\n', path: 'ingress[0].icmp', message: /icmp applies to protocol icmp; this rule's protocol is tcp/ },
    { name: 'an ICMP type out of range', body: 'members: {selector: {}}\ningress: [{protocol: icmp, icmp: {type: 256}, from: [{cidr: 0.0.0.0/0}]}]\n', path: 'ingress[0].icmp.type', message: /ICMP types are 0-255/ },
    { name: 'a rule without peers', body: 'members: {selector: {}}\ningress: [{protocol: tcp, from: []}]\n', path: 'ingress[0].from', message: /a rule needs at least one peer; \{cidr: 0.0.0.0\/0\} means anywhere/ },
    { name: 'a peer of two kinds', body: 'members: {selector: {}}\ningress: [{from: [{group: a, cidr: 10.0.0.0/8}]}]\n', path: 'ingress[0].from[0]', message: /a peer needs exactly one of group, service, selector, cidr \(got group, cidr\)/ },
    { name: 'a CIDR with host bits', body: 'members: {selector: {}}\ningress: [{from: [{cidr: 10.0.0.1/8}]}]\n', path: 'ingress[0].from[0].cidr', message: /expected an IPv4 CIDR with its host bits zero, such as 10.0.0.0\/8 \(one address: 10.0.0.5\/32; anywhere: 0.0.0.0\/0\)/ },
    { name: 'an IPv6 CIDR', body: 'members: {selector: {}}\ningress: [{from: [{cidr: "fd00::/8"}]}]\n', path: 'ingress[0].from[0].cidr', message: /expected an IPv4 CIDR/ },
    { name: 'an export of two things', body: 'members: {selector: {}}\nexports: [{service: web, selector: {app: web}, to: [x]}]\n', path: 'exports[0]', message: /an export needs exactly one of service, selector \(got service, selector\)/ },
    { name: 'an export to nobody', body: 'members: {selector: {}}\nexports: [{service: web, to: []}]\n', path: 'exports[0].to', message: /an export needs at least one group to export to/ },
  ])('refuses $name, naming the field', ({ body, path, message }) => {
    const problems = problemsOf(() => parseResourceDocuments(group('g', body), 'sg.yaml'));
    expect(problems).toEqual(expect.arrayContaining([expect.objectContaining({ source: 'sg.yaml', document: 1, path, message: expect.stringMatching(message) })]));
  });
});

describe('groups with the rest of the mesh', () => {
  test.each<{ name: string; yaml: string; problems: string[] }>([
    {
      name: 'unknown groups and services, wherever they are named',
      yaml: group('g', 'members: {services: [nope], groups: [ghost]}\ningress: [{from: [{group: ghost}]}]\negress: [{to: [{service: nope}]}]\nexports: [{service: nope, to: [ghost]}]\n'),
      problems: [
        'SecurityGroup g: members.services[0]: service "nope" does not exist; known services: db, web',
        'SecurityGroup g: members.groups[0]: group "ghost" does not exist; known groups: g',
        'SecurityGroup g: ingress[0].from[0].group: group "ghost" does not exist; known groups: g',
        'SecurityGroup g: egress[0].to[0].service: service "nope" does not exist; known services: db, web',
        'SecurityGroup g: exports[0].to[0]: group "ghost" does not exist; known groups: g',
        'SecurityGroup g: exports[0].service: service "nope" does not exist; known services: db, web',
      ],
    },
    {
      name: 'a group that includes itself, through others or directly',
      yaml: `${group('a', 'members: {groups: [b]}\n')}---\n${group('b', 'members: {groups: [c]}\n')}---\n${group('c', 'members: {groups: [a]}\n')}---\n${group('d', 'members: {groups: [d]}\n')}`,
      problems: [
        'SecurityGroup a: members.groups[0]: group "a" would include itself: a → b → c → a',
        'SecurityGroup b: members.groups[0]: group "b" would include itself: b → c → a → b',
        'SecurityGroup c: members.groups[0]: group "c" would include itself: c → a → b → c',
        'SecurityGroup d: members.groups[0]: group "d" would include itself: d → d',
      ],
    },
    {
      name: 'exports of what is not the group’s',
      yaml: `${FRONT}---\n${group('g', 'members: {selector: {app: web}}\nexports: [{service: web, to: [front]}, {selector: {tier: x}, to: [front]}]\n')}`,
      problems: [
        'SecurityGroup g: exports[0].service: service "web" is not a member of group "g" (member services: (none)); a group exports only its own members: add it to members.services',
        'SecurityGroup g: exports[1].selector: selector tier=x may select endpoints that are not members of group "g": an exported selector must include every label of one of the group\'s member selectors (app=web)',
      ],
    },
    {
      name: 'the same endpoints exported to one group twice, by one group or two',
      yaml: `${FRONT}---\n${WEB.replace('ingress:', 'exports: [{service: web, to: [front]}]\ningress:')}---\n${group('web2', 'members: {groups: [web]}\nexports: [{service: web, to: [front]}, {selector: {app: web}, to: [front]}, {selector: {app: web, v: "2"}, to: [front]}]\n')}`,
      problems: [
        'SecurityGroup web2: exports[0].to[0]: service "web" overlaps service "web", which SecurityGroup web\'s exports[0] already exports to group "front"; export each endpoint to a group once',
        'SecurityGroup web: exports[0]: service "web" overlaps service "web", which SecurityGroup web2\'s exports[0] also exports to group "front"; export each endpoint to a group once',
        'SecurityGroup web2: exports[2].to[0]: selector app=web,v=2 overlaps selector app=web, which exports[1] already exports to group "front"; export each endpoint to a group once',
      ],
    },
  ])('refuses $name, naming each, and changes nothing', ({ yaml, problems }) => {
    const before = apply(emptyMesh(), SERVICES.replace(/---\n$/, '')).mesh;
    expect(problemsOf(() => apply(before, yaml)).map((p) => `${p.resource}: ${p.path}: ${p.message}`)).toEqual(problems);
    expect(listResources(before, 'SecurityGroup')).toEqual([]);
  });

  test('the error names file, document and field', () => {
    expect(() => apply(emptyMesh(), `${SERVICES}${group('g', 'members: {selector: {}}\ningress: [{from: [{group: ghost}]}]\n')}`)).toThrow(
      'sg.yaml:9: document 3 (SecurityGroup g): ingress[0].from[0].group: group "ghost" does not exist; known groups: g (nothing was applied)',
    );
  });

  test('an export overlapping one already applied is reported in the file being applied', () => {
    const { mesh } = apply(emptyMesh(), `${SERVICES}${FRONT}---\n${WEB.replace('ingress:', 'exports: [{service: web, to: [front]}]\ningress:')}`);
    const problems = problemsOf(() => apply(mesh, group('aaa', 'members: {services: [web]}\nexports: [{service: web, to: [front]}]\n')));
    expect(problems).toContainEqual(expect.objectContaining({ source: 'sg.yaml', document: 1, resource: 'SecurityGroup aaa', path: 'exports[0]' }));
  });

  test('exports that are the group’s: a member service (through an included group too), a selector narrowing a member selector', () => {
    const yaml = `${SERVICES}${FRONT}---\n${WEB}---\n${group('outer', 'members: {groups: [web]}\nexports: [{service: web, to: [front]}, {selector: {app: web, v: "2"}, to: [outer]}]\n')}`;
    expect(apply(emptyMesh(), yaml).created).toContain('securitygroup/outer');
  });

  test('a group or service still named by a group cannot be deleted; once the group is gone it can', () => {
    const { mesh } = apply(emptyMesh(), `${SERVICES}${FRONT}---\n${WEB.replace('from: [{group: front}]', 'from: [{group: front}, {service: db}]')}`);
    expect(() => deleteResource(mesh, 'SecurityGroup', 'front')).toThrow(/still referred to by SecurityGroup web/);
    expect(() => deleteResource(mesh, 'Service', 'db')).toThrow(/still referred to by SecurityGroup web/);
    const withoutWeb = deleteResource(mesh, 'SecurityGroup', 'web');
    expect(listResources(deleteResource(deleteResource(withoutWeb, 'SecurityGroup', 'front'), 'Service', 'db'), 'SecurityGroup')).toEqual([]);
  });

  test.each(['sg', 'sgs', 'securitygroup', 'SecurityGroups', 'securitygroups'])('`loom get %s` means SecurityGroup', (word) => {
    expect(kindFromUserWord(word)).toBe('SecurityGroup');
  });
});

describe('members', () => {
  const ep = (name: string, labels: Record<string, string>, service?: string) =>
    JSON.stringify({ kind: 'Endpoint', name, address: `10.0.0.${name.length + 1}`, network: 'pods', labels, ...(service ? { service, port: 80 } : {}) });
  const { mesh } = apply(
    emptyMesh(),
    [
      SERVICES.replace(/---\n$/, ''),
      'kind: Network\nname: pods\ncidr: 10.0.0.0/24\nvni: 1',
      ep('w', { app: 'web', tenant: 'shop' }),
      ep('wb', { app: 'other' }, 'web'),
      ep('fff', { app: 'front', tenant: 'shop' }),
      ep('zzzz', { app: 'web', v: '2', tenant: 'acme' }),
      group('web', 'members: {selector: {app: web}, services: [web]}\nexports: [{selector: {app: web, v: "2"}, to: [front]}]\n'),
      group('front', 'members: {selector: {app: front}}\n'),
      group('all', 'members: {groups: [web, front]}\n'),
    ].join('\n---\n'),
  );
  const index = indexSecurityGroups(mesh);
  const names = (eps: readonly { name: string }[]) => eps.map((e) => e.name);

  test('a group’s members: its selector’s endpoints, its services’ backends, its groups’ members, each once', () => {
    expect(names(index.members('web'))).toEqual(['w', 'wb', 'zzzz']);
    expect(names(index.members('all'))).toEqual(['fff', 'w', 'wb', 'zzzz']);
    expect(names(index.members('nope'))).toEqual([]);
  });

  test('peers stand for endpoints; a CIDR for none', () => {
    expect(names(index.peerEndpoints({ service: 'web' }))).toEqual(['wb']);
    expect(names(index.peerEndpoints({ selector: { tenant: 'shop' } }))).toEqual(['fff', 'w']);
    expect(names(index.peerEndpoints({ cidr: '10.0.0.0/8' }))).toEqual([]);
  });

  test('an export exposes the selected members only', () => {
    expect(names(index.exported('web', mesh.securityGroups.web.exports![0]))).toEqual(['zzzz']);
  });

  test('tenants by their label, in name order', () => {
    expect([...index.tenants].map(([t, eps]) => [t, names(eps)])).toEqual([
      ['acme', ['zzzz']],
      ['shop', ['fff', 'w']],
    ]);
  });
});
