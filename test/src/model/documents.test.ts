import { InvalidInputError, type InputProblem } from '../../../src/errors';
import { parseResourceDocuments } from '../../../src/model/documents';

const SERVICE = 'kind: Service\nname: echo\nports: [{port: 50051, protocol: grpc}]\n';

function problemsOf(text: string): InputProblem[] {
  try {
    parseResourceDocuments(text, 'mesh.yaml');
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems;
    throw err;
  }
  throw new Error('expected the input to be refused');
}

describe('parseResourceDocuments', () => {
  it('reads several documents of different kinds, with their positions', () => {
    const docs = parseResourceDocuments(`${SERVICE}---\nkind: Endpoint\nname: b1\nservice: echo\naddress: 10.0.0.1\nport: 1\n---\n`, 'mesh.yaml');
    expect(docs.map((d) => [d.resource.kind, d.resource.name, d.location.document, d.location.line])).toEqual([
      ['Service', 'echo', 1, 1],
      ['Endpoint', 'b1', 2, 5],
    ]);
  });

  // Each case: what is wrong, and what the error must say (file, document, field, line, what is accepted).
  it.each<{ name: string; input: string; expected: Omit<Partial<InputProblem>, 'message'> & { message: RegExp } }>([
    { name: 'invalid YAML', input: 'kind: Service\nname: [unclosed\n', expected: { document: 1, message: /invalid YAML/ } },
    { name: 'not a mapping', input: '- a\n- b\n', expected: { document: 1, message: /expected a mapping with a kind: field \(one of Service, Endpoint, Route, SecurityGroup, Network\)/ } },
    { name: 'missing kind', input: 'name: x\n', expected: { path: 'kind', message: /missing kind; expected one of Service, Endpoint, Route, SecurityGroup, Network/ } },
    { name: 'unknown kind', input: 'kind: Widget\nname: x\n', expected: { path: 'kind', message: /unknown kind "Widget"/ } },
    { name: 'unknown field', input: `${SERVICE}colour: blue\n`, expected: { path: 'colour', line: 4, message: /unknown field "colour"; accepted fields: kind, name, ports, labels, loadBalancer/ } },
    { name: 'nested unknown field', input: `${SERVICE.replace('grpc}', 'grpc, tls: true}')}`, expected: { path: 'ports[0].tls', message: /accepted fields: name, port, protocol/ } },
    { name: 'bad enum', input: SERVICE.replace('grpc', 'smtp'), expected: { path: 'ports[0].protocol', line: 3, message: /expected one of: http, grpc, tcp/ } },
    { name: 'bad name', input: SERVICE.replace('echo', 'Echo_1'), expected: { path: 'name', message: /DNS-style name/ } },
    { name: 'port out of range', input: SERVICE.replace('50051', '70000'), expected: { path: 'ports[0].port', message: /ports are 1-65535/ } },
    { name: 'duplicate port', input: SERVICE.replace('grpc}]', 'grpc}, {port: 50051, protocol: http}]'), expected: { path: 'ports[1].port', message: /listed twice/ } },
    { name: 'bad address', input: 'kind: Endpoint\nname: b1\nservice: echo\naddress: example.com\nport: 1\n', expected: { path: 'address', line: 4, message: /IPv4 or IPv6/ } },
    { name: 'bad duration', input: 'kind: Route\nname: r\nservice: echo\nrules: [{timeout: 5 seconds}]\n', expected: { path: 'rules[0].timeout', message: /250ms, 1.5s or 2m/ } },
    { name: 'two path matches', input: 'kind: Route\nname: r\nservice: echo\nrules: [{match: {path: {prefix: /, exact: /a}}}]\n', expected: { path: 'rules[0].match.path', message: /exactly one of prefix, exact, regex \(got prefix, exact\)/ } },
    { name: 'RE2-incompatible regex', input: 'kind: Route\nname: r\nservice: echo\nrules: [{match: {path: {regex: "^/(?!admin)"}}}]\n', expected: { path: 'rules[0].match.path.regex', message: /RE2 does not support lookaround/ } },
    { name: 'bad pinning mode', input: 'kind: Route\nname: r\nservice: echo\npinning: {onUnknown: random}\n', expected: { path: 'pinning.onUnknown', message: /expected one of: fallback, fail/ } },
    { name: 'bad CIDR', input: 'kind: Network\nname: pods\ncidr: 10.0.0.0/33\nvni: 5\n', expected: { path: 'cidr', message: /expected an IPv4 CIDR such as 10.244.0.0\/16/ } },
    { name: 'VNI out of range', input: 'kind: Network\nname: pods\ncidr: 10.0.0.0/24\nvni: 16777216\n', expected: { path: 'vni', message: /VNIs are 1-16777215/ } },
    { name: 'gateway outside the CIDR', input: 'kind: Network\nname: pods\ncidr: 10.0.0.0/24\nvni: 5\ngateway: 10.0.1.1\n', expected: { path: 'gateway', message: /gateway 10.0.1.1 is outside 10.0.0.0\/24/ } },
    { name: 'multicast MAC', input: 'kind: Endpoint\nname: p\nservice: s\naddress: 10.0.0.2\nport: 1\nmac: 01:00:5e:00:00:01\n', expected: { path: 'mac', message: /expected a unicast MAC/ } },
    { name: 'duplicate names', input: `${SERVICE}---\n${SERVICE}`, expected: { document: 2, path: 'name', message: /duplicate name: document 1 is also Service echo/ } },
  ])('refuses $name', ({ input, expected }) => {
    const problems = problemsOf(input);
    const { message, ...fields } = expected;
    expect(problems).toEqual(expect.arrayContaining([expect.objectContaining({ source: 'mesh.yaml', ...fields, message: expect.stringMatching(message) })]));
  });

  it('reports every problem of every document at once', () => {
    const problems = problemsOf(`${SERVICE}extra: 1\n---\nkind: Widget\n---\n${SERVICE.replace('grpc', 'smtp')}`);
    expect(problems.map((p) => p.document)).toEqual([1, 2, 3]);
  });

  it('formats one readable message naming file, document, resource, field and line', () => {
    expect(() => parseResourceDocuments(`${SERVICE}colour: blue\n`, 'mesh.yaml')).toThrow(
      'mesh.yaml:4: document 1 (Service echo): colour: unknown field "colour"; accepted fields: kind, name, ports, labels, loadBalancer, vip, sessionAffinity (nothing was applied)',
    );
  });
});
