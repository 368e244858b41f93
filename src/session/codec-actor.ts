import { fromCallback } from 'xstate';
import type { CodecInput, SmppEvent } from '../../machines/smpp.machine.js';
import { CommandStatus, commandStatusName } from '../pdu/command-status.js';
import { COMMANDS, isResponse, responseCommandFor } from '../pdu/commands.js';
import { SmppCodecError, SmppFramingError } from '../pdu/codec-error.js';
import { decodePdu } from '../pdu/decode.js';
import { answerToUndecodable } from '../pdu/undecodable.js';
import { encodePdu } from '../pdu/encode.js';
import { FrameReader } from '../pdu/frame-reader.js';
import type { Pdu, PduInput } from '../pdu/types.js';
import type { InboundMessage } from './runtime.js';

/**
 * The codec of one connection: frames and decodes what the socket reads, settles responses in
 * the request window, and answers the SMSC's requests (reference §1.3, §9.2). Only what changes
 * the session's state (an unbind from the SMSC, a broken stream) becomes a machine event; the
 * per-PDU traffic does not.
 */
export const codecActor = fromCallback<{ type: 'noop' }, CodecInput, SmppEvent>(({ input, sendBack }) => {
  const { runtime, config } = input;
  const log = runtime.logger;
  const window = runtime.window;
  const reader = new FrameReader({ maxCommandLength: config.max_command_length });
  let broken = false;

  // The writer of this connection, for as long as this actor runs. An answer decided after the
  // connection is gone (a slow inbound handler) must not go out on the next connection, where
  // the SMSC may have reused its sequence number for another PDU.
  let stopped = false;
  const write = (pdu: PduInput) => {
    const out = runtime.writeBytes;
    if (out === undefined || stopped) return;
    out(encodePdu(pdu));
    if (log.isLevelEnabled('debug')) log.debug({ pdu: pdu.command, sequence_number: pdu.sequence_number }, 'sent');
  };
  const nack = (command_status: number, sequence_number: number) =>
    write({ command: 'generic_nack', command_status, sequence_number });

  const answerInbound = (pdu: InboundMessage) => {
    const resp = pdu.command === 'deliver_sm' ? 'deliver_sm_resp' : 'data_sm_resp';
    const reply = (status: unknown) => {
      // A handler's answer goes on the wire: anything but a 32-bit status is a bug of the
      // handler, answered as "try again" rather than crashing the process.
      const valid = typeof status === 'number' && Number.isInteger(status) && status >= 0 && status <= 0xffffffff;
      if (!valid) log.error({ status, sequence_number: pdu.sequence_number }, `${pdu.command} handler returned an invalid status: answering ESME_RX_T_APPN`);
      write({ command: resp, command_status: valid ? status : CommandStatus.ESME_RX_T_APPN, sequence_number: pdu.sequence_number, message_id: '' });
    };
    const handler = runtime.handlers.inbound;
    if (handler === undefined) {
      reply(CommandStatus.ESME_ROK);
      return;
    }
    const failed = (err: unknown) => {
      log.error({ err, sequence_number: pdu.sequence_number }, `${pdu.command} handler failed: answering ESME_RX_T_APPN so the SMSC retries`);
      reply(CommandStatus.ESME_RX_T_APPN);
    };
    try {
      const status = handler(pdu);
      if (typeof status === 'number') reply(status);
      else status.then(reply).catch(failed);
    } catch (err) {
      failed(err);
    }
  };

  const onRequest = (pdu: Pdu) => {
    const bound = window.bound;
    switch (pdu.command) {
      case 'enquire_link':
        // Answered in any state (reference §9.2, practice).
        write({ command: 'enquire_link_resp', sequence_number: pdu.sequence_number });
        return;
      case 'unbind':
        write({ command: 'unbind_resp', sequence_number: pdu.sequence_number });
        sendBack({ type: 'smsc.unbind' });
        return;
      case 'deliver_sm':
      case 'data_sm':
        if (bound === 'receiver' || bound === 'transceiver') answerInbound(pdu);
        else write({ command: responseCommandFor(pdu.command)!, command_status: CommandStatus.ESME_RINVBNDSTS, sequence_number: pdu.sequence_number } as PduInput);
        return;
      case 'alert_notification':
        // No response exists for it; ignored unless bound to receive.
        if (bound === 'receiver' || bound === 'transceiver') {
          try {
            runtime.handlers.alert?.(pdu);
          } catch (err) {
            log.error({ err }, 'alert_notification handler failed');
          }
        }
        return;
      case 'outbind':
        log.warn('outbind received on a client connection: ignored');
        return;
      default:
        // A request only an ESME sends (bind_*, submit_sm, query_sm …) coming from the SMSC.
        nack(CommandStatus.ESME_RINVCMDID, pdu.sequence_number);
    }
  };

  const onFrame = (frame: Buffer) => {
    let pdu: Pdu;
    try {
      pdu = decodePdu(frame);
    } catch (err) {
      if (!(err instanceof SmppCodecError)) throw err;
      const answer = answerToUndecodable(err);
      if (answer === undefined) {
        log.warn({ err: err.message }, 'undecodable response dropped');
      } else {
        log.warn({ err: err.message }, `undecodable request: generic_nack ${commandStatusName(err.command_status)}`);
        write(answer);
      }
      return;
    }
    if (log.isLevelEnabled('debug')) log.debug({ pdu: pdu.command, sequence_number: pdu.sequence_number, command_status: pdu.command_status }, 'received');
    if (!isResponse(COMMANDS[pdu.command].id)) {
      onRequest(pdu);
    } else if (!window.settle(pdu)) {
      const level = pdu.command === 'generic_nack' ? 'error' : 'warn';
      log[level](
        { pdu: pdu.command, sequence_number: pdu.sequence_number, command_status: commandStatusName(pdu.command_status) },
        'response to no pending request dropped',
      );
    }
  };

  const onBytes = (chunk: Buffer) => {
    if (broken) return;
    window.touch();
    let frames: readonly Buffer[];
    try {
      frames = reader.push(chunk);
    } catch (err) {
      if (!(err instanceof SmppFramingError)) throw err;
      // The frames before the bad length are good: settle them first.
      for (const frame of err.frames) onFrame(frame);
      // The stream can no longer be framed: nack, then the machine unbinds and reconnects.
      broken = true;
      log.error({ err: err.message }, 'framing error');
      nack(err.command_status, err.sequence_number ?? 0);
      sendBack({ type: 'codec.framing_error', reason: err.message });
      return;
    }
    for (const frame of frames) onFrame(frame);
  };
  runtime.onBytes = onBytes;
  window.attach((bytes) => {
    if (!stopped) runtime.writeBytes?.(bytes);
  });

  return () => {
    stopped = true;
    if (runtime.onBytes === onBytes) runtime.onBytes = undefined;
  };
});
