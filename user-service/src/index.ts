export { createUserService, RETENTION_DEFAULTS, type RetentionSettings, type UserService, type UserServiceDeps } from './service.js';
export { loadUserServiceConfig, userServiceConfigSpec, userRetentionEnvSpec, type UserServiceConfig } from './config.js';
export { ScryptPasswordHasher, DEFAULT_SCRYPT, type ScryptParams } from './adapters/scrypt-password-hasher.js';
export { ADDRESS_BOUNCES_QUEUE } from './adapters/address-bounced-consumer.js';
