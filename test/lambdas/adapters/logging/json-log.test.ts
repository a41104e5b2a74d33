import { describe, expect, it } from 'vitest';
import { createJsonLog } from '../../../../lambdas/adapters/logging/json-log.ts';

describe('createJsonLog (serve)', () => {
  it('writes one JSON object a line, at or above the level, without credential values', () => {
    const lines: string[] = [];
    const log = createJsonLog({
      write: (l) => lines.push(l),
      level: 'info',
      service: 'svc',
      now: () => new Date(0),
    });
    log.debug('hidden');
    log.info('hello', { repo: 'acme/env' }, { tag: '1.0.0' });
    log.warn('careful', {
      token: 'ghp_abc',
      webhookSecret: 's3',
      authorization: 'Bearer x',
      nested: { password: 'p' },
    });
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries).toEqual([
      {
        level: 'INFO',
        message: 'hello',
        timestamp: '1970-01-01T00:00:00.000Z',
        service: 'svc',
        repo: 'acme/env',
        tag: '1.0.0',
      },
      {
        level: 'WARN',
        message: 'careful',
        timestamp: '1970-01-01T00:00:00.000Z',
        service: 'svc',
        token: '[redacted]',
        webhookSecret: '[redacted]',
        authorization: '[redacted]',
        nested: { password: '[redacted]' },
      },
    ]);
  });
});
