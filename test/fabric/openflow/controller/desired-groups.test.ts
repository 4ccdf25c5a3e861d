import { decode, encode, type Action } from '../../../../fabric/openflow/codec';
import { DesiredGroups, InvalidGroupsError, type Flow, type Group } from '../../../../fabric/openflow/controller';

/** The checks a desired group set passes before anything is sent: every problem at once, each naming its input. */

const output = (port: number): Action => ({ type: 'output', port });
const group = (groupId: number, ...ports: number[]): Group => ({ groupId, groupType: 'all', buckets: ports.map((p) => ({ actions: [output(p)] })) });
const usingGroup = (groupId: number): Flow => ({ priority: groupId, match: { inPort: groupId }, instructions: [{ type: 'apply_actions', actions: [{ type: 'group', groupId }] }] });

test('a valid set: groups by id, each as the GROUP_MOD that adds or modifies it', () => {
  const desired = DesiredGroups.build([group(1, 1, 2), group(0xffffff00, 3), group(0)], [usingGroup(1), usingGroup(0)]);
  expect([desired.size, desired.indexOf(0xffffff00), desired.indexOf(0), desired.indexOf(7)]).toEqual([3, 1, 2, -1]);
  expect(desired.message(0, 'modify')).toEqual({ type: 'group_mod', command: 'modify', groupId: 1, groupType: 'all', buckets: group(1, 1, 2).buckets });
  // A form is the whole group as bytes: what the switch's GROUP_DESC entry re-encodes to.
  expect(decode(desired.form(0))).toMatchObject({ type: 'group_mod', command: 'add', groupId: 1, groupType: 'all', buckets: [{ actions: [output(1)] }, { actions: [output(2)] }] });
  expect(desired.form(1)).toEqual(encode({ type: 'group_mod', xid: 0, command: 'add', ...group(0xffffff00, 3) }));
});

const cases: { name: string; groups: unknown; flows?: Flow[]; error: RegExp }[] = [
  { name: 'not an array', groups: { groupId: 1 }, error: /^groups: expected an array of groups, got object \(nothing was applied\)$/ },
  { name: 'not a group', groups: [group(1), null], error: /^groups\[1\]: expected a group \(\{ groupId, groupType, buckets \}\), got null/ },
  { name: 'a reserved id', groups: [group(0xfffffffc)], error: /^groups\[0\]\.groupId: 4294967292 is not an integer 0\.\.4294967040 \(larger ids are OpenFlow's ALL and ANY\)/ },
  { name: 'a negative id', groups: [group(-1)], error: /^groups\[0\]\.groupId: -1 is not an integer 0\.\.4294967040/ },
  { name: 'an id used twice', groups: [group(4, 1), group(5), group(4, 2)], error: /^groups\[2\]\.groupId: 4 is also groups\[0\]'s \(one group per id\) \(nothing was applied\)$/ },
  {
    name: 'a group that cannot be encoded',
    groups: [{ groupId: 3, groupType: 'select', buckets: [{ actions: [{ type: 'ct', recircTable: 300 }] }] }],
    error: /^groups\[0\] \(group_id=3 type=select\): OpenFlow encode: group_mod\.buckets\[0\]\.actions: ct\.recircTable: 300 is not an unsigned 8-bit integer/,
  },
  { name: 'an unknown group type', groups: [{ groupId: 3, groupType: 'round_robin', buckets: [] }], error: /^groups\[0\] \(group_id=3 type=round_robin\): OpenFlow encode: group_mod\.groupType/ },
  { name: 'a flow using a group not desired', groups: [group(1), group(2)], flows: [usingGroup(1), usingGroup(9)], error: /^flows\[1\]: group:9 is not a desired group \(desired group ids: 1, 2\) \(nothing was applied\)$/ },
  { name: 'a flow using a group when none are desired', groups: [], flows: [usingGroup(9)], error: /^flows\[0\]: group:9 is not a desired group \(no groups are desired\)/ },
  {
    name: 'a bucket chaining to a group not desired (OVS would accept it)',
    groups: [{ groupId: 1, groupType: 'indirect', buckets: [{ actions: [{ type: 'group', groupId: 2 }] }] }],
    error: /^groups\[0\]\.buckets\[0\]: group:2 is not a desired group \(desired group ids: 1\)/,
  },
  {
    name: 'many ids are listed in part',
    groups: Array.from({ length: 20 }, (_, i) => group(i + 1)),
    flows: [usingGroup(99)],
    error: /\(desired group ids: 1, 2, 3, 4, 5, 6, 7, 8, … \(20 in all\)\)/,
  },
];

test.each(cases)('refused before anything is sent: $name', ({ groups, flows, error }) => {
  const build = () => DesiredGroups.build(groups as Group[], flows ?? []);
  expect(build).toThrow(InvalidGroupsError);
  expect(build).toThrow(error);
});

test('every problem is reported at once', () => {
  const err = (() => {
    try {
      DesiredGroups.build([group(1), group(1), group(-2)], [usingGroup(3)]);
    } catch (e) {
      return e as InvalidGroupsError;
    }
  })();
  expect(err?.problems).toEqual([
    "groups[1].groupId: 1 is also groups[0]'s (one group per id)",
    "groups[2].groupId: -2 is not an integer 0..4294967040 (larger ids are OpenFlow's ALL and ANY)",
    'flows[0]: group:3 is not a desired group (desired group ids: 1)',
  ]);
});
