export { createUserService, type UserService, type UserServiceDeps } from './service.js';
export { loadUserServiceConfig, type UserServiceConfig } from './config.js';
export { ScryptPasswordHasher, DEFAULT_SCRYPT, type ScryptParams } from './adapters/scrypt-password-hasher.js';
export { ADDRESS_BOUNCES_QUEUE } from './adapters/address-bounced-consumer.js';
