import Type from 'typebox';
import type { AppDeps } from '../app/deps.js';
import { deliveryStatus } from '../app/delivery-status.js';
import { listInbox, unreadCount } from '../app/list-inbox.js';
import { markAllRead, markRead } from '../app/mark-read.js';
import { BadRequestError, NotFoundError, toUuid } from '@herald/platform';
import { callerOf } from './auth.js';
import type { RouteScope } from './scope.js';
import { errorResponses, IdParams, InboxPage, InboxQuery, NoContent, StatusPage, StatusQuery } from './schemas.js';

const tags = ['notifications'];
const security = [{ bearer: [] }];

export function inboxRoutes(app: RouteScope, deps: AppDeps): void {
  app.get(
    '/api/v1/notifications',
    { schema: { tags, security, summary: 'The inbox, newest first', querystring: InboxQuery, response: { 200: InboxPage, ...errorResponses } } },
    async (req) => listInbox(deps, callerOf(req).userId, req.query),
  );

  app.get(
    '/api/v1/notifications/unread-count',
    { schema: { tags, security, summary: 'Exact number of unread items', response: { 200: Type.Object({ count: Type.Integer() }), ...errorResponses } } },
    async (req) => ({ count: await unreadCount(deps, callerOf(req).userId) }),
  );

  app.get(
    '/api/v1/notifications/status',
    {
      schema: {
        tags,
        security,
        summary: 'Delivery status per notification and channel',
        description: 'Notifications you received, or sent through the send API, in the order asked. Others and unknown ids are omitted; asked alone, they answer 404.',
        querystring: StatusQuery,
        response: { 200: StatusPage, ...errorResponses },
      },
    },
    async (req) => {
      const ids = parseIdList(req.query.id);
      const items = await deliveryStatus(deps, callerOf(req).userId, ids);
      if (ids.length > 1) return { items };
      if (items.length === 0) throw new NotFoundError('notification');
      return { ...items[0]!, items };
    },
  );

  app.post(
    '/api/v1/notifications/read-all',
    { schema: { tags, security, summary: 'Mark every item read', response: { 204: NoContent, ...errorResponses } } },
    async (req, reply) => {
      await markAllRead(deps, callerOf(req).userId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/notifications/:id/read',
    {
      schema: {
        tags,
        security,
        summary: 'Mark one item read',
        description: "A superseded group item reads its latest successor. Another user's id answers 404, like an unknown one.",
        params: IdParams,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (req, reply) => {
      await markRead(deps, callerOf(req).userId, req.params.id);
      return reply.code(204).send(null);
    },
  );
}

/** `?id=a&id=b` and `?id=a,b` both name several ids; each must be a notification id. */
function parseIdList(values: readonly string[]): string[] {
  const ids = [...new Set(values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean))];
  if (ids.length === 0) throw new BadRequestError('id', 'at least one notification id is required');
  if (ids.length > 100) throw new BadRequestError('id', 'at most 100 ids per request');
  const bad = ids.find((id) => !toUuid(id));
  if (bad !== undefined) throw new BadRequestError('id', `${JSON.stringify(bad.slice(0, 64))} is not a notification id`);
  return ids;
}
