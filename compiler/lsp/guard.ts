// Wraps every handler so the server never crashes and never answers with a stack trace: malformed
// parameters become JSON-RPC `InvalidParams` errors, compiler bugs become `InternalError`s, and
// both are logged to the editor's output channel.
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { ServerContext } from './context.js';
import { InvalidParams } from './params.js';

/** A request handler: the params as received, the answer or an error response. */
export function guardRequest<R>(
  ctx: ServerContext,
  method: string,
  handler: (params: unknown) => R,
): (params: unknown) => R | ResponseError<void> {
  return (params) => {
    try {
      return handler(params);
    } catch (error) {
      return toResponseError(ctx, method, error);
    }
  };
}

/** A notification handler: errors are logged, since a notification has no answer. */
export function guardNotification(
  ctx: ServerContext,
  method: string,
  handler: (params: unknown) => void,
): (params: unknown) => void {
  return (params) => {
    try {
      handler(params);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log(`${method}: ${error instanceof InvalidParams ? '' : 'internal error: '}${message}`);
    }
  };
}

function toResponseError(ctx: ServerContext, method: string, error: unknown): ResponseError<void> {
  if (error instanceof InvalidParams) {
    ctx.log(`${method}: invalid params: ${error.message}`);
    return new ResponseError(ErrorCodes.InvalidParams, error.message);
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  ctx.log(`${method}: internal error: ${detail}`);
  return new ResponseError(ErrorCodes.InternalError, `cnnc: internal error in ${method}`);
}
