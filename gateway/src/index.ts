export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export { readGatewayConfig, gatewayConfigSpec, publicKeyOf, upstreamsOf, repoRoot, type GatewayConfig } from './config.js';
export { resolveRoute, ROUTES, OPEN_ROUTES, PUBLIC_ROUTES, SERVICE_NAMES, type ServiceName, type Resolution, type LimitBudget } from './routes-table.js';
