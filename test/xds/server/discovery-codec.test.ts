import { adsServiceDefinition, type DiscoveryRequest } from '../../../xds/server/discovery-codec';
import { messageType } from '../../../xds/protos';
import { CLUSTER_TYPE_URL } from '../../../xds/resources/type-urls';

const definition = adsServiceDefinition().StreamAggregatedResources;
const RequestType = messageType('envoy.service.discovery.v3.DiscoveryRequest');
const decode = (bytes: Uint8Array) => definition.requestDeserialize(Buffer.from(bytes)) as DiscoveryRequest;

const request = (names: string[], nonce = '1') => ({
  version_info: 'v1',
  node: { id: 'n1', user_agent_name: 'gRPC Node Pure JS' },
  resource_names: names,
  type_url: CLUSTER_TYPE_URL,
  response_nonce: nonce,
});

describe('DiscoveryRequest decoding', () => {
  it('decodes every field as protobufjs does', () => {
    const bytes = RequestType.encode(RequestType.fromObject(request(['a', 'b', 'c']))).finish();
    expect(decode(bytes)).toMatchObject({ version_info: 'v1', node: { id: 'n1' }, resource_names: ['a', 'b', 'c'], type_url: CLUSTER_TYPE_URL, response_nonce: '1' });
  });

  it('shares one frozen name list between requests that carry the same names', () => {
    const first = decode(RequestType.encode(RequestType.fromObject(request(['x', 'y'], '1'))).finish());
    const second = decode(RequestType.encode(RequestType.fromObject(request(['x', 'y'], '2'))).finish());
    const other = decode(RequestType.encode(RequestType.fromObject(request(['x', 'z'], '3'))).finish());
    expect(second.resource_names).toBe(first.resource_names);
    expect(Object.isFrozen(first.resource_names)).toBe(true);
    expect(other.resource_names).toEqual(['x', 'z']);
    expect(second.response_nonce).toBe('2');
  });

  it('decodes names split by other fields (legal protobuf) without sharing', () => {
    const w = (field: number, text: string) => Buffer.concat([Buffer.from([(field << 3) | 2, text.length]), Buffer.from(text)]);
    const bytes = Buffer.concat([w(3, 'a'), w(4, CLUSTER_TYPE_URL), w(3, 'b'), w(5, '7')]);
    expect(decode(bytes)).toMatchObject({ resource_names: ['a', 'b'], type_url: CLUSTER_TYPE_URL, response_nonce: '7' });
  });

  it('decodes a request without names to an empty list', () => {
    expect(decode(RequestType.encode(RequestType.fromObject(request([]))).finish()).resource_names).toEqual([]);
  });

  it('throws on truncated input rather than inventing a request', () => {
    const bytes = RequestType.encode(RequestType.fromObject(request(['abc']))).finish();
    expect(() => decode(bytes.subarray(0, bytes.length - 2))).toThrow();
  });
});
