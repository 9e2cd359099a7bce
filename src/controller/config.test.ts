import { describe, expect, it } from 'vitest';
import { defaultControllerConfig, parseControllerConfig } from './config.js';

describe('controller config', () => {
  it('fills every default from {}', () => {
    const c = defaultControllerConfig();
    expect(c.tick).toBe(20);
    expect(c.detectors.failure).toEqual({ action: 'reweight', quarantineAbove: 0.3 });
    expect(c.detectors.noProgress).toEqual({ action: 'escalate', window: 60_000 });
    expect(c.detectors.starvation?.minShare).toBeUndefined();
    expect(c.validation).toEqual({ controlShare: 0.1, alpha: 0.05, horizon: 2000 });
  });

  it('turns a detector off with false and takes durations', () => {
    const { config } = parseControllerConfig({ detectors: { cost: false, noProgress: { window: '2m' } }, validation: false });
    expect(config?.detectors.cost).toBeNull();
    expect(config?.detectors.noProgress?.window).toBe(120_000);
    expect(config?.validation).toBe(false);
  });

  it('lists the known names for an unknown detector or action, and names the path of a bad number', () => {
    const { issues } = parseControllerConfig({
      detectors: { failur: {}, score: { action: 'explode' }, starvation: { window: -5 } },
      quarantine: { maxShare: 1.5 },
    });
    const text = issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(text).toEqual([
      "detectors.score.action: unknown action 'explode' (known actions here: reweight, quarantine, escalate, pause, none)",
      'detectors.starvation.window: expected more than 0, got -5',
      "detectors: unknown detector 'failur'; did you mean 'failure'? (known detectors: failure, score, latency, cost, rework, thrashing, starvation, noProgress)",
      'quarantine.maxShare: expected at most 1, got 1.5',
    ]);
  });
});
