import { LoomError } from '../errors';

/** The CLI's side of the REST API: one place for the URL, errors and "is Loom running?". */
export class ApiError extends LoomError {
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T>(method: string, path: string, body?: { text: string; contentType: string }): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers: body ? { 'content-type': body.contentType } : undefined,
        body: body?.text,
      });
    } catch (err) {
      throw new ApiError(`cannot reach the Loom API at ${this.baseUrl} (is \`loom up\` running? set --api or LOOM_API): ${(err as Error).cause ?? (err as Error).message}`, undefined, { cause: err });
    }
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text ? JSON.parse(text) : undefined;
    } catch {
      payload = text;
    }
    if (!response.ok) {
      const message = (payload as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`;
      throw new ApiError(message, response.status);
    }
    return payload as T;
  }
}
