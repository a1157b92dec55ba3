export { createPostService, SERVICE_NAME, MIGRATIONS_DIR, type PostService, type PostServiceDeps } from './service.js';
export { readPostServiceConfig, postServiceConfigSpec, type PostServiceConfig } from './config.js';
export { USERS_QUEUE } from './adapters/user-registered-consumer.js';
