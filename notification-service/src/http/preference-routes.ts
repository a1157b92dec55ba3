import type { AppDeps } from '../app/deps.js';
import { getPreferences, putPreferences } from '../app/preferences.js';
import { callerOf } from './auth.js';
import type { RouteScope } from './scope.js';
import { errorResponses, Preferences, PreferencesBody } from './schemas.js';

const tags = ['preferences'];
const security = [{ bearer: [] }];

// The body schema documents the shape; normalizePreferences validates it, so a 400 names the
// dotted field (`types.like.frequency`) and values are never coerced ("true" is not true).
const validatedByDomain = () => () => true;

export function preferenceRoutes(app: RouteScope, deps: AppDeps): void {
  app.get(
    '/api/v1/users/me/preferences',
    { schema: { tags, security, summary: 'Your notification preferences (defaults until you save some)', response: { 200: Preferences, ...errorResponses } } },
    async (req) => getPreferences(deps, callerOf(req).userId),
  );

  for (const [method, url] of [['PUT', '/api/v1/users/me/preferences'], ['POST', '/api/v1/users/preferences']] as const) {
    app.route({
      method,
      url,
      schema: {
        tags,
        security,
        summary: method === 'PUT' ? 'Replace your notification preferences' : 'Replace your notification preferences (alias of PUT /api/v1/users/me/preferences)',
        body: PreferencesBody,
        response: { 200: Preferences, ...errorResponses },
      },
      validatorCompiler: validatedByDomain,
      handler: async (req) => putPreferences(deps, callerOf(req).userId, req.body as unknown),
    });
  }
}
