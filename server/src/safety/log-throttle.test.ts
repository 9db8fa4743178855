import { describe, expect, it } from 'vitest';
import { logThrottle } from './log-throttle.js';

describe('logThrottle', () => {
  it('lets one report through per interval and counts the ones held back', () => {
    let t = 0;
    const throttle = logThrottle(1000, () => t);
    const reports: number[] = [];
    const report = (suppressed: number) => void reports.push(suppressed);
    throttle(report);
    t = 10;
    throttle(report);
    t = 999;
    throttle(report);
    t = 1000;
    throttle(report);
    t = 5000;
    throttle(report);
    expect(reports).toEqual([0, 2, 0]);
  });
});
