import { Compile } from 'typebox/compile';
import { randomUUID } from 'node:crypto';
import { AnyEnvelope } from './envelope.js';
import { EventSchemas, isEventType, type EventData, type EventOf, type EventType, type DomainEvent } from './events.js';

const validators = Object.fromEntries(
  Object.entries(EventSchemas).map(([type, schema]) => [type, Compile(schema)]),
) as { [T in EventType]: ReturnType<typeof Compile<(typeof EventSchemas)[T]>> };
const anyEnvelope = Compile(AnyEnvelope);

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
  constructor(message: string, readonly problems: string[] = []) {
    super(problems.length ? `${message}: ${problems.join('; ')}` : message);
  }
}

export class UnknownEventTypeError extends Error {
  override name = 'UnknownEventTypeError';
  constructor(readonly type: string) {
    super(`unknown event type ${type}`);
  }
}

function problemsOf(errors: Iterable<{ instancePath: string; message: string }>): string[] {
  return [...errors].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

/** Creates a valid envelope for `type`, validating `data` on the way out so producers cannot drift. */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  opts: { producer: string; id?: string; occurredAt?: Date },
): EventOf<T> {
  const event = {
    id: opts.id ?? randomUUID(),
    type,
    occurredAt: (opts.occurredAt ?? new Date()).toISOString(),
    producer: opts.producer,
    version: 1 as const,
    data,
  };
  const validator = validators[type];
  if (!validator.Check(event)) throw new InvalidEventError(`invalid ${type}`, problemsOf(validator.Errors(event)));
  return event as unknown as EventOf<T>;
}

/**
 * Validates an incoming message. Throws InvalidEventError for a malformed envelope or payload
 * (dead-letter it) and UnknownEventTypeError for a well-formed event of a type we do not know
 * (ack and count it: newer producers may be ahead of us).
 */
export function parseEvent(input: unknown): DomainEvent {
  if (!anyEnvelope.Check(input)) throw new InvalidEventError('invalid envelope', problemsOf(anyEnvelope.Errors(input)));
  if (!isEventType(input.type)) throw new UnknownEventTypeError(input.type);
  const validator = validators[input.type];
  if (!validator.Check(input)) throw new InvalidEventError(`invalid ${input.type}`, problemsOf(validator.Errors(input)));
  return input as DomainEvent;
}
