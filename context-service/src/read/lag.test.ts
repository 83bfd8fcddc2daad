import { describe, expect, it } from 'vitest';
import { createLagGauge, lsnOf, type ReplaySample, sampleOf } from './lag.js';

const standby = (over: Partial<ReplaySample>): ReplaySample => ({
  inRecovery: true,
  receiveLsn: 0x3000n,
  replayLsn: 0x3000n,
  sinceCommitMs: 600_000,
  ...over,
});

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('lsnOf / sampleOf', () => {
  it('parses the text form of pg_lsn into a 64-bit position', () => {
    expect(lsnOf('16/B374D848')).toBe(0x16_b374_d848n);
    expect(lsnOf('0/0')).toBe(0n);
    expect(lsnOf(null)).toBeUndefined();
    expect(lsnOf('garbage')).toBeUndefined();
  });

  it('reads the probe row, treating NULLs as unknown', () => {
    expect(
      sampleOf({ in_recovery: true, receive_lsn: null, replay_lsn: '0/10', since_commit_ms: null }),
    ).toEqual({
      inRecovery: true,
      receiveLsn: undefined,
      replayLsn: 0x10n,
      sinceCommitMs: undefined,
    });
  });
});

describe('createLagGauge', () => {
  it('calls a server that is not a standby fresh', () => {
    const gauge = createLagGauge(fakeClock().now);
    expect(gauge.assess(standby({ inRecovery: false, receiveLsn: undefined }))).toEqual({
      lagMs: 0,
    });
  });

  it('calls a standby that replayed everything it received fresh, however old its last commit', () => {
    const gauge = createLagGauge(fakeClock().now);
    expect(gauge.assess(standby({ sinceCommitMs: 3_600_000 }))).toEqual({ lagMs: 0 });
  });

  it('does not mistake a pending non-commit record on an idle primary for minutes of lag', () => {
    const clock = fakeClock();
    const gauge = createLagGauge(clock.now);
    gauge.assess(standby({}));
    clock.advance(40);
    // A running-xacts record arrived and is not replayed yet; the last commit is 10 min old.
    expect(gauge.assess(standby({ receiveLsn: 0x3100n, sinceCommitMs: 600_000 }))).toEqual({
      lagMs: 40,
    });
  });

  it('uses the last replayed commit when it is the tighter bound', () => {
    const clock = fakeClock();
    const gauge = createLagGauge(clock.now);
    gauge.assess(standby({}));
    clock.advance(5_000);
    expect(
      gauge.assess(standby({ receiveLsn: 0x5000n, replayLsn: 0x4000n, sinceCommitMs: 1_200 })),
    ).toEqual({ lagMs: 1_200 });
  });

  it('grows while replay is paused behind received WAL', () => {
    const clock = fakeClock();
    const gauge = createLagGauge(clock.now);
    gauge.assess(standby({}));
    clock.advance(2_500);
    const paused = standby({ receiveLsn: 0x9000n, sinceCommitMs: 600_000 });
    expect(gauge.assess(paused)).toEqual({ lagMs: 2_500 });
    clock.advance(1_000);
    expect(gauge.assess(paused)).toEqual({ lagMs: 3_500 });
  });

  it('ignores a caught-up moment the replica has not replayed up to (a rebuilt standby)', () => {
    const clock = fakeClock();
    const gauge = createLagGauge(clock.now);
    gauge.assess(standby({ receiveLsn: 0x9000n, replayLsn: 0x9000n }));
    clock.advance(10);
    expect(
      gauge.assess(standby({ receiveLsn: 0x5000n, replayLsn: 0x4000n, sinceCommitMs: 90_000 })),
    ).toEqual({ lagMs: 90_000 });
  });

  it('says it cannot tell when a standby that is not caught up has nothing to date it by', () => {
    const gauge = createLagGauge(fakeClock().now);
    const undated = { sinceCommitMs: undefined };
    expect(gauge.assess(standby({ ...undated, receiveLsn: undefined }))).toEqual({
      unknown: 'replica not streaming from the primary',
    });
    // The receiver reports the start of the segment it asked for, before the replayed position.
    expect(gauge.assess(standby({ ...undated, receiveLsn: 0x1000n }))).toEqual({
      unknown: 'replica streaming has just restarted',
    });
    expect(gauge.assess(standby({ ...undated, receiveLsn: 0x4000n }))).toEqual({
      unknown: 'replica is replaying and has no commit to date it',
    });
  });

  it("takes the primary's word: replayed up to its flushed position means fresh, from then on", () => {
    const clock = fakeClock();
    const gauge = createLagGauge(clock.now);
    // Restarted standby on an idle primary: nothing new received, last commit long ago.
    const restarted = standby({ receiveLsn: 0x1000n, replayLsn: 0x3000n, sinceCommitMs: 600_000 });
    expect(gauge.assess(restarted)).toEqual({ lagMs: 600_000 });
    expect(gauge.confirm(restarted, 0x3100n)).toBeUndefined();
    expect(gauge.confirm(restarted, 0x3000n)).toEqual({ lagMs: 0 });
    clock.advance(300);
    expect(gauge.assess(restarted)).toEqual({ lagMs: 300 });
  });
});
