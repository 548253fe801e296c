/**
 * The sampler's kept-fd budget: with every other fd it keeps (the idle groups', the kept files'),
 * never more than half the process's soft limit on open files.
 */
import { describe, expect, it } from 'vitest';
import { defaultFdBudget, OTHER_KEPT_FDS } from '../../main/sampler/limits';

describe('the fd budget', () => {
  it('keeps the sampler within half the soft limit, all its kept fds counted', () => {
    for (const limit of [1024, 2048, 4096, 20_000, 1 << 20]) {
      const budget = defaultFdBudget(limit);
      expect(budget).toBeGreaterThanOrEqual(0);
      expect(budget).toBeLessThanOrEqual(8192);
      expect(budget + OTHER_KEPT_FDS).toBeLessThanOrEqual(Math.max(OTHER_KEPT_FDS, limit / 2));
    }
    expect(defaultFdBudget(1024)).toBe(0);
    expect(defaultFdBudget(4096)).toBe(2048 - 64 - OTHER_KEPT_FDS);
  });
});
