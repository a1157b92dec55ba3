import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import { ExpectationFailedError } from '../errors.js';

const kExpect = Symbol('herald.gateway.expect');
type ExpectingRequest = IncomingMessage & { [kExpect]?: 'continue' | 'unsupported' };

/**
 * `Expect: 100-continue`. Node answers it with 100 Continue the moment the headers arrive, before
 * anything has looked at the request; here the answer waits until the request has passed every
 * check that needs no body (route, token, limits, Content-Length against the limit) and the body is
 * about to be read. A refusal is then the final answer, and the client never sends a body it would
 * have sent for nothing (Node closes that connection afterwards). Any other expectation is refused
 * with 417 in the error shape.
 */
export const expectContinuePlugin = fp(
  async (app) => {
    const server = app.server;
    const dispatch = (expect: 'continue' | 'unsupported') => (req: ExpectingRequest, res: ServerResponse) => {
      req[kExpect] = expect;
      server.emit('request', req, res);
    };
    const onContinue = dispatch('continue');
    const onOther = dispatch('unsupported');
    server.on('checkContinue', onContinue);
    server.on('checkExpectation', onOther);
    app.addHook('onClose', async () => {
      server.off('checkContinue', onContinue);
      server.off('checkExpectation', onOther);
    });

    app.addHook('onRequest', async (req, reply) => {
      if ((req.raw as ExpectingRequest)[kExpect] !== 'unsupported') return;
      reply.header('connection', 'close');
      throw new ExpectationFailedError(String(req.headers.expect));
    });
    // preParsing runs after every onRequest check, right before the body is read.
    app.addHook('preParsing', async (req, reply, payload) => {
      const raw = req.raw as ExpectingRequest;
      if (raw[kExpect] === 'continue') {
        raw[kExpect] = undefined;
        reply.raw.writeContinue();
      }
      return payload;
    });
  },
  { name: 'gateway-expect-continue' },
);
