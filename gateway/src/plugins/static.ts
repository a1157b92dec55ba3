import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import type { FastifyRequest, FastifySchema } from 'fastify';
import { isApiPath, pathSegments } from '../routes-table.js';

export interface StaticOptions {
  /** Absolute folder holding web-demo's files (index.html at its top). */
  root: string;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile(), () => false);
}

/** The file under `root` a URL path names (a folder means its index.html); never outside `root`. */
export async function findFile(root: string, urlPath: string): Promise<string | undefined> {
  const segments = pathSegments(urlPath);
  // Dot-files stay private; pathSegments already refuses dot segments and bad encoding.
  if (!Array.isArray(segments) || segments.some((s) => s.startsWith('.') || s.includes('/') || s.includes('\\'))) return undefined;
  const relative = segments.filter(Boolean).join('/');
  for (const candidate of [relative, path.posix.join(relative, 'index.html')]) {
    if (candidate && (await isFile(path.join(root, candidate)))) return candidate;
  }
  return undefined;
}

const isBrowserNavigation = (req: FastifyRequest) => (req.headers.accept ?? '').includes('text/html');

/**
 * web-demo at `/`. A path that is no file falls back to index.html only for a browser navigation
 * (so client-side routes survive a reload); API paths and other clients keep the JSON 404.
 */
export const staticPlugin = fp<StaticOptions>(
  async (app, { root }) => {
    if (!existsSync(root)) app.log.warn({ root }, 'web-demo folder does not exist (yet); / will answer 404');
    await app.register(fastifyStatic, { root, serve: false });
    app.get('/*', { schema: { hide: true } as FastifySchema }, async (req, reply) => {
      const urlPath = req.url.split('?', 1)[0]!;
      if (isApiPath(urlPath)) return reply.callNotFound();
      const file = await findFile(root, urlPath);
      if (file) return reply.sendFile(file);
      if (isBrowserNavigation(req) && (await isFile(path.join(root, 'index.html')))) return reply.sendFile('index.html');
      return reply.callNotFound();
    });
  },
  { name: 'gateway-static' },
);
