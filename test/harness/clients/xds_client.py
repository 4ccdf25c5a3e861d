"""A proxyless gRPC client (C-core, via Debian's python3-grpcio) driven over stdin/stdout
by test/harness/xds-client.ts. Same protocol as xds-client-node.js: one JSON command
per stdin line, one JSON answer per stdout line, nothing else on stdout. The xDS
bootstrap comes from the environment (GRPC_XDS_BOOTSTRAP / GRPC_XDS_BOOTSTRAP_CONFIG).

Run with /usr/bin/python3: the xds resolver is built into grpcio's C-core.
"""
import json
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import grpc

METHOD = '/loom.test.Echo/Call'

# One channel per target for the life of the process: tests watch a client follow
# config changes, which a fresh channel per command would hide.
channels = {}
channels_lock = threading.Lock()
stdout_lock = threading.Lock()


def send(message):
    with stdout_lock:
        sys.stdout.write(json.dumps(message) + '\n')
        sys.stdout.flush()


def channel_for(target):
    with channels_lock:
        if target not in channels:
            channels[target] = grpc.insecure_channel(target)
        return channels[target]


def call(command):
    # No serializers: requests and replies are raw bytes.
    method = channel_for(command['target']).unary_unary(METHOD)
    metadata = list((command.get('metadata') or {}).items())
    timeout = command.get('timeoutMs', 2000) / 1000
    count = command.get('count', 1)

    def once(_):
        try:
            return 'result', method(b'', timeout=timeout, metadata=metadata).decode('utf-8')
        except grpc.RpcError as err:
            return 'error', f'{err.code().name} {err.details()}'

    results, errors = Counter(), Counter()
    with ThreadPoolExecutor(max_workers=max(1, min(command.get('concurrency', 10), count))) as pool:
        for kind, key in pool.map(once, range(count)):
            (results if kind == 'result' else errors)[key] += 1
    return {'results': dict(results), 'errors': dict(errors)}


def shutdown():
    with channels_lock:
        for channel in channels.values():
            channel.close()
        channels.clear()


def handle(command):
    try:
        if command.get('op') != 'call':
            raise ValueError(f'unknown op {command.get("op")!r}')
        send({'id': command.get('id'), **call(command)})
    except Exception as err:  # noqa: BLE001 - any failure is reported to the driver
        send({'id': command.get('id'), 'error': f'{type(err).__name__}: {err}'})


def main():
    send({'ready': True})
    # Commands run concurrently, each on its own thread; answers carry the command's id.
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            command = json.loads(line)
        except ValueError as err:
            send({'error': f'bad command {line!r}: {err}'})
            continue
        if command.get('op') == 'close':
            shutdown()
            send({'id': command.get('id')})
            return
        threading.Thread(target=handle, args=(command,), daemon=True).start()
    # stdin closed without a close command: the parent went away, do not linger.
    shutdown()


if __name__ == '__main__':
    main()
