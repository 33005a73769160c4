import { errorFromResponse } from '../../src/graph/client';

// The error a caller sees after the last throttled answer used to read Retry-After as whole seconds only.
describe('GraphError.retryAfterMs reads Retry-After as seconds or an HTTP date', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  test('seconds', () => {
    expect(errorFromResponse('read job', 429, '{}', undefined, '12', now).retryAfterMs).toBe(12_000);
  });
  test('HTTP date', () => {
    expect(errorFromResponse('read job', 429, '{}', undefined, 'Thu, 01 Jan 2026 12:00:20 GMT', now).retryAfterMs).toBe(20_000);
  });
});
