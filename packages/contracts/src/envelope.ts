import Type, { type Static, type TSchema } from 'typebox';

/** The exchange every producer publishes domain events to (docs/api.md). */
export const EVENTS_EXCHANGE = 'herald.events';

export const Uuid = Type.String({ format: 'uuid' });

/** Builds the envelope schema for one event type: `{id, type, occurredAt, producer, version, data}`. */
export function envelopeOf<K extends string, D extends TSchema>(type: K, data: D) {
  return Type.Object(
    {
      id: Uuid,
      type: Type.Literal(type),
      occurredAt: Type.String({ format: 'date-time' }),
      producer: Type.String({ minLength: 1, maxLength: 64 }),
      version: Type.Literal(1),
      data,
    },
    { additionalProperties: false },
  );
}

/** The shape every event shares, whatever its type; used to route before the type is known. */
export const AnyEnvelope = Type.Object({
  id: Uuid,
  type: Type.String({ minLength: 1, maxLength: 128 }),
  occurredAt: Type.String({ format: 'date-time' }),
  producer: Type.String({ minLength: 1, maxLength: 64 }),
  version: Type.Integer({ minimum: 1 }),
  data: Type.Unknown(),
});
export type AnyEnvelope = Static<typeof AnyEnvelope>;
