import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { APP_STATUSES, APP_TRANSITIONS, assertTransition, canTransition } from './lifecycle.js';

describe('app lifecycle', () => {
  it('allows the seed lifecycle', () => {
    const legal: [string, string][] = [
      ['registered', 'starting'],
      ['starting', 'running'],
      ['running', 'updating'],
      ['error', 'updating'],
      ['updating', 'running'],
      ['starting', 'stopping'],
      ['running', 'stopping'],
      ['updating', 'stopping'],
      ['error', 'stopping'],
      ['stopping', 'stopped'],
      ['stopped', 'starting'],
    ];
    for (const [from, to] of legal) expect(canTransition(from as never, to as never)).toBe(true);
  });

  it('lets any status fail and any status but deleting be deleted', () => {
    for (const s of APP_STATUSES) {
      if (s !== 'error') expect(canTransition(s, 'error')).toBe(true);
      expect(canTransition(s, 'deleting')).toBe(s !== 'deleting');
    }
  });

  it('rejects everything else with FailedPrecondition naming app and statuses', () => {
    expect(canTransition('registered', 'running')).toBe(false);
    expect(canTransition('stopped', 'updating')).toBe(false);
    expect(canTransition('deleting', 'starting')).toBe(false);
    expect(canTransition('stopping', 'starting')).toBe(false);
    expect(canTransition('running', 'running')).toBe(false);
    try {
      assertTransition('web', 'registered', 'running');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.FailedPrecondition);
      expect((err as ConnectError).rawMessage).toBe(
        'app "web" is registered; it cannot become running',
      );
    }
  });

  it('covers every status in the table', () => {
    expect(Object.keys(APP_TRANSITIONS).sort()).toEqual([...APP_STATUSES].sort());
  });
});
