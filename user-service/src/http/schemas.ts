import Type from 'typebox';
import { ErrorBody } from '@herald/contracts';
import { UUID_PATTERN } from '@herald/platform/uuid';
import { PAGE } from '../domain/cursor.js';
import { DEFAULT_DIRECT_MESSAGES } from '../domain/blocks.js';
import { EMAIL_PATTERN, LIMITS, USERNAME_PATTERN } from '../domain/rules.js';

/**
 * Request and response schemas: fastify validates with them, serialises with them (so a field not
 * listed here, such as the password hash, can never be sent) and the OpenAPI document comes from
 * them. The domain rules (rules.ts) re-check and normalise what passes.
 */
export const UserId = Type.String({
  pattern: UUID_PATTERN,
  description: 'user id (uuid)',
});

const DisplayName = Type.String({ minLength: 1, maxLength: LIMITS.displayNameMax });
const Email = Type.String({ maxLength: LIMITS.emailMax, pattern: EMAIL_PATTERN });
const Phone = Type.Union([Type.String({ minLength: 1, maxLength: LIMITS.phoneMax }), Type.Null()], { description: 'a valid number in E.164, e.g. +14155550123; null removes it' });
const Locale = Type.String({ minLength: 2, maxLength: LIMITS.localeMax, description: 'BCP 47 language tag' });
const Timezone = Type.String({ minLength: 1, maxLength: LIMITS.timezoneMax, description: 'IANA time zone' });
const DirectMessages = Type.Union([Type.Literal('everyone'), Type.Literal('following')], {
  description: `whom you accept direct messages from: everyone, or only people you follow (default ${DEFAULT_DIRECT_MESSAGES})`,
});

export const RegisterBody = Type.Object(
  {
    username: Type.String({ minLength: LIMITS.usernameMin, maxLength: LIMITS.usernameMax, pattern: USERNAME_PATTERN }),
    email: Email,
    password: Type.String({ minLength: LIMITS.passwordMin, maxLength: LIMITS.passwordMax }),
    displayName: Type.Optional(DisplayName),
    phone: Type.Optional(Phone),
    locale: Type.Optional(Locale),
    timezone: Type.Optional(Timezone),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    login: Type.String({ minLength: 1, maxLength: LIMITS.emailMax, description: 'username or email' }),
    password: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }),
  },
  { additionalProperties: false },
);

export const PatchMeBody = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    email: Type.Optional(Email),
    phone: Type.Optional(Phone),
    locale: Type.Optional(Locale),
    timezone: Type.Optional(Timezone),
    directMessages: Type.Optional(DirectMessages),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: UserId });

const Limit = Type.Integer({ minimum: 1, maximum: PAGE.maxLimit, default: PAGE.defaultLimit });

export const PageQuery = Type.Object({
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Limit),
});

export const SearchQuery = Type.Object({
  query: Type.String({ maxLength: 100, description: 'username prefix, case-insensitive' }),
  limit: Type.Optional(Limit),
});

export const PublicUser = Type.Object({
  id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  displayName: Type.String(),
  locale: Type.String(),
  timezone: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  followersCount: Type.Integer(),
  followingCount: Type.Integer(),
});

export const MeUser = Type.Object({
  ...PublicUser.properties,
  email: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  emailBounced: Type.Boolean({ description: 'a message to the current email bounced for good; changing the email clears it' }),
  phoneBounced: Type.Boolean({ description: 'an SMS to the current phone number bounced for good; changing the number clears it' }),
  directMessages: DirectMessages,
});

const SessionTokenFields = {
  accessToken: Type.String({ description: 'A short-lived JWT (see expiresIn): send it as Authorization: Bearer' }),
  refreshToken: Type.String({ description: 'Single use: exchange it at /api/v1/auth/refresh for a new pair; keep it secret' }),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
};
export const AuthResponse = Type.Object({ user: MeUser, ...SessionTokenFields });
export const RefreshResponse = Type.Object(SessionTokenFields);
const RefreshTokenField = Type.String({ minLength: 1, maxLength: 128, description: 'the refresh token from login, register or the last refresh' });
export const RefreshBody = Type.Object({ refreshToken: RefreshTokenField }, { additionalProperties: false });
export const LogoutBody = Type.Object({ refreshToken: Type.Optional(RefreshTokenField) }, { additionalProperties: false });
export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }),
    newPassword: Type.String({ minLength: LIMITS.passwordMin, maxLength: LIMITS.passwordMax }),
  },
  { additionalProperties: false },
);
export const DeleteMeBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax, description: 'your current password, to confirm' }) },
  { additionalProperties: false },
);
export const UserResponse = Type.Object({ user: PublicUser });
export const MeResponse = Type.Object({ user: MeUser });
export const SearchResponse = Type.Object({ items: Type.Array(PublicUser) });
export const FollowPageResponse = Type.Object({
  items: Type.Array(Type.Object({ ...PublicUser.properties, followedAt: Type.String({ format: 'date-time' }) })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const BlockPageResponse = Type.Object({
  items: Type.Array(Type.Object({ userId: Type.String({ format: 'uuid' }), createdAt: Type.String({ format: 'date-time' }) })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const NoContent = Type.Null({ description: 'no content' });

/** Error responses for the OpenAPI document, by status. */
export function errors(...statuses: Array<400 | 401 | 403 | 404 | 409 | 429>) {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody]));
}

export const bearer = [{ bearer: [] }];
