import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { fromCallback } from 'xstate';
import type { SmppEvent, SocketInput } from '../../machines/smpp.machine.js';

/** How long a closing socket may take to flush its last PDUs (an unbind_resp) before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;

function open({ config }: SocketInput): Socket {
  if (config.tls === false) return netConnect({ host: config.host, port: config.port });
  const tls = config.tls === true ? { reject_unauthorized: true } : config.tls;
  return tlsConnect({
    host: config.host,
    port: config.port,
    servername: tls.servername ?? config.host,
    rejectUnauthorized: tls.reject_unauthorized,
    ...(tls.ca !== undefined && { ca: tls.ca }),
    ...(tls.cert !== undefined && { cert: tls.cert }),
    ...(tls.key !== undefined && { key: tls.key }),
  });
}

/**
 * The TCP (or TLS) connection to the SMSC, for as long as the machine is in its `session` state.
 * It reports socket.connected and socket.closed to the machine; bytes go straight to and from
 * the codec through the runtime, never through machine events, so traffic costs no transitions.
 */
export const socketActor = fromCallback<{ type: 'noop' }, SocketInput, SmppEvent>(({ input, sendBack }) => {
  const { runtime } = input;
  const socket = open(input);
  let lastError: Error | undefined;
  let closedByUs = false;
  let corked = false;

  // PDUs written in one turn of the event loop leave together: cork, and uncork once the I/O
  // callbacks of this turn have run (setImmediate), or sooner once a sixth of a window is
  // waiting. Uncorking at the end of each tick instead sent about one PDU per write under
  // bench:e2e, where each submit comes from its own AMQP delivery: the syscalls were a tenth of
  // the transport's CPU. One segment per window made client and SMSC take turns, each idle
  // while the other worked; a few segments per window let both work at once (measured by the
  // `session` bench: 1.8x node-smpp at window 100 with one segment, 2.4x with six).
  const batchLimit = Math.max(2, Math.ceil(input.config.window_size / 6));
  let batched = 0;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    batched = 0;
    socket.uncork();
  };
  const write = (bytes: Buffer) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    socket.write(bytes);
    if (++batched >= batchLimit) uncork();
  };

  socket.setNoDelay(true);
  socket.once(input.config.tls === false ? 'connect' : 'secureConnect', () => {
    runtime.writeBytes = write;
    sendBack({ type: 'socket.connected' });
  });
  // Once this connection is left behind, its socket may linger (a peer slow to close) while the
  // next connection already owns the runtime: it must neither feed the new codec nor unhook
  // the new writer.
  socket.on('data', (chunk: Buffer) => {
    if (!closedByUs) runtime.onBytes?.(chunk);
  });
  socket.on('error', (err) => {
    lastError = err;
  });
  socket.on('close', () => {
    if (runtime.writeBytes === write) runtime.writeBytes = undefined;
    if (closedByUs) return;
    const reason = lastError ? `socket closed: ${lastError.message}` : 'socket closed by the SMSC';
    sendBack({ type: 'socket.closed', reason });
  });

  return () => {
    closedByUs = true;
    if (runtime.writeBytes === write) runtime.writeBytes = undefined;
    if (socket.destroyed) return;
    if (corked) uncork();
    // end() flushes what is written (an unbind_resp) before the FIN; destroy if the peer dawdles.
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  };
});
