/**
 * Loads and validates `gateway.yaml` in full, like `metaorch validate` an experiment: every problem at
 * once, each with its file, line and path and what was expected; nothing runs (no port is bound) on
 * error. Variants are validated exactly as in experiments.
 */
import { resolve, dirname } from 'node:path';
import { findAdapter } from '../../adapters/registry.js';
import { envReferences, resolveEnv, secretValues, createRedactor } from '../../config/env.js';
import type { VariantSpec } from '../../config/experiment.js';
import type { Objective } from '../../config/schema.js';
import { formatPath, parseSource, type SourceDocument } from '../../config/source-map.js';
import { validateVariant } from '../../config/variants.js';
import { parseControllerConfig, type ControllerConfig } from '../../controller/config.js';
import { ConfigError, MAX_LISTED_ISSUES, type ConfigIssue } from '../../model/errors.js';
import { FileReadError, readRegularFile } from '../../model/files.js';
import { MAX_NESTING, tooDeep } from '../../model/nesting.js';
import { createPolicy, policyConfigSchema, type PolicyConfig } from '../../policies/index.js';
import { gatewayHeadSchema, routeHeadSchema, type KeyHead, type RouteHead } from './schema.js';

type Path = (string | number)[];

/** A gateway key as validated: its name, its `${ENV}` reference (never the value) and its limits. */
export interface GatewayKey {
  name: string;
  /** The `${NAME}` reference, as written. */
  ref: string;
  rateLimit?: number;
  burst?: number;
  budget?: { cost: number; period: 'day' | 'month' | 'total' };
  /** Routes the key may use; null: all. */
  routes: string[] | null;
}

/** A route as validated. */
export interface GatewayRoute {
  name: string;
  description?: string;
  aliases: string[];
  variants: VariantSpec[];
  policy: PolicyConfig;
  objective: Objective;
  feedback: { waitMs: number; missing: 'skip' | number };
  fallbacks: number;
  timeoutMs: number;
  storeContent: boolean;
  judge?: { share: number; options: Record<string, unknown> };
  controller?: ControllerConfig;
  snapshotEvery: number;
  breaker: { failures: number; cooldownMs: number };
}

/** A validated gateway file: plain data, `${ENV}` references intact. */
export interface GatewayConfig {
  source: string;
  baseDir: string;
  seed: number | null;
  host: string;
  port: number;
  maxBodyBytes: number;
  storeContent: boolean;
  keys: GatewayKey[];
  routes: GatewayRoute[];
  /** The route `model: auto` means. */
  defaultRoute: number;
}

/** The policy a route gets without one: Gaussian Thompson sampling (any objective's rewards, feedback scores with their real spread) that forgets slowly. */
export const DEFAULT_ROUTE_POLICY: PolicyConfig = { name: 'gaussian-thompson', discount: 0.999 };

class Issues {
  readonly list: ConfigIssue[] = [];
  omitted = 0;
  constructor(private readonly doc: SourceDocument) {}
  at(path: Path, message: string): void {
    if (this.list.length >= MAX_LISTED_ISSUES) {
      this.omitted++;
      return;
    }
    const pos = this.doc.locate(path);
    this.list.push({ file: this.doc.file, path: formatPath(path), message, ...(pos ? { line: pos.line, column: pos.column } : {}) });
  }
  error(redact: (t: string) => string): ConfigError {
    return new ConfigError(this.list.map((i) => ({ ...i, message: redact(i.message) })), this.omitted, 'gateway config');
  }
}

/**
 * @example
 * const config = await loadGatewayConfig('gateway.yaml', process.env); // throws ConfigError listing every problem
 */
export async function loadGatewayConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  const source = resolve(file);
  let text: string;
  try {
    text = readRegularFile(source, env);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    const message = e.message === 'file not found' ? 'file not found: expected a gateway.yaml (routes, keys)' : e.message;
    throw new ConfigError([{ file, path: '', message }], 0, 'gateway config');
  }
  const doc = parseSource(file, text);
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => ({ file, path: '', message: `YAML syntax: ${e.message}`, ...(e.line ? { line: e.line, column: e.column ?? 1 } : {}) })), 0, 'gateway config');
  }
  const issues = new Issues(doc);
  const deep = tooDeep(doc.value);
  if (deep) {
    issues.at(deep, `nested more than ${MAX_NESTING} levels deep`);
    throw issues.error((t) => t);
  }
  const redact = createRedactor(secretValues(doc.value, env));
  const head = gatewayHeadSchema.safeParse(doc.value ?? {});
  if (!head.success) {
    for (const issue of head.error.issues) issues.at(issue.path as Path, describe(issue));
    throw issues.error(redact);
  }
  const h = head.data;
  const baseDir = dirname(source);
  const routes: GatewayRoute[] = [];
  h.routes.forEach((raw, i) => {
    const route = loadRoute(raw, ['routes', i], h.storeContent, env, baseDir, issues);
    if (route) routes.push(route);
  });
  checkNames(routes, issues);
  const keys = (h.keys ?? []).map((k, i) => loadKey(k, ['keys', i], routes, issues));
  checkEnv(doc.value, env, issues);
  if (issues.list.length + issues.omitted > 0) throw issues.error(redact);
  const marked = routes.findIndex((r, i) => (h.routes[i] as { default?: unknown })['default'] === true);
  return {
    source, baseDir, seed: h.seed ?? null, host: h.host, port: h.port, maxBodyBytes: h.maxBodySize, storeContent: h.storeContent,
    keys, routes, defaultRoute: Math.max(0, marked),
  };
}

function loadRoute(raw: Record<string, unknown>, at: Path, storeContent: boolean, env: NodeJS.ProcessEnv, baseDir: string, issues: Issues): GatewayRoute | null {
  const parsed = routeHeadSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.at([...at, ...(issue.path as Path)], describe(issue));
    return null;
  }
  const r: RouteHead = parsed.data;
  const variants: VariantSpec[] = [];
  if (r.variants.length === 0) issues.at([...at, 'variants'], 'expected at least one variant');
  const ids = new Set<string>();
  r.variants.forEach((v, j) => {
    const where = [...at, 'variants', j];
    const { variant, issues: found } = validateVariant(v, env, baseDir);
    for (const issue of found) issues.at([...where, ...issue.path], issue.message);
    if (!variant) return;
    if (variant.prompt !== undefined) issues.at([...where, 'prompt'], "a gateway variant answers the client's own messages: 'prompt' is not used (use 'system' to put a system prompt first)");
    if (ids.has(variant.id)) issues.at([...where, 'id'], `duplicate variant id '${variant.id}' in route '${r.name}'`);
    ids.add(variant.id);
    variants.push(variant);
  });
  const policy = checkPolicy(r, at, variants.length, issues);
  let controller: ControllerConfig | undefined;
  if (r.controller !== undefined) {
    const c = parseControllerConfig(r.controller);
    for (const issue of c.issues) issues.at([...at, 'controller', ...issue.path], issue.message);
    controller = c.config;
  }
  let judge: GatewayRoute['judge'];
  if (r.judge) {
    const { share, ...options } = r.judge;
    const { issues: found } = validateVariant(options.variant, env, baseDir);
    for (const issue of found) issues.at([...at, 'judge', 'variant', ...issue.path], issue.message);
    judge = { share, options };
  }
  const route: GatewayRoute = {
    name: r.name, aliases: r.aliases, variants, policy: policy ?? DEFAULT_ROUTE_POLICY, objective: r.objective ?? { score: 1, error: 0 },
    feedback: { waitMs: r.feedback.wait, missing: r.feedback.missing }, fallbacks: r.fallbacks, timeoutMs: r.timeout,
    storeContent: r.storeContent ?? storeContent, snapshotEvery: r.snapshotEvery, breaker: { failures: r.breaker.failures, cooldownMs: r.breaker.cooldown },
  };
  if (r.description !== undefined) route.description = r.description;
  if (judge) route.judge = judge;
  if (controller) route.controller = controller;
  return route;
}

function checkPolicy(r: RouteHead, at: Path, arms: number, issues: Issues): PolicyConfig | undefined {
  const config = r.policy ?? DEFAULT_ROUTE_POLICY;
  const parsed = policyConfigSchema.safeParse(config);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.at([...at, 'policy', ...(issue.path as Path)], describe(issue));
    return undefined;
  }
  try {
    createPolicy(config as PolicyConfig, Math.max(1, arms));
  } catch (e) {
    issues.at([...at, 'policy'], (e as Error).message);
    return undefined;
  }
  return config as PolicyConfig;
}

/** Route names and aliases must say one thing each. */
function checkNames(routes: GatewayRoute[], issues: Issues): void {
  const seen = new Map<string, number>();
  routes.forEach((r, i) => {
    const other = seen.get(r.name);
    if (other !== undefined) issues.at(['routes', i, 'name'], `duplicate route name '${r.name}' (also routes[${other}])`);
    else seen.set(r.name, i);
    if (r.name === 'auto') issues.at(['routes', i, 'name'], "'auto' is reserved: it means the default route");
  });
  routes.forEach((r, i) => {
    r.aliases.forEach((a, j) => {
      const owner = seen.get(a);
      if (owner !== undefined && owner !== i) issues.at(['routes', i, 'aliases', j], `alias '${a}' is the name of route '${routes[owner]!.name}'`);
    });
  });
}

function loadKey(k: KeyHead, at: Path, routes: GatewayRoute[], issues: Issues): GatewayKey {
  if (!/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(k.key)) {
    issues.at([...at, 'key'], 'expected an ${ENV} reference such as ${APP_GATEWAY_KEY}: a key written in the file would be stored and shown; set it in the environment');
  }
  const names = new Set(routes.map((r) => r.name));
  (k.routes ?? []).forEach((r, j) => {
    if (!names.has(r)) issues.at([...at, 'routes', j], `unknown route '${r}'; routes: ${[...names].join(', ')}`);
  });
  const key: GatewayKey = { name: k.name, ref: k.key, routes: k.routes ?? null };
  if (k.rateLimit !== undefined) key.rateLimit = k.rateLimit;
  if (k.burst !== undefined) key.burst = k.burst;
  if (k.budget) key.budget = k.budget;
  return key;
}

function checkEnv(config: unknown, env: NodeJS.ProcessEnv, issues: Issues): void {
  for (const name of envReferences(config)) {
    if (env[name] === undefined || env[name] === '') issues.at([], `environment variable ${name} is referenced as \${${name}} but not set`);
  }
}

function describe(issue: { code: string; message: string; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  return issue.message;
}

/** The `${ENV}`-resolved options of a variant, as an adapter or an upstream is built from them. */
export function variantOptions(variant: VariantSpec, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const definition = findAdapter(variant.adapter);
  const resolved = resolveEnv(variant.options, env);
  return definition ? (definition.options.parse(resolved) as Record<string, unknown>) : resolved;
}
