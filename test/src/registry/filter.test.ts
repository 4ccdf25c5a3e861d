import { compileFilter } from '../../../src/registry/embedded/filter';

/** Consul's `?filter=` language (go-bexpr), on the JSON the endpoints answer with. */
const entry = {
  ServiceName: 'web',
  ServiceTags: ['v1', 'canary'],
  ServiceMeta: { tenant: 'blue', 'app-version': '1.2' },
  ServicePort: 8080,
  ServiceEnableTagOverride: false,
  Node: 'node-a',
  Checks: [{ Status: 'passing' }, { Status: 'critical' }],
  Empty: [],
};

describe('filter expressions', () => {
  it.each([
    ['ServiceName == web', true],
    ['ServiceName == "web"', true],
    ['ServiceName != "web"', false],
    ['ServicePort == 8080', true],
    ['ServiceEnableTagOverride == false', true],
    ['ServiceMeta.tenant == "blue"', true],
    ['ServiceMeta["app-version"] == `1.2`', true],
    ['ServiceMeta.missing == "x"', false],
    ['ServiceMeta.missing != "x"', true],
    ['"canary" in ServiceTags', true],
    ['"prod" not in ServiceTags', true],
    ['ServiceTags contains "v1"', true],
    ['ServiceTags not contains "v1"', false],
    ['ServiceMeta contains "tenant"', true],
    ['"critical" in Checks.Status', true],
    ['Checks.Status == passing', true],
    ['Empty is empty', true],
    ['ServiceTags is not empty', true],
    ['ServiceName matches "^w.b$"', true],
    ['Node not matches "^node-"', false],
    ['ServiceName == web and ServicePort == 80', false],
    ['ServiceName == web and (ServicePort == 80 or "v1" in ServiceTags)', true],
    ['not ServiceName == web or ServiceMeta.tenant == blue', true],
    ['not (ServiceName == web)', false],
  ])('%s → %s', (expression, expected) => {
    expect(compileFilter(expression)(entry)).toBe(expected);
  });

  it.each([
    ['ServiceName ==', /expected a value at the end/],
    ['ServiceName = web', /unexpected character at position 13/],
    ['ServiceName web', /expected an operator \(==, !=, contains, matches, is empty\) after ServiceName at position 13/],
    ['(ServiceName == web', /expected "\)" at the end/],
    ['ServiceName matches "("', /invalid regular expression "\("/],
    ['"x" ServiceTags', /expected "in" after "x"/],
  ])('refuses %s with a 400 naming the problem', (expression, message) => {
    expect(() => compileFilter(expression)).toThrow(message);
    try {
      compileFilter(expression);
    } catch (err) {
      expect(err).toMatchObject({ statusCode: 400, message: expect.stringMatching(/^Failed to create boolean expression evaluator: /) });
    }
  });
});
