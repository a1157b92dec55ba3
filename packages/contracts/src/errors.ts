import Type, { type Static } from 'typebox';

/** The public error shape of every HTTP response that is not a success (docs/api.md). */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;
