import { LoomError } from '../../src/errors';
import type { AddressAllocation } from '../../src/api/fabric-operations';
import type { HostStatus } from '../../src/model/host';

/**
 * The agent's side of the control plane's REST API (src/api/rest-api.ts): host reports,
 * addresses, pod endpoints. Errors keep the API's `code` (`pool-exhausted`, …) so the
 * CNI path can map each to its own error code.
 */

/** The control plane answered with an error. */
export class ControlPlaneError extends LoomError {
  constructor(
    message: string,
    readonly status: number,
    /** The API's machine-readable cause, e.g. `address-in-use`; undefined for errors without one. */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The control plane could not be reached or did not answer in time; it is safe to try again. */
export class ControlPlaneUnreachableError extends LoomError {}


/** The pod's record in the mesh: an Endpoint without service or port. */
export interface PodEndpoint {
  kind: 'Endpoint';
  name: string;
  network: string;
  address: string;
  mac: string;
  host: string;
  /** The pod's port on its host's br-int: where the host's flows deliver to it. */
  ofport?: number;
  labels?: Record<string, string>;
}

const TIMEOUT_MS = 15_000;

/**
 * The control plane, as one or several instances (sharing their state in Redis). Each
 * instance keeps the host reports it receives, so a report goes to every one; any other
 * call goes to the instance that answered last, and on to the next while one cannot be
 * reached — so CNI ADD keeps working when an instance dies.
 */
export class ControlPlaneClient {
  private readonly baseUrls: readonly string[];
  /** Where calls go first: the instance that answered last. */
  private preferred = 0;

  constructor(
    baseUrls: string | readonly string[],
    private readonly timeoutMs = TIMEOUT_MS,
  ) {
    this.baseUrls = typeof baseUrls === 'string' ? [baseUrls] : [...baseUrls];
    if (this.baseUrls.length === 0) throw new RangeError('ControlPlaneClient needs at least one base URL');
  }

  /** Rejects with the first failure when some instance did not take the report (the others did). */
  async reportHost(status: HostStatus): Promise<void> {
    const { name, ...report } = status;
    const outcomes = await Promise.allSettled(this.baseUrls.map((url) => this.requestTo(url, 'PUT', `/v1/hosts/${encodeURIComponent(name)}`, report)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  allocate(network: string, request: { owner: string; host: string; ip?: string; mac?: string }): Promise<AddressAllocation> {
    return this.request('POST', `/v1/networks/${encodeURIComponent(network)}/allocations`, request);
  }

  /** Frees the owner's address if it is still on `host`; resolves with what was freed, if anything. */
  async release(network: string, owner: string, host: string): Promise<AddressAllocation | undefined> {
    const { released } = await this.request<{ released: AddressAllocation | null }>('DELETE', `/v1/networks/${encodeURIComponent(network)}/allocations/${encodeURIComponent(owner)}?host=${encodeURIComponent(host)}`);
    return released ?? undefined;
  }

  /** Undefined when there is no such endpoint. */
  async getEndpoint(name: string): Promise<PodEndpoint | undefined> {
    try {
      return await this.request<PodEndpoint>('GET', `/v1/endpoints/${encodeURIComponent(name)}`);
    } catch (err) {
      if (err instanceof ControlPlaneError && err.status === 404) return undefined;
      throw err;
    }
  }

  async applyEndpoint(endpoint: PodEndpoint, source: string): Promise<void> {
    await this.request('POST', `/v1/apply?source=${encodeURIComponent(source)}`, endpoint);
  }

  /** Resolves false when there was no such endpoint. */
  async deleteEndpoint(name: string): Promise<boolean> {
    try {
      await this.request('DELETE', `/v1/endpoints/${encodeURIComponent(name)}`);
      return true;
    } catch (err) {
      if (err instanceof ControlPlaneError && err.status === 404) return false;
      throw err;
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let tried = 1; ; tried++) {
      const url = this.baseUrls[this.preferred];
      try {
        return await this.requestTo<T>(url, method, path, body);
      } catch (err) {
        if (!(err instanceof ControlPlaneUnreachableError) || tried === this.baseUrls.length) throw err;
        this.preferred = (this.preferred + 1) % this.baseUrls.length;
      }
    }
  }

  private async requestTo<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(baseUrl + path, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as Error).cause ?? err;
      throw new ControlPlaneUnreachableError(`cannot reach the Loom control plane at ${baseUrl} (${method} ${path.split('?')[0]}): ${(cause as Error).message ?? String(cause)}; check --api and that the control plane is up`, { cause: err });
    }
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text ? JSON.parse(text) : undefined;
    } catch {
      payload = undefined;
    }
    if (!response.ok) {
      const error = payload as { error?: string; code?: string } | undefined;
      throw new ControlPlaneError(`control plane ${method} ${path.split('?')[0]}: HTTP ${response.status}: ${error?.error ?? text.slice(0, 300)}`, response.status, error?.code);
    }
    return payload as T;
  }
}
