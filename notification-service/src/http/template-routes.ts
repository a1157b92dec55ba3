import Type from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { AppError, BadRequestError, type HttpApp } from '@herald/platform';
import { ErrorBody } from '@herald/contracts';
import type { Channel } from '../domain/notification.js';
import { channelsOf, isTemplateChannel, isTemplateType, TEMPLATE_CHANNELS, TEMPLATE_TYPES, type Parts, type TemplateType } from '../templates/catalog.js';
import { TemplateError } from '../templates/compile.js';
import type { Templates } from '../templates/templates.js';
import type { ApiKeys } from './api-keys.js';
import { callerOf, requireAdminKey } from './auth.js';
import { Text } from './schemas.js';

/**
 * Operators' templates (docs/templates.md, docs/api.md "Out-of-band channels, operators and
 * providers"): list, read with every version, replace (a new version), return to the built-in,
 * preview. An API key with the admin scope, as the other admin routes.
 */

const tags = ['admin'];

const PartsSchema = {
  subject: Type.Optional(Text({ maxLength: 1000, description: 'email: the subject line' })),
  preheader: Type.Optional(Text({ maxLength: 1000, description: 'email: the preview text inbox lists show after the subject' })),
  title: Type.Optional(Text({ maxLength: 1000, description: 'in_app and push: the title' })),
  body: Text({ maxLength: 100_000, description: 'the text; for email, MJML sections (<mj-section>…) the layout wraps' }),
  url: Type.Optional(Text({ maxLength: 2000, description: 'push: where a tap leads (default {{link}})' })),
};
const PutBody = Type.Object(PartsSchema, { additionalProperties: false });
const PartsOut = Type.Object({
  subject: Type.Optional(Type.String()),
  preheader: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  body: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
});
const Source = Type.Enum(['builtin', 'custom']);
const Summary = Type.Object({
  type: Type.String(),
  channel: Type.String(),
  locale: Type.String(),
  version: Type.Integer({ description: 'the current version (0: the built-in file, never changed)' }),
  source: Source,
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
});
const Detail = Type.Object({
  ...Summary.properties,
  current: PartsOut,
  inheritedFrom: Type.Optional(Type.String({ description: 'this locale has no template of its own: the one of this locale is used' })),
  builtin: Type.Union([PartsOut, Type.Null()]),
  versions: Type.Array(
    Type.Object({ version: Type.Integer(), source: Source, createdAt: Type.String({ format: 'date-time' }), createdBy: Type.String(), parts: Type.Union([PartsOut, Type.Null()]) }),
  ),
});
const Params = Type.Object({ type: Type.String({ maxLength: 64 }), channel: Type.String({ maxLength: 64 }), locale: Type.String({ maxLength: 64 }) });
const PreviewBody = Type.Object(
  {
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'variables to use instead of the sample ones (top-level names of the template’s variables)' })),
    template: Type.Optional(Type.Object(PartsSchema, { additionalProperties: false, description: 'texts to try instead of the stored template (nothing is saved)' })),
    timeZone: Type.Optional(Type.String({ maxLength: 64, description: 'the reader’s IANA time zone (default UTC)' })),
  },
  { additionalProperties: false },
);
const Rendered = Type.Object({
  channel: Type.String(),
  subject: Type.Optional(Type.String()),
  preheader: Type.Optional(Type.String()),
  html: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  body: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  segments: Type.Optional(Type.Integer()),
  encoding: Type.Optional(Type.String()),
});
const Preview = Type.Object({
  type: Type.String(),
  channel: Type.String(),
  locale: Type.String(),
  template: Type.Object({ locale: Type.String(), source: Source, version: Type.Integer() }),
  rendered: Rendered,
});
const ListQuery = Type.Object(
  { type: Type.Optional(Type.Enum([...TEMPLATE_TYPES])), channel: Type.Optional(Type.Enum([...TEMPLATE_CHANNELS])), locale: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

const notFound = (message: string) => new AppError(404, 'not_found', message);

/** 404 for a type, channel or locale Herald has no templates for. */
function keyOf(templates: Templates, params: { type: string; channel: string; locale: string }): { type: TemplateType; channel: Channel; locale: string } {
  if (!isTemplateType(params.type)) throw notFound(`no templates of type "${params.type}" (types: ${TEMPLATE_TYPES.join(', ')})`);
  if (!isTemplateChannel(params.type, params.channel)) throw notFound(`${params.type} has no templates for channel "${params.channel}" (channels: ${channelsOf(params.type).join(', ')})`);
  const locale = templates.knownLocale(params.locale);
  if (!locale) throw notFound(`no templates for locale "${params.locale}": languages are ${templates.builtins.locales.join(', ')}, and their regions (es-MX)`);
  return { type: params.type, channel: params.channel, locale };
}

function partsOf(body: Record<string, string | undefined>): Parts {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as Parts;
}

function badInput(err: unknown): never {
  if (err instanceof TemplateError) throw new BadRequestError(err.field, err.problem);
  throw err;
}

const changedBy = (req: FastifyRequest) => callerOf(req).username ?? 'api';

export async function registerTemplateRoutes(app: HttpApp, templates: Templates, apiKeys?: ApiKeys): Promise<void> {
  await app.register(async (instance) => {
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    requireAdminKey(scope, apiKeys);
    const path = '/api/v1/admin/templates/:type/:channel/:locale';

    scope.get('/api/v1/admin/templates', {
      schema: { tags, summary: 'Every template: type, channel, locale, version and source (builtin or custom)', querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(Summary) }), ...errors } },
    }, async (req) => {
      const { type, channel, locale } = req.query;
      const items = (await templates.list()).filter((t) => (!type || t.type === type) && (!channel || t.channel === channel) && (!locale || t.locale === locale));
      return { items };
    });

    scope.get(path, {
      schema: { tags, summary: 'One template: the texts in use, the built-in ones and every version', params: Params, response: { 200: Detail, ...errors } },
    }, async (req) => {
      const key = keyOf(templates, req.params);
      return templates.get(key.type, key.channel, key.locale);
    });

    scope.put(path, {
      schema: {
        tags,
        summary: 'Replace a template: checked (Handlebars, MJML, known variables) and stored as a new version; the previous ones stay',
        params: Params,
        body: PutBody,
        response: { 200: Summary, ...errors },
      },
    }, async (req) => {
      const key = keyOf(templates, req.params);
      return templates.put(key.type, key.channel, key.locale, partsOf(req.body), changedBy(req)).catch(badInput);
    });

    scope.delete(path, {
      schema: {
        tags,
        summary: 'Return to the built-in template (a new version saying so; nothing changes if it already is)',
        params: Params,
        response: { 200: Type.Object({ ...Summary.properties, changed: Type.Boolean() }), ...errors },
      },
    }, async (req) => {
      const key = keyOf(templates, req.params);
      return templates.remove(key.type, key.channel, key.locale, changedBy(req));
    });

    scope.post(`${path}/preview`, {
      schema: {
        tags,
        summary: 'Render a template with sample data (or yours, or texts not yet stored)',
        params: Params,
        body: PreviewBody,
        response: { 200: Preview, ...errors },
      },
    }, async (req) => {
      const key = keyOf(templates, req.params);
      const body = req.body ?? {};
      const result = await templates
        .preview(key.type, key.channel, key.locale, {
          ...(body.data ? { data: body.data } : {}),
          ...(body.template ? { template: partsOf(body.template) } : {}),
          ...(body.timeZone ? { timeZone: body.timeZone } : {}),
        })
        .catch(badInput);
      return { ...key, ...result };
    });
  });
}
