import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

/** The encapsulated fastify scope routes are declared in, with TypeBox types for req and reply. */
export type RouteScope = FastifyInstance<RawServerDefault, any, any, FastifyBaseLogger, TypeBoxTypeProvider>;
