import type { ParameterizedContext } from 'koa';
import type { Logger } from '../logger';

/** What the middleware puts on every request for the routes to use. */
export interface RequestState {
  requestId: string;
  log: Logger;
}

export type ApiContext = ParameterizedContext<RequestState>;
