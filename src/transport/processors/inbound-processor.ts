import type { Logger } from 'pino';
import { CommandStatus } from '../../pdu/command-status.js';
import type { InboundMessage } from '../../session/runtime.js';
import type { MessageBus } from '../bus/bus.js';
import { classifyInbound, deliveryReportEvent, inboundMessage, reassembleMultipart, receiptMessageIdKey } from '../inbound/index.js';
import type { DeliveryReport, InboundOptions, MessageIdProfile } from '../inbound/index.js';
import type { SmppCache } from '../state/cache.js';
import type { SubmitTracker } from './submit-tracker.js';
import type { MetricsRecorder } from '../metrics.js';

export interface InboundProcessorOptions {
  bus: MessageBus;
  cache: SmppCache;
  transportName: string;
  inbound: InboundOptions;
  messageIdProfile: MessageIdProfile;
  multipartTtlSeconds: number;
  /** vumi2's transport_metadata (only smpp_delivery_status on receipts, nothing on messages). */
  vumi2Metadata: boolean;
  /** The submits in flight: a receipt that overtakes its submit_sm_resp waits for them. */
  tracker: SubmitTracker;
  /**
   * With no submit of this process in flight, how long before looking a missing id up once
   * more: the submit may have been another process's, whose id is on its way to the shared cache.
   */
  receiptRaceMs?: number;
  /** Publishes give up after this long, so the SMSC hears "try again" instead of waiting. */
  publishTimeoutMs?: number;
  logger: Logger;
  /** Records receipts and MO messages (see TransportMetrics). */
  metrics?: MetricsRecorder;
}

/**
 * An InboundHandler that may be told which of the transport's binds the PDU came on (for the
 * metrics): the transport hands each session `(pdu) => processor(pdu, index)`.
 */
export type InboundProcessor = (message: InboundMessage, bind?: number) => Promise<number>;

const RETRY_LATER = CommandStatus.ESME_RX_T_APPN;

/**
 * deliver_sm / data_sm → a delivery_report event or an inbound user message, and the status of
 * the response. The SMSC hears ESME_ROK only once what the PDU carried is safe: published and
 * confirmed by the broker, or (a part of a long message) stored in the cache. While the bus is
 * down it hears ESME_RX_T_APPN and sends the PDU again later, so nothing is lost.
 */
export function createInboundProcessor(options: InboundProcessorOptions): InboundProcessor {
  const { bus, cache, logger, metrics } = options;
  const publishOptions = { timeoutMs: options.publishTimeoutMs ?? 5_000 };
  const raceMs = options.receiptRaceMs ?? 200;

  const lookUp = async (report: DeliveryReport): Promise<string | undefined> => {
    const key = receiptMessageIdKey(report.smsc_message_id, options.messageIdProfile);
    const found = await cache.getMessageId(key);
    if (found !== undefined) return found;
    // The receipt may have overtaken a submit_sm_resp whose id is not stored yet.
    if (options.tracker.size > 0) await options.tracker.settled();
    else if (raceMs > 0) await new Promise((resolve) => setTimeout(resolve, raceMs));
    return cache.getMessageId(key);
  };

  const onReceipt = async (report: DeliveryReport, bind: number | undefined): Promise<number> => {
    const vumiId = await lookUp(report);
    if (vumiId === undefined) {
      logger.warn(
        { smsc_message_id: report.smsc_message_id, stat: report.stat },
        `Unable to find message ID ${report.smsc_message_id} in SMPP cache, not sending status update ${report.stat}`,
      );
      metrics?.receiptUnmatched(bind);
      // Answered all the same: an SMSC that hears an error sends the receipt again, for ever.
      return CommandStatus.ESME_ROK;
    }
    const event = deliveryReportEvent(report, vumiId, { metadata: options.vumi2Metadata ? 'vumi2' : 'full' });
    await bus.publishEvent(event, publishOptions);
    metrics?.receipt(bind, report.delivery_status);
    // A final receipt ends the mapping; an intermediate one (ENROUTE, …) must leave it for the next.
    if (report.final) await cache.deleteMessageId(receiptMessageIdKey(report.smsc_message_id, options.messageIdProfile));
    return CommandStatus.ESME_ROK;
  };

  return async (pdu: InboundMessage, bind?: number): Promise<number> => {
    // Nothing can be made safe while the bus is down: have the SMSC try again later.
    if (!bus.connected) return RETRY_LATER;
    const plan = classifyInbound(pdu, options.inbound);
    const metadata = options.vumi2Metadata ? 'vumi2' : 'smpp';
    try {
      switch (plan.kind) {
        case 'delivery_report':
          return await onReceipt(plan.report, bind);
        case 'unparsed_receipt':
          logger.warn(plan.warning);
          return CommandStatus.ESME_ROK;
        case 'message': {
          if (plan.warning !== undefined) logger.warn(plan.warning);
          if (plan.decoded.error !== undefined) logger.warn({ err: plan.decoded.error.message }, 'inbound text did not decode cleanly; published with replacement characters');
          const message = inboundMessage(pdu, plan.decoded, {
            transport_name: options.transportName,
            userData: plan.userData,
            metadata,
            ...(plan.ussd !== undefined && { ussd: plan.ussd }),
          });
          await bus.publishInbound(message, publishOptions);
          metrics?.mo(bind);
          return CommandStatus.ESME_ROK;
        }
        case 'part': {
          const parts = await cache.storeMultipartPart(plan.key, plan.total, plan.sequence, plan.stored, options.multipartTtlSeconds);
          if (parts === undefined) return CommandStatus.ESME_ROK;
          const message = inboundMessage(pdu, reassembleMultipart(parts), {
            transport_name: options.transportName,
            userData: plan.userData,
            multipart: plan.multipart,
            metadata,
            ...(plan.ussd !== undefined && { ussd: plan.ussd }),
          });
          try {
            await bus.publishInbound(message, publishOptions);
          } catch (err) {
            // The set was taken out of the cache as it completed. Put the other parts back: the
            // SMSC will send this one again after our error.
            await Promise.all(
              parts.flatMap((part, i) =>
                i + 1 === plan.sequence ? [] : [cache.storeMultipartPart(plan.key, plan.total, i + 1, part, options.multipartTtlSeconds)],
              ),
            );
            throw err;
          }
          metrics?.mo(bind);
          return CommandStatus.ESME_ROK;
        }
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message, command: pdu.command, sequence_number: pdu.sequence_number }, 'inbound PDU not handled: the SMSC will retry');
      return RETRY_LATER;
    }
  };
}
