// A signal that fires when the client of a request has gone (closed the connection before its answer was
// sent), so long work started for it (an import) stops and writes nothing rather than finishing for no one.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Aborted when the connection closes before the response has been written in full. */
export function clientGoneSignal(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const gone = () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection before the answer'));
  };
  // The response's 'close' comes once the answer is sent or the connection is gone; only the latter aborts.
  reply.raw.once('close', gone);
  request.raw.once('aborted', gone);
  // Not `request.raw.destroyed`: a request is destroyed once its body has been read to the end (a multipart
  // upload already streamed to disk), with the client still waiting. A gone client shows on its socket.
  if (reply.raw.destroyed || request.raw.socket?.destroyed) gone();
  return controller.signal;
}
