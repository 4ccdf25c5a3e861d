import { LoomError } from '../../errors';

/**
 * A refused Consul API request. The HTTP API answers with `statusCode` and the message
 * as `text/plain`, as Consul does, so Consul clients show the message as the error.
 */
export class ConsulHttpError extends LoomError {
  constructor(
    readonly statusCode: 400 | 404 | 405 | 409 | 413 | 500,
    message: string,
  ) {
    super(message);
  }
}
