import type { OvsHost } from '../../../harness/ovs-host';
import { createLogger, type Logger } from '../../../../src/log';
import { ControllerServer } from '../../../../fabric/openflow/controller';
import { BRIDGE, controllerSocket, setControllers, startBridgeHost } from './ovs-bridge';

/** A bridge host (see ovs-bridge.ts) whose `br-int` is connected to a controller listening in its run dir (tests and benchmarks). */
export interface ControlledBridge {
  host: OvsHost;
  server: ControllerServer;
  /** The controller's `unix:` address, as set on the bridge. */
  target: string;
  /** Closes the controller and stops the host. */
  stop(): Promise<void>;
}

/** `log`: the controller's logger; silent by default. */
export async function startControlledBridge(name: string, dpid: bigint, log: Logger = createLogger('test', 'silent')): Promise<ControlledBridge> {
  const host = await startBridgeHost(name, { dpid });
  const target = `unix:${controllerSocket(host)}`;
  const server = await ControllerServer.listen([target], { log }).catch(async (err: unknown) => {
    await host.stop();
    throw err;
  });
  const stop = async () => {
    await server.close();
    await host.stop();
  };
  try {
    await setControllers(host, BRIDGE, [target]);
    await server.waitForSwitch(dpid);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, server, target, stop };
}
