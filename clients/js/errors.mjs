// Errors reported by the client. `code` is either a server error code from
// docs/protocol.md (bad_request, unauthorized, forbidden, not_member,
// not_found, too_large, rate_limited, conflict, unavailable, internal) or one
// of the client's own:
//   timeout       a request got no reply in time
//   closed        the client was closed with close()
//   offline       the operation needs a live connection and there is none
//   disconnected  the connection dropped before the reply came
//   http          a REST call failed without a Parley error body
//   protocol      the server sent something the protocol does not allow
//   listener      an event listener threw
export class ParleyError extends Error {
  constructor(code, message, details = {}) {
    super(message || code);
    this.name = 'ParleyError';
    this.code = code;
    for (const [k, v] of Object.entries(details)) if (v !== undefined) this[k] = v;
  }
}

/** Server error codes for which the same request may simply be retried later. */
export const RETRYABLE_CODES = new Set(['rate_limited', 'unavailable', 'internal']);
