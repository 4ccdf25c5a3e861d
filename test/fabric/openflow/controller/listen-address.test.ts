import { formatListenAddress, ListenAddressError, parseListenAddress } from '../../../../fabric/openflow/controller';

test.each([
  ['tcp:127.0.0.1:6653', { kind: 'tcp', host: '127.0.0.1', port: 6653 }],
  ['127.0.0.1:6653', { kind: 'tcp', host: '127.0.0.1', port: 6653 }],
  ['tcp:[::1]:0', { kind: 'tcp', host: '::1', port: 0 }],
  ['tcp:localhost:6633', { kind: 'tcp', host: 'localhost', port: 6633 }],
  ['unix:/run/loom/of.sock', { kind: 'unix', path: '/run/loom/of.sock' }],
  ['ptcp:6653', { kind: 'tcp', host: '0.0.0.0', port: 6653 }],
  ['ptcp:6653:[::1]', { kind: 'tcp', host: '::1', port: 6653 }],
  ['ptcp:6653:10.0.0.1', { kind: 'tcp', host: '10.0.0.1', port: 6653 }],
  ['punix:/run/loom/of.sock', { kind: 'unix', path: '/run/loom/of.sock' }],
])('%s', (text, address) => {
  expect(parseListenAddress(text)).toEqual(address);
  expect(parseListenAddress(formatListenAddress(parseListenAddress(text)))).toEqual(address);
});

test.each([
  ['unix:of.sock', 'the socket path must be absolute'],
  ['tcp:127.0.0.1', 'no host and port'],
  ['ssl:10.0.0.1:6653', 'no host and port'],
  ['127.0.0.1:70000', 'port 70000 is above 65535'],
])('%s is refused: %s', (text, reason) => {
  expect(() => parseListenAddress(text)).toThrow(new ListenAddressError(text, reason));
  expect(() => parseListenAddress(text)).toThrow(/expected tcp:HOST:PORT, HOST:PORT, unix:PATH, ptcp:PORT\[:HOST\] or punix:PATH$/);
});
