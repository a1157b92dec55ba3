# syntax=docker/dockerfile:1
#
# One recipe for every Herald service; pick one with --target:
#   docker build --target user-service         -t herald/user-service .
#   docker build --target post-service         -t herald/post-service .
#   docker build --target notification-service -t herald/notification-service .
#   docker build --target gateway              -t herald/gateway .
# It runs only what CI already runs (npm ci, tsc -b, node <service>/dist/main.js), and
# test/deploy/emulate-docker-build.mjs replays it without a Docker engine. Keep every RUN relative
# to WORKDIR so that replay stays faithful.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- the workspace manifests, shared by both installs below (npm ci needs every workspace's package.json)
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/platform/package.json packages/platform/
COPY packages/client/package.json packages/client/
COPY user-service/package.json user-service/
COPY post-service/package.json post-service/
COPY notification-service/package.json notification-service/
COPY gateway/package.json gateway/
COPY web-demo/package.json web-demo/

# ---- build: every dependency, Prisma clients, compiled workspaces
FROM manifests AS build
# The root postinstall (scripts/prisma-generate.mjs) generates each service's Prisma client into
# <service>/src/generated/prisma; it points PRISMA_SCHEMA_ENGINE_BINARY at node itself, because
# `prisma generate` needs only the bundled WASM and would otherwise try to download an engine.
COPY scripts/prisma-generate.mjs scripts/
COPY user-service/prisma/schema.prisma user-service/prisma/
COPY post-service/prisma/schema.prisma post-service/prisma/
COPY notification-service/prisma/schema.prisma notification-service/prisma/
RUN npm ci
COPY tsconfig.base.json tsconfig.json ./
COPY packages/contracts/ packages/contracts/
COPY packages/platform/ packages/platform/
COPY user-service/ user-service/
COPY post-service/ post-service/
COPY notification-service/ notification-service/
COPY gateway/ gateway/
# The four services and what they reference; the embedded all-in-one runtime is not shipped.
RUN npx tsc -b packages/contracts packages/platform user-service post-service notification-service gateway

# ---- production dependencies only; no install scripts (the Prisma clients are compiled into dist)
FROM manifests AS prod-deps
RUN npm ci --omit=dev --ignore-scripts

# ---- what every service image shares: runtime modules, the compiled packages, a non-root user
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=prod-deps /app/package.json ./
COPY --from=prod-deps /app/node_modules node_modules/
# package.json (and any nested node_modules) from prod-deps, compiled code from build; the
# node_modules/@herald/* workspace links point here.
COPY --from=prod-deps /app/packages/ packages/
COPY --from=build /app/packages/contracts/dist packages/contracts/dist/
COPY --from=build /app/packages/platform/dist packages/platform/dist/
# uid 1000 is the image's `node` user; numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# No curl in the slim image: node's fetch asks the service's own /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# ---- user-service :3001 (accounts, tokens, follows); migrations are read next to dist at start
FROM runtime AS user-service
COPY --from=prod-deps /app/user-service/ user-service/
COPY --from=build /app/user-service/dist user-service/dist/
COPY user-service/prisma/migrations user-service/prisma/migrations/
ENV PORT=3001
EXPOSE 3001
CMD ["node", "user-service/dist/main.js"]

# ---- post-service :3002 (posts, comments, likes, messages)
FROM runtime AS post-service
COPY --from=prod-deps /app/post-service/ post-service/
COPY --from=build /app/post-service/dist post-service/dist/
COPY post-service/prisma/migrations post-service/prisma/migrations/
ENV PORT=3002
EXPOSE 3002
CMD ["node", "post-service/dist/main.js"]

# ---- notification-service :3003 (inbox, fan-out, WebSockets)
FROM runtime AS notification-service
COPY --from=prod-deps /app/notification-service/ notification-service/
COPY --from=build /app/notification-service/dist notification-service/dist/
COPY notification-service/prisma/migrations notification-service/prisma/migrations/
# The built-in message templates, read at start from next to dist (docs/templates.md).
COPY notification-service/templates notification-service/templates/
ENV PORT=3003
EXPOSE 3003
CMD ["node", "notification-service/dist/main.js"]

# ---- gateway :3000 (the public door; serves web-demo/public, found relative to gateway/dist)
FROM runtime AS gateway
COPY --from=prod-deps /app/gateway/ gateway/
COPY --from=build /app/gateway/dist gateway/dist/
COPY web-demo/public web-demo/public/
ENV PORT=3000
EXPOSE 3000
CMD ["node", "gateway/dist/main.js"]
