import { beforeEach, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/transport/redact-url.js';

beforeEach(() => {
  expect.hasAssertions();
});

describe('redactUrl', () => {
  it.each([
    ['a password', 'amqp://user:hunter2@rabbit:5672/vh', 'amqp://user:***@rabbit:5672/vh'],
    ['a password with no user name', 'rediss://:hunter2@redis.example', 'rediss://:***@redis.example'],
    ['a user name alone (a Sentry DSN key)', 'https://hunter2@sentry.example/1', 'https://***@sentry.example/1'],
    ['no credentials', 'redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
  ])('masks %s', (_what, url, expected) => {
    expect(redactUrl(url, 'test')).toBe(expected);
  });

  it('shows none of a URL it cannot parse, since a secret may be anywhere in it', () => {
    expect(redactUrl('amqp://user:hunter2@[bad', 'amqp_url')).toBe('<unparseable amqp_url URL>');
  });
});
