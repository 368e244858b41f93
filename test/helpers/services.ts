/**
 * The real RabbitMQ and Redis the integration tests talk to. Where one is not running, its tests
 * skip with a loud message — except under CI=true, where a missing service fails the run
 * (.ci/run starts both).
 */
import { connect } from 'node:net';

export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function check(name: string, url: string, defaultPort: number): Promise<boolean> {
  if (await reachable(url, defaultPort)) return true;
  const message = `${name} is not reachable at ${url}: its integration tests are SKIPPED. Start it (see .ci/run) to run them.`;
  if (process.env.CI === 'true') throw new Error(`${message} Under CI=true this is a failure.`);
  console.warn(`\n${'!'.repeat(100)}\n!!! ${message}\n${'!'.repeat(100)}\n`);
  return false;
}

/** Whether RabbitMQ is up; use as `describe.runIf(await rabbitmqAvailable())`. */
export const rabbitmqAvailable = (): Promise<boolean> => check('RabbitMQ', RABBITMQ_URL, 5672);
/** Whether Redis is up; use as `describe.runIf(await redisAvailable())`. */
export const redisAvailable = (): Promise<boolean> => check('Redis', REDIS_URL, 6379);
