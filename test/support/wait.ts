/** The shared poll-until of Herald's tests (packages/platform/src/wait-for.ts). */
export { waitFor } from '@herald/platform/testing';
