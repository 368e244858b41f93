/**
 * A peer that keeps the old connection half-open after the client has moved on to a new one,
 * then writes on it and closes it: the old socket must neither feed the new connection's codec
 * nor unhook the new connection's writer.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { FrameReader, decodePdu, encodePdu } from '../../src/index.js';
import type { Pdu } from '../../src/index.js';
import type { SmppActor } from '../../machines/smpp.machine.js';
import { smppMachine } from '../../src/session/smpp-machine.js';

let server: Server | undefined;
let actor: SmppActor | undefined;
const sockets: Socket[] = [];

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(async () => {
  actor?.stop();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

it('keeps the new connection working while the old one lingers, talks and closes', async () => {
  const submitsOn: number[] = [];
  const enquireAnswers: ((seq: number) => void)[] = [];
  server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    const n = sockets.length;
    const reader = new FrameReader();
    socket.on('end', () => undefined); // half-open: this side stays open
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        const pdu: Pdu = decodePdu(frame);
        if (pdu.command === 'bind_transceiver') {
          socket.write(encodePdu({ command: 'bind_transceiver_resp', sequence_number: pdu.sequence_number, system_id: 'PEER' }));
        } else if (pdu.command === 'submit_sm') {
          submitsOn.push(n);
          socket.write(encodePdu({ command: 'submit_sm_resp', sequence_number: pdu.sequence_number, message_id: `m${n}` }));
        } else if (pdu.command === 'enquire_link_resp') {
          enquireAnswers.shift()?.(pdu.sequence_number);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  actor = createActor(smppMachine, {
    input: { host: '127.0.0.1', port, reconnect_delay_initial: 0.05, reconnect_jitter: 0, smpp_response_timeout: 3, logger: pino({ level: 'silent' }) },
  });
  actor.start();
  await waitFor(actor, (s) => s.hasTag('bound'), { timeout: 5_000 });
  // The SMSC unbinds; the client answers, leaves the connection (the peer keeps it half-open) and binds again.
  sockets[0]!.write(encodePdu({ command: 'unbind', sequence_number: 77 }));
  await waitFor(actor, (s) => sockets.length === 2 && s.hasTag('bound'), { timeout: 5_000 });
  const window = actor.getSnapshot().context.runtime.window;
  await expect(window.request({ command: 'submit_sm' })).resolves.toMatchObject({ message_id: 'm2' });

  // On the old connection: a request (must not reach the new codec), then the close.
  sockets[0]!.write(encodePdu({ command: 'deliver_sm', sequence_number: 5, short_message: Buffer.from('stale') }));
  sockets[0]!.destroy();
  // A round trip on the new connection: by its end the old socket's data and close are handled.
  const answered = new Promise<number>((resolve) => enquireAnswers.push(resolve));
  sockets[1]!.write(encodePdu({ command: 'enquire_link', sequence_number: 88 }));
  expect(await answered).toBe(88);

  await expect(window.request({ command: 'submit_sm' })).resolves.toMatchObject({ message_id: 'm2' });
  expect(submitsOn).toEqual([2, 2]);
  expect(actor.getSnapshot().hasTag('bound')).toBe(true);
});
