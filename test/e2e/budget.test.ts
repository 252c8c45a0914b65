import { describe, expect, inject, it } from 'vitest';
import { describeFirstLoad, firstLoadBudgetBytes, measureFirstLoad } from '../../web/scripts/budget.ts';

describe('the first load', () => {
  it('fetches at most 60 KB of gzipped JavaScript and CSS', async () => {
    const load = await measureFirstLoad(inject('webRoot'));
    console.log(describeFirstLoad(load));
    expect(load.files.some((file) => file.path.endsWith('.js'))).toBe(true);
    expect(load.files.some((file) => file.path.endsWith('.css'))).toBe(true);
    expect(load.totalGzipBytes).toBeLessThanOrEqual(firstLoadBudgetBytes);
  });
});
