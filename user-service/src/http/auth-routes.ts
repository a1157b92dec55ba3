import type { FastifyRequest } from 'fastify';
import { actorOf, authenticate, type AccessClaims, type HttpApp, type TokenVerifier } from '@herald/platform';
import { loginUser } from '../app/login.js';
import { registerUser } from '../app/register.js';
import { changePassword, logout, logoutEverywhere, refreshSession, type SessionTokens } from '../app/sessions.js';
import type { UseCaseDeps } from '../app/deps.js';
import { meView } from '../domain/user.js';
import { AuthResponse, ChangePasswordBody, LoginBody, LogoutBody, RefreshBody, RefreshResponse, RegisterBody, bearer, errors } from './schemas.js';

const tokensOf = ({ accessToken, refreshToken, expiresIn }: SessionTokens) => ({ accessToken, refreshToken, expiresIn });
const userAgentOf = (req: FastifyRequest) => (typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined);

/** Sign-up, login and the session lifecycle (docs/api.md "Sessions and tokens"). */
export function authRoutes(app: HttpApp, deps: UseCaseDeps, verifier: TokenVerifier) {
  const onRequest = authenticate(verifier);

  app.post(
    '/api/v1/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and start a session',
        body: RegisterBody,
        response: { 201: AuthResponse, ...errors(400, 409) },
      },
    },
    async (req, reply) => {
      const { user, ...session } = await registerUser(deps, req.body, { userAgent: userAgentOf(req) });
      return reply.code(201).send({ user: meView(user), ...tokensOf(session) });
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a username or email and a password for an access and a refresh token',
        body: LoginBody,
        response: { 200: AuthResponse, ...errors(400, 401) },
      },
    },
    async (req) => {
      const { user, ...session } = await loginUser(deps, req.body, { userAgent: userAgentOf(req) });
      return { user: meView(user), ...tokensOf(session) };
    },
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new access token and a new refresh token (the old one is used up)',
        description:
          'Each refresh token works once. Presenting one that was already used ends its session on every device ' +
          '(401 refresh_token_reused): two parties holding one session means it was stolen.',
        body: RefreshBody,
        response: { 200: RefreshResponse, ...errors(400, 401) },
      },
    },
    async (req) => tokensOf(await refreshSession(deps, req.body.refreshToken)),
  );

  app.post(
    '/api/v1/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End this session: its refresh token stops working and its live sockets close (4401)',
        description: 'Authenticate with the access token, or send the refreshToken in the body (works after the access token expired).',
        body: { ...LogoutBody, nullable: true },
        response: { 204: { type: 'null' }, ...errors(400, 401) },
      },
    },
    async (req, reply) => {
      const refreshToken = (req.body as { refreshToken?: string } | null | undefined)?.refreshToken;
      let claims: AccessClaims | undefined;
      if (refreshToken === undefined || req.headers.authorization) claims = verifier.fromRequest(req);
      await logout(deps, { claims, refreshToken });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/auth/logout-all',
    {
      onRequest,
      schema: {
        tags: ['auth'],
        summary: 'End every session of your account, this one included, and close all your live sockets',
        security: bearer,
        response: { 204: { type: 'null' }, ...errors(401) },
      },
    },
    async (req, reply) => {
      await logoutEverywhere(deps, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/auth/password',
    {
      onRequest,
      schema: {
        tags: ['auth'],
        summary: 'Change your password; every other session ends',
        security: bearer,
        body: ChangePasswordBody,
        response: { 204: { type: 'null' }, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      await changePassword(deps, actorOf(req), req.body);
      return reply.code(204).send(null);
    },
  );
}
