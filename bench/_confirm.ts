import { BusPublisher, benchConnection, declareQueue } from './e2e-bus.js';
const url = 'amqp://guest:guest@127.0.0.1:5672';
const connection = benchConnection(url, 'x');
const queue = 'confirm-test';
await declareQueue(connection, queue);
await connection.queuePurge({ queue });
const consumer = connection.createConsumer({ queue, queueOptions: { durable: true }, qos: { prefetchCount: 100 }, concurrency: 100 }, () => {});
const pub = new BusPublisher(connection, 100000);
for (const rate of [1000, 1000, 3000]) {
  const n = rate * 5; const lat: number[] = [];
  const start = performance.now(); const pending: Promise<void>[] = []; let sent = 0;
  while (sent < n) {
    const due = Math.min(n, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    for (; sent < due; sent++) { const t = performance.now(); pending.push(pub.send(queue, Buffer.alloc(455, 120)).then(() => { lat.push(performance.now() - t); })); }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(pending); lat.sort((a, b) => a - b);
  console.log(`rate ${rate}: confirm p50=${lat[Math.floor(n*0.5)]!.toFixed(1)} p99=${lat[Math.floor(n*0.99)]!.toFixed(1)} max=${lat[n-1]!.toFixed(1)}`);
}
await consumer.close(); await pub.close(); await connection.queueDelete({ queue }); await connection.close();
