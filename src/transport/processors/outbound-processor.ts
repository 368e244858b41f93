import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { SmppCodecError } from '../../pdu/codec-error.js';
import { commandStatusName } from '../../pdu/command-status.js';
import { ConnectionLostError, NotBoundError, ResponseTimeoutError } from '../../session/errors.js';
import type { Sequencer } from '../../session/sequencer.js';
import type { BindPool } from './bind-pool.js';
import { BusPublishError, DeliveryLostError } from '../bus/bus.js';
import type { MessageBus, OutboundDelivery, OutboundHandler } from '../bus/bus.js';
import { submitMessageIdKey } from '../inbound/message-id.js';
import type { MessageIdProfile } from '../inbound/message-id.js';
import { ussdSubmitFields } from '../inbound/ussd.js';
import type { UssdOptions } from '../inbound/ussd.js';
import { InvalidMessageError, createEvent, parseMessage } from '../messages.js';
import type { VumiEvent, VumiMessage } from '../messages.js';
import { nackReason } from '../outbound/nack-reason.js';
import { UnsendableMessageError, buildSubmitSms } from '../outbound/submit-sm.js';
import type { SubmitSmOptions } from '../outbound/submit-sm.js';
import type { SmppCache } from '../state/cache.js';
import { StoppingError, publishUntilConfirmed } from './publish.js';
import type { SubmitTracker } from './submit-tracker.js';
import type { BindLease } from './bind-pool.js';
import type { SubmitFields } from '../../session/smpp-client.js';
import type { MetricsRecorder, SubmitErrorKind } from '../metrics.js';
import { multipartProgressKey, parseMultipartProgress, serialiseMultipartProgress } from './multipart-progress.js';
import type { MultipartProgress } from './multipart-progress.js';

export interface OutboundProcessorOptions {
  /** The binds a message may go on; all parts of one message go on the one it is lent. */
  binds: BindPool;
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
  /** Events with vumi2's empty transport_metadata instead of the SMSC ids and statuses. */
  vumi2Metadata?: boolean;
  /** Records submit outcomes, latencies and final events (see TransportMetrics). */
  metrics?: MetricsRecorder;
}

/**
 * Where the processor notes that a message's final event (ack or nack) went out, so that a
 * redelivery of it (the process died, or the bus connection went, between the event and the
 * AMQP ack) is acked without a second submit and a second event. A note in the SMPP cache (in
 * Redis it outlives the process), apart from the SMSC message ids.
 */
const finalEventKey = (messageId: string) => `final:${messageId}`;
/**
 * How long the note (and a long message's progress) is kept: a delivery lost with its
 * connection or process comes back at once to another consumer, or when the transport is
 * restarted. One hour bounds the extra Redis keys to an hour's traffic; a message redelivered
 * later than that would get a second event.
 */
const FINAL_EVENT_TTL_SECONDS = 3_600;

/** The pause before a long message asks again for a bind that failed it before taking any part. */
const RETRY_PAUSE_MS = 100;

/**
 * Whether the delivery was lost with the bus connection (both buses' deliveries say so through
 * `open`, which the OutboundDelivery interface does not carry): settling it would fail, and the
 * broker is delivering it again.
 */
function isLost(delivery: OutboundDelivery): boolean {
  return (delivery as { open?: unknown }).open === false;
}

/** How a submit with no answer ended, for the metrics. */
function submitErrorKind(err: unknown): SubmitErrorKind {
  if (err instanceof ResponseTimeoutError) return 'response_timeout';
  if (err instanceof ConnectionLostError) return 'connection_lost';
  if (err instanceof NotBoundError) return 'not_bound';
  return 'other';
}

/** The parts of one message the SMSC has accepted so far, kept across a reconnection. */
interface SubmitProgress {
  readonly smscIds: string[];
  /** The storing of their SMSC ids (see SubmitOutcome.stored). */
  readonly stores: Promise<unknown>[];
  /** Writes `smscIds` to the cache, for a copy delivered again (long messages only; see MultipartProgress). */
  save: () => void;
  /** The last of those writes: a copy delivered again must find it done. Never rejects. */
  saving: Promise<void>;
}

/** A one-part message has no progress to save. */
const noSave = (): void => undefined;
const DONE: Promise<void> = Promise.resolve();

interface SubmitOutcome {
  /** The SMSC ids of the parts accepted. */
  smscIds: string[];
  /** The part that was refused, if one was, and the bind that refused it. */
  refused?: { command: string; status: number; bind: number };
  /** The storing of the accepted parts' SMSC ids, which may still be under way (it never fails). */
  stored: Promise<unknown>;
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
  const { binds, bus, cache, logger, signal, metrics } = options;

  /** Notes the final event; a failure only costs a possible duplicate should the message come back. */
  const noteFinal = async (messageId: string, eventType: string) => {
    try {
      await cache.storeNote(finalEventKey(messageId), eventType, Math.min(options.messageIdTtlSeconds, FINAL_EVENT_TTL_SECONDS));
    } catch (err) {
      logger.warn({ message_id: messageId, err: (err as Error).message }, 'could not note the final event in the cache');
    }
  };

  /**
   * Publishes a message's final event (until confirmed, see publishUntilConfirmed) and notes it
   * in the cache at the same time as each attempt, so that the note is there by the time the
   * broker may have the event: a copy of the message redelivered after that (this process died
   * before its AMQP ack) is acked without a second event. An attempt that certainly sent nothing
   * takes its note back. Left: a process killed between the note and the publish leaving loses
   * the event (a fraction of a millisecond); one killed between the publish and the note (bus
   * down at the attempt) may send a second.
   */
  const publishFinal = async (event: VumiEvent, messageId: string, what: string) => {
    await publishUntilConfirmed(
      async () => {
        // With the bus down the publish would wait for it with the note already made, and a
        // process killed meanwhile would lose the event: then the note follows the confirm.
        const noting = bus.connected ? noteFinal(messageId, event.event_type) : undefined;
        try {
          await bus.publishEvent(event);
        } catch (err) {
          if (noting !== undefined) {
            await noting;
            if (err instanceof BusPublishError && !err.maybePublished) {
              await cache.deleteNote(finalEventKey(messageId)).catch(() => undefined);
            }
          }
          throw err;
        }
        await (noting ?? noteFinal(messageId, event.event_type));
        if (event.event_type === 'ack' || event.event_type === 'nack') metrics?.event(event.event_type);
      },
      signal,
      logger,
      what,
      { message_id: messageId },
    );
  };

  const nack = async (delivery: OutboundDelivery, messageId: string | undefined, reason: string, metadata: Record<string, unknown> = {}) => {
    if (messageId !== undefined) {
      const event = createEvent({
        user_message_id: messageId,
        event_type: 'nack',
        sent_message_id: messageId,
        nack_reason: reason,
        transport_metadata: options.vumi2Metadata ? {} : metadata,
      });
      await publishFinal(event, messageId, 'the nack');
    }
  };

  /**
   * The message's PDUs and how far an earlier copy of it got: under that copy's reference when
   * the parts come out as they did for it, else anew (the configuration changed meanwhile).
   */
  const buildParts = async (message: VumiMessage, earlier: MultipartProgress | undefined) => {
    const ussd = ussdSubmitFields(message, options.ussd) ?? {};
    if (earlier !== undefined) {
      const pdus = await buildSubmitSms(message, options.submit, () => earlier.reference, ussd);
      if (pdus.length === earlier.parts) {
        logger.info({ message_id: message.message_id, parts_accepted: earlier.smsc_ids.length, parts: pdus.length }, 'long message delivered again: going on from its first part not accepted');
        return { pdus, reference: earlier.reference, accepted: earlier.smsc_ids };
      }
      logger.warn({ message_id: message.message_id, parts: pdus.length, parts_before: earlier.parts }, 'long message delivered again splits differently now: sending it whole');
    }
    let reference = 0;
    const pdus = await buildSubmitSms(message, options.submit, async () => (reference = await options.sequencer.next()), ussd);
    return { pdus, reference, accepted: [] };
  };

  const send = async (message: VumiMessage, delivery: OutboundDelivery, earlier: MultipartProgress | undefined): Promise<void> => {
    const { pdus, reference, accepted } = await buildParts(message, earlier);
    const progress: SubmitProgress = { smscIds: [...accepted], stores: [], save: noSave, saving: DONE };
    if (pdus.length > 1) {
      const key = multipartProgressKey(message.message_id);
      const ttl = Math.min(options.messageIdTtlSeconds, FINAL_EVENT_TTL_SECONDS);
      progress.save = () => {
        // In turn, so the last write holds the most parts; a failed one costs only a possible resend of parts.
        progress.saving = progress.saving
          .then(() => cache.storeNote(key, serialiseMultipartProgress({ reference, parts: pdus.length, smsc_ids: progress.smscIds }), ttl))
          .catch((err: unknown) => logger.warn({ message_id: message.message_id, err: (err as Error).message }, 'could not save how far a long message got'));
      };
      // The reference is saved before the first part goes, so that a copy delivered again uses
      // it even when no part is known to be accepted (the first part's answer lost with the
      // connection, or the process killed just after sending it): the handset then gets that
      // part twice under one reference, which it reassembles once, not two messages. Waited
      // for, at one round trip per long message; with Redis away, up to its command timeout.
      if (accepted.length === 0) {
        progress.save();
        await progress.saving;
      }
    }
    // An earlier copy had every part accepted and went before its event: only the event is left.
    let outcome: SubmitOutcome | undefined = progress.smscIds.length === pdus.length ? { smscIds: progress.smscIds, stored: Promise.resolve() } : undefined;
    while (outcome === undefined) {
      const acceptedBefore = progress.smscIds.length;
      // Waits for a bind that can take it (none bound: until one is; all full: until one has
      // room). The bind is given back once the SMSC has answered, before the event is published.
      const lease = await binds.acquire(signal);
      try {
        if (isLost(delivery)) {
          // Lost with the bus connection while it waited: the broker has already handed it out
          // again, and that copy goes on from the progress saved, once it is.
          logger.info({ message_id: message.message_id, parts_accepted: progress.smscIds.length }, 'delivery lost with the bus connection while waiting for a bind; not sent');
          await progress.saving;
          return;
        }
        outcome = await submitAll(lease, message, pdus, progress);
        break;
      } catch (err) {
        // Requeued below, or going on here: either way a copy must find what was saved.
        await progress.saving;
        // The connection went after the SMSC had accepted some parts of a long message: sending
        // the whole message again (a requeue) would deliver those parts twice, under another
        // reference. The rest goes once a bind is up, from the part whose answer was lost.
        const partway = progress.smscIds.length > 0 && (err instanceof ConnectionLostError || err instanceof NotBoundError);
        if (!partway || signal.aborted) throw err;
        logger.info(
          { message_id: message.message_id, parts_accepted: progress.smscIds.length, parts: pdus.length, err: (err as Error).message },
          'connection lost part way through a long message; the remaining parts go once a bind is up',
        );
      } finally {
        lease.release();
      }
      // A bind lent as bound that failed before taking a part: let its state catch up rather
      // than ask again at once.
      if (progress.smscIds.length === acceptedBefore) await sleep(RETRY_PAUSE_MS, undefined, { signal }).catch(() => undefined);
    }
    if (outcome.refused !== undefined) {
      const { status, command } = outcome.refused;
      const { smscIds } = outcome;
      logger.info(
        { message_id: message.message_id, command, status: commandStatusName(status), part: smscIds.length + 1, parts: pdus.length, bind: outcome.refused.bind },
        'submit refused',
      );
      await Promise.all([
        nack(delivery, message.message_id, nackReason(status), {
          smpp_command_status: commandStatusName(status),
          smpp_command_status_code: status,
          ...(smscIds.length > 0 && { smpp_message_ids: smscIds }),
        }),
        outcome.stored,
      ]);
      await delivery.ack();
      return;
    }
    const smscIds = outcome.smscIds;
    const ack = createEvent({
      user_message_id: message.message_id,
      event_type: 'ack',
      // As vumi2: the vumi id. The SMSC's ids are in transport_metadata.
      sent_message_id: message.message_id,
      transport_metadata: options.vumi2Metadata ? {} : { smpp_message_id: smscIds[0] ?? null, smpp_message_ids: smscIds },
    });
    // The ids are stored while the ack goes out: receipts wait for the storing (the tracker),
    // nothing else needs it first, and Redis then gets both writes in one round trip.
    await Promise.all([publishFinal(ack, message.message_id, 'the ack'), outcome.stored]);
    await delivery.ack();
  };

  /**
   * The SMSC has the message by now: a failing cache (Redis away for a moment) must not turn
   * that into a lost message with no event. A few tries, then it gives up, and only the receipts
   * of this part will find nothing to match. Never throws.
   */
  const storeCorrelation = async (smscId: string, vumiId: string): Promise<void> => {
    const key = submitMessageIdKey(smscId, options.messageIdProfile);
    for (const delay of [100, 400, 1_000, undefined]) {
      try {
        await cache.storeMessageId(key, vumiId, options.messageIdTtlSeconds);
        return;
      } catch (err) {
        if (delay === undefined) {
          logger.error({ err: (err as Error).message, smsc_message_id: smscId, message_id: vumiId }, 'could not store the SMSC message id: its receipts will not be matched');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  /** The parts not yet accepted on one bind, in order, until one is refused; `progress` keeps what was. */
  const submitAll = async ({ client, index }: BindLease, message: VumiMessage, pdus: readonly SubmitFields[], progress: SubmitProgress): Promise<SubmitOutcome> => {
    const { smscIds, stores } = progress;
    const stored = () => Promise.all(stores);
    for (const pdu of pdus.slice(smscIds.length)) {
      // Should the bind go down, the submit fails with ConnectionLostError or NotBoundError: a
      // message with no part accepted yet goes back to the queue; otherwise send() goes on from
      // this part once a bind is up.
      const started = performance.now();
      const submitted =
        metrics === undefined
          ? client.submit(pdu)
          : client.submit(pdu).then(
              (r) => {
                metrics.submitResult(index, commandStatusName(r.command_status), performance.now() - started);
                return r;
              },
              (err: unknown) => {
                metrics.submitError(index, submitErrorKind(err));
                throw err;
              },
            );
      // The submit and the storing of its SMSC id are one tracked operation, so a receipt that
      // overtakes the response waits for both; the next part and the event need not.
      const tracked = options.tracker.track(
        submitted.then(async (r) => {
          if (r.command === 'submit_sm_resp' && r.command_status === 0) await storeCorrelation(r.message_id, message.message_id);
          return r;
        }),
      );
      // It fails only as the submit does, which the await below reports.
      tracked.catch(() => undefined);
      const resp = await submitted;
      stores.push(tracked);
      if (resp.command === 'generic_nack' || resp.command_status !== 0) {
        return { smscIds, refused: { command: resp.command, status: resp.command_status, bind: index }, stored: stored() };
      }
      smscIds.push(resp.message_id);
      progress.save();
    }
    return { smscIds, stored: stored() };
  };

  const handle = async (message: VumiMessage, delivery: OutboundDelivery, hadCopy: boolean): Promise<void> => {
    let earlier: MultipartProgress | undefined;
    if (delivery.redelivered || hadCopy) {
      // Handled before? Its final event went out; the AMQP ack did not. Or it was part way
      // through a long message.
      const [done, saved] = await Promise.all(
        [finalEventKey(message.message_id), multipartProgressKey(message.message_id)].map((key) => cache.getNote(key).catch(() => undefined)),
      );
      if (done !== undefined) {
        logger.info({ message_id: message.message_id, event_type: done }, 'redelivered message already has its final event; acked without sending it again');
        await delivery.ack();
        return;
      }
      earlier = saved === undefined ? undefined : parseMultipartProgress(saved);
      if (saved !== undefined && earlier === undefined) {
        logger.warn({ message_id: message.message_id }, 'saved progress of a long message is unreadable: sending it whole');
      }
    }
    if (isLost(delivery)) return;
    try {
      await send(message, delivery, earlier);
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
      } else if (err instanceof DeliveryLostError) {
        // The bus connection went with this delivery in hand: the broker sends a copy, which the
        // final-event note and the copy bookkeeping above take care of.
        logger.info({ message_id: message.message_id }, 'delivery lost with the bus connection; the broker redelivers it');
      } else {
        // A bug or an unforeseen failure: the sender still hears of it, and the queue moves on.
        logger.error({ message_id: message.message_id, err }, 'outbound message failed unexpectedly: nacked');
        await nack(delivery, message.message_id, `transport error: ${err instanceof Error ? err.message : String(err)}`, { smpp_outcome: 'error' });
        await delivery.reject();
      }
    }
  };

  /** Messages being handled, by message_id: the promise ends when that copy is done with. */
  const inProgress = new Map<string, Promise<void>>();

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
    // Another copy of this message in hand here (its delivery lost with the bus connection, the
    // broker's redelivery already back): this one waits for it to finish, then looks whether it
    // ended with an event.
    const id = message.message_id;
    const earlier = inProgress.get(id);
    const mine = (earlier ?? Promise.resolve()).then(() => handle(message, delivery, earlier !== undefined));
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    inProgress.set(id, settled);
    try {
      await mine;
    } finally {
      if (inProgress.get(id) === settled) inProgress.delete(id);
    }
  };
}
