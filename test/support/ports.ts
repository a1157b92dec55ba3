export { freePort } from '@herald/platform/testing';
