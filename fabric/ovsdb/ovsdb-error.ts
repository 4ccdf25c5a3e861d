import { LoomError } from '../../src/errors';

/** Base of every error the OVSDB client raises, so callers can tell them from the rest. */
export class OvsdbError extends LoomError {}

/** The server sent something RFC 7047 does not allow there; the connection is not trusted further. */
export class OvsdbProtocolError extends OvsdbError {}
