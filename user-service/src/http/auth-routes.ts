import { loginUser } from '../app/login.js';
import { registerUser } from '../app/register.js';
import type { UseCaseDeps } from '../app/deps.js';
import { meView } from '../domain/user.js';
import type { HttpApp } from '@herald/platform';
import { AuthResponse, LoginBody, RegisterBody, errors } from './schemas.js';

/** The only routes that need no token. */
export function authRoutes(app: HttpApp, deps: UseCaseDeps) {
  app.post(
    '/api/v1/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and get an access token',
        body: RegisterBody,
        response: { 201: AuthResponse, ...errors(400, 409) },
      },
    },
    async (req, reply) => {
      const { user, accessToken } = await registerUser(deps, req.body);
      return reply.code(201).send({ user: meView(user), accessToken });
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a username or email and a password for an access token',
        body: LoginBody,
        response: { 200: AuthResponse, ...errors(400, 401) },
      },
    },
    async (req) => {
      const { user, accessToken } = await loginUser(deps, req.body);
      return { user: meView(user), accessToken };
    },
  );
}
