import type { Logger } from 'pino';
import { SmppCodecError } from '../../pdu/codec-error.js';
import { commandStatusName } from '../../pdu/command-status.js';
import { ConnectionLostError, NotBoundError, ResponseTimeoutError } from '../../session/errors.js';
import type { Sequencer } from '../../session/sequencer.js';
import type { SmppClient } from '../../session/smpp-client.js';
import type { MessageBus, OutboundDelivery, OutboundHandler } from '../bus/bus.js';
import { submitMessageIdKey } from '../inbound/message-id.js';
import type { MessageIdProfile } from '../inbound/message-id.js';
import { ussdSubmitFields } from '../inbound/ussd.js';
import type { UssdOptions } from '../inbound/ussd.js';
import { InvalidMessageError, createEvent, parseMessage } from '../messages.js';
import type { VumiMessage } from '../messages.js';
import { nackReason } from '../outbound/nack-reason.js';
import { UnsendableMessageError, buildSubmitSms } from '../outbound/submit-sm.js';
import type { SubmitSmOptions } from '../outbound/submit-sm.js';
import type { SmppCache } from '../state/cache.js';
import { StoppingError, publishUntilConfirmed } from './publish.js';
import type { SubmitTracker } from './submit-tracker.js';

export interface OutboundProcessorOptions {
  client: SmppClient;
  bus: MessageBus;
  cache: SmppCache;
  /** Concatenation references come from the sequencer, so processes sharing it never collide. */
  sequencer: Sequencer;
  submit: SubmitSmOptions;
  messageIdProfile: MessageIdProfile;
  messageIdTtlSeconds: number;
  ussd?: UssdOptions;
  logger: Logger;
  /** Aborts when the transport stops: work in hand goes back to the queue. */
  signal: AbortSignal;
  /** Shared with the inbound processor, so a receipt that overtakes its submit_sm_resp waits for it. */
  tracker: SubmitTracker;
}

/**
 * One outbound vumi message → its submit_sm PDUs → exactly one ack or nack event, and only
 * once that event is confirmed by the broker is the AMQP delivery settled:
 *
 * | what happened | event | delivery |
 * |---|---|---|
 * | every part accepted (submit_sm_resp 0) | ack, SMSC ids in transport_metadata | ack |
 * | a part refused (error status, generic_nack) | nack with vumi2's reason; later parts not sent | ack |
 * | no response in time | nack: outcome unknown | ack |
 * | bad JSON or schema, unencodable content, a field too long | nack with the reason (when there is a message_id) | reject |
 * | the connection went, or the transport is stopping | none | requeue |
 */
export function createOutboundProcessor(options: OutboundProcessorOptions): OutboundHandler {
  const { client, bus, cache, logger, signal } = options;

  const nack = async (delivery: OutboundDelivery, messageId: string | undefined, reason: string, metadata: Record<string, unknown> = {}) => {
    if (messageId !== undefined) {
      const event = createEvent({
        user_message_id: messageId,
        event_type: 'nack',
        sent_message_id: messageId,
        nack_reason: reason,
        transport_metadata: metadata,
      });
      await publishUntilConfirmed(() => bus.publishEvent(event), signal, logger, `the nack for ${messageId}`);
    }
  };

  const send = async (message: VumiMessage, delivery: OutboundDelivery): Promise<void> => {
    const log = logger.child({ message_id: message.message_id });
    const ussd = ussdSubmitFields(message, options.ussd);
    const pdus = await buildSubmitSms(message, options.submit, () => options.sequencer.next(), ussd ?? {});
    const smscIds: string[] = [];
    for (const pdu of pdus) {
      // A submit before the first bind (or between binds) waits for the session.
      await client.whenBound(Infinity, signal);
      const resp = await options.tracker.track(
        client.submit(pdu).then(async (r) => {
          // Correlation is written before a receipt can be looked for, the next part goes, or the ack.
          if (r.command === 'submit_sm_resp' && r.command_status === 0) {
            await cache.storeMessageId(submitMessageIdKey(r.message_id, options.messageIdProfile), message.message_id, options.messageIdTtlSeconds);
          }
          return r;
        }),
      );
      if (resp.command === 'generic_nack' || resp.command_status !== 0) {
        const status = resp.command_status;
        log.info({ command: resp.command, status: commandStatusName(status), part: smscIds.length + 1, parts: pdus.length }, 'submit refused');
        await nack(delivery, message.message_id, nackReason(status), {
          smpp_command_status: commandStatusName(status),
          smpp_command_status_code: status,
          ...(smscIds.length > 0 && { smpp_message_ids: smscIds }),
        });
        await delivery.ack();
        return;
      }
      smscIds.push(resp.message_id);
    }
    const ack = createEvent({
      user_message_id: message.message_id,
      event_type: 'ack',
      // As vumi2: the vumi id. The SMSC's ids are in transport_metadata.
      sent_message_id: message.message_id,
      transport_metadata: { smpp_message_id: smscIds[0] ?? null, smpp_message_ids: smscIds },
    });
    await publishUntilConfirmed(() => bus.publishEvent(ack), signal, log, 'the ack');
    await delivery.ack();
  };

  return async (delivery) => {
    let message: VumiMessage;
    try {
      message = parseMessage(delivery.body);
    } catch (err) {
      if (!(err instanceof InvalidMessageError)) throw err;
      logger.warn({ err: err.message, message_id: err.message_id }, 'outbound message refused');
      await nack(delivery, err.message_id, err.message);
      await delivery.reject();
      return;
    }
    try {
      await send(message, delivery);
    } catch (err) {
      if (err instanceof UnsendableMessageError || err instanceof SmppCodecError) {
        logger.warn({ message_id: message.message_id, err: err.message }, 'outbound message cannot be sent');
        await nack(delivery, message.message_id, err instanceof SmppCodecError ? err.message : err.reason);
        await delivery.reject();
      } else if (err instanceof ResponseTimeoutError) {
        logger.warn({ message_id: message.message_id, err: err.message }, 'submit outcome unknown');
        await nack(delivery, message.message_id, `outcome unknown: ${err.message}`, { smpp_outcome: 'unknown' });
        await delivery.ack();
      } else if (err instanceof ConnectionLostError || err instanceof NotBoundError || err instanceof StoppingError || signal.aborted) {
        logger.info({ message_id: message.message_id, err: (err as Error).message }, 'outbound message returned to the queue');
        await delivery.requeue();
      } else {
        throw err;
      }
    }
  };
}
