/**
 * The gateway (`metaorch gateway`): an OpenAI- and Anthropic-compatible HTTP endpoint that routes each
 * request to a variant of its route by the route's policy, records it as a trial of the route's
 * continuous run, and learns from feedback. One small interface: load a gateway.yaml, start it.
 *
 * @example
 * const config = await loadGatewayConfig('gateway.yaml');
 * const gateway = await startGateway({ config, store, redact, port: 4000 });
 */
export { loadGatewayConfig, type GatewayConfig, type GatewayRoute, type GatewayKey } from './config/load.js';
export { startGateway, type Gateway, type GatewayOptions } from './shell/server.js';
