export { createLiveHub, type LiveHub, type LiveHubDeps, type LiveHubStats } from './hub.js';
export type { LiveInbox } from './hub-context.js';
export { DEFAULT_LIVE_OPTIONS, DEFAULT_PRESENCE_TTL_MS, liveEnvSpec, liveOptionsFromConfig, resolveLiveOptions, type LiveOptions } from './options.js';
export { CLOSE } from './protocol.js';
export { BROADCAST, type FramesHandler, type LiveTransport, type ResyncRequest, type TransportListener } from './transport.js';
