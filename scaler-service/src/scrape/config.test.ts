import { describe, expect, it } from 'vitest';
import { loadScrapeConfig } from './config.js';

describe('scrape config', () => {
  it('has defaults and names the variable of a wrong value', () => {
    expect(loadScrapeConfig({})).toEqual({
      enabled: true,
      concurrency: 16,
      maxBodyBytes: 4 * 1024 * 1024,
      tickMs: 250,
    });
    expect(loadScrapeConfig({ SCALER_SCRAPE: 'off', SCALER_SCRAPE_TICK: '1s' })).toMatchObject({
      enabled: false,
      tickMs: 1000,
    });
    expect(() => loadScrapeConfig({ SCALER_SCRAPE_CONCURRENCY: '0' })).toThrow(
      /^SCALER_SCRAPE_CONCURRENCY: /,
    );
    expect(() => loadScrapeConfig({ SCALER_SCRAPE_MAX_BODY_BYTES: '10' })).toThrow(
      /^SCALER_SCRAPE_MAX_BODY_BYTES: /,
    );
  });
});
