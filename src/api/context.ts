import type { ParameterizedContext } from 'koa';
import type { Logger } from '../logger';

/** What the middleware puts on every request for the routes to use. */
export interface RequestState {
  requestId: string;
  log: Logger;
  /**
   * Who is asking, for per-client limits: the API key's digest prefix when keys are in use, else the peer address.
   * Set by the key check.
   */
  client: string;
}

export type ApiContext = ParameterizedContext<RequestState>;
