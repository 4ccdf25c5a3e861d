import { effectiveWaitMs } from '../../../src/registry/embedded/blocking-query';
import { formatGoDuration, parseGoDuration } from '../../../src/registry/go-duration';

describe('Go durations, as Consul reads and writes them', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['250us', 0.25],
    ['0', 0],
    [2_000_000_000, 2000],
  ])('parses %p as %p ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', '10', 'soon', '10 s', '-1s', '1d', null, -5])('refuses %p', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1500, '1.5s'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
  ])('formats %p ms as %p', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

describe('blocking-query wait', () => {
  it('defaults to 5 minutes, caps at 10, and adds at most wait/16 of jitter', () => {
    expect(effectiveWaitMs(undefined, () => 0)).toBe(300_000);
    expect(effectiveWaitMs(3_600_000, () => 0)).toBe(600_000);
    expect(effectiveWaitMs(1600, () => 0.999)).toBe(1699);
  });
});
