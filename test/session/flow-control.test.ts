/**
 * Flow control in the request window — the token bucket, the pause after ESME_RTHROTTLED /
 * ESME_RMSGQFUL, temporary retries, the response timeout policy, counters and the capacity
 * signal — driven through the real machine and codec actor with a scripted SMSC and fake timers,
 * so every timing is exact.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { smppMachineDefinition } from '../../machines/smpp.machine.js';
import type { SmppActor, SmppMachineInput } from '../../machines/smpp.machine.js';
import { CommandStatus } from '../../src/index.js';
import type { Pdu, PduOf } from '../../src/index.js';
import { codecActor } from '../../src/session/codec-actor.js';
import { resolveSessionConfig, SessionConfigError } from '../../src/session/config.js';
import { ConnectionLostError, ResponseTimeoutError } from '../../src/session/errors.js';
import { TokenBucket } from '../../src/session/rate-limiter.js';
import type { PausedEvent } from '../../src/session/request-window.js';
import { ScriptedSmsc } from '../helpers/scripted-smsc.js';

const settle = () => vi.advanceTimersByTimeAsync(0);
const T0 = new Date('2026-12-01T12:00:00Z').getTime();
/** Milliseconds since the test's start. */
const elapsed = () => Date.now() - T0;

let actor: SmppActor | undefined;

async function boundSession(input: SmppMachineInput = {}): Promise<{ smsc: ScriptedSmsc; actor: SmppActor }> {
  const smsc = new ScriptedSmsc();
  const machine = smppMachineDefinition.provide({ actors: { socket: smsc.socketActor, codec: codecActor } });
  actor = createActor(machine, {
    input: { logger: pino({ level: 'silent' }), reconnect_jitter: 0, smpp_enquire_link_interval: 3600, ...input },
  });
  actor.start();
  smsc.accept();
  await settle();
  smsc.answer('bind_transceiver', 0, { system_id: 'SMSC' });
  await settle();
  expect(actor.getSnapshot().hasTag('bound')).toBe(true);
  return { smsc, actor };
}

const windowOf = (a: SmppActor) => a.getSnapshot().context.runtime.window;

type Submit = PduOf<'submit_sm'>;
const submits = (smsc: ScriptedSmsc) => smsc.received.filter((p): p is Submit => p.command === 'submit_sm');
const text = (p: Submit) => p.short_message.toString();
const texts = (smsc: ScriptedSmsc) => submits(smsc).map(text);

/** The SMSC answers one submit_sm. */
function respond(smsc: ScriptedSmsc, submit: Submit, status = 0): void {
  smsc.deliver({
    command: 'submit_sm_resp',
    sequence_number: submit.sequence_number,
    command_status: status,
    message_id: status === 0 ? `id-${text(submit)}` : '',
  });
}

/** The submits not answered yet, oldest first. */
function unanswered(smsc: ScriptedSmsc, answered: Set<number>): Submit[] {
  return submits(smsc).filter((s) => !answered.has(s.sequence_number));
}

function submit(a: SmppActor, body: string): Promise<Pdu> {
  return windowOf(a).request({ command: 'submit_sm', destination_addr: '27831234567', short_message: Buffer.from(body) });
}

beforeEach(() => {
  expect.hasAssertions();
  vi.useFakeTimers({ now: T0 });
});

afterEach(() => {
  actor?.stop();
  actor = undefined;
  vi.useRealTimers();
});

describe('the token bucket', () => {
  it('gives a burst, then one token per 1/rate seconds, never more than the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(4, 2, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    expect(bucket.msUntilAvailable()).toBe(250);
    now = 249;
    expect(bucket.tryTake()).toBe(false);
    now = 250;
    expect(bucket.tryTake()).toBe(true);
    now = 10_000;
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
  });
});

describe('rate limit', () => {
  it('sends at most N PDUs a second, evenly, callers in order', async () => {
    const { smsc, actor } = await boundSession({ submit_rate_limit: 10, window_size: 100 });
    const results = Array.from({ length: 12 }, (_, i) => submit(actor, `m${i}`));
    const sentAt: number[] = [];
    const answered = new Set<number>();
    while (sentAt.length < 12) {
      for (const s of unanswered(smsc, answered)) {
        sentAt.push(elapsed());
        answered.add(s.sequence_number);
        respond(smsc, s);
      }
      await vi.advanceTimersByTimeAsync(1);
    }
    // Burst 1: the first at once, then one every 100 ms.
    expect(sentAt).toEqual(Array.from({ length: 12 }, (_, i) => i * 100));
    expect(texts(smsc)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
    await expect(Promise.all(results)).resolves.toHaveLength(12);
  });

  it('lets a burst out at once after a quiet spell, then paces', async () => {
    const { smsc, actor } = await boundSession({ submit_rate_limit: 5, submit_rate_burst: 3, window_size: 100 });
    for (let i = 0; i < 5; i++) void submit(actor, `a${i}`);
    await settle();
    expect(submits(smsc)).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(199);
    expect(submits(smsc)).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(submits(smsc)).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(200);
    expect(submits(smsc)).toHaveLength(5);
    // A quiet second refills the bucket to the burst, no more.
    await vi.advanceTimersByTimeAsync(5_000);
    for (let i = 0; i < 4; i++) void submit(actor, `b${i}`);
    await settle();
    expect(submits(smsc)).toHaveLength(8);
    await vi.advanceTimersByTimeAsync(200);
    expect(submits(smsc)).toHaveLength(9);
    expect(texts(smsc)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3']);
  });

  it('counts resends against the rate', async () => {
    const { smsc, actor } = await boundSession({ submit_rate_limit: 10, temporary_retry_delay: 0 });
    const result = submit(actor, 'x');
    respond(smsc, submits(smsc)[0]!, CommandStatus.ESME_RSYSERR);
    await vi.advanceTimersByTimeAsync(99);
    expect(submits(smsc)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(submits(smsc)).toHaveLength(2);
    respond(smsc, submits(smsc)[1]!);
    await expect(result).resolves.toMatchObject({ command_status: 0 });
  });
});

describe('throttling: ESME_RTHROTTLED and ESME_RMSGQFUL pause the bind', () => {
  it.each([
    ['ESME_RTHROTTLED', CommandStatus.ESME_RTHROTTLED],
    ['ESME_RMSGQFUL', CommandStatus.ESME_RMSGQFUL],
  ])('after %s: nothing leaves for the back-off, then the refused PDUs first (new sequence numbers), then the queued in order', async (_name, status) => {
    const { smsc, actor } = await boundSession({ window_size: 3, throttle_delay_initial: 1 });
    const window = windowOf(actor);
    const paused: PausedEvent[] = [];
    window.on('paused', (e) => paused.push(e));
    const results = ['A', 'B', 'C'].map((m) => submit(actor, m));
    const [a, b, c] = submits(smsc);
    respond(smsc, a!, status);
    await settle();
    expect(window.paused).toBe(true);
    expect(paused).toEqual([{ status, delayMs: 1000 }]);
    // B was sent before the pause: its refusal is resent too, but starts no second pause.
    respond(smsc, b!, status);
    respond(smsc, c!);
    await settle();
    expect(paused).toHaveLength(1);
    const later = ['D', 'E'].map((m) => submit(actor, m));
    await vi.advanceTimersByTimeAsync(999);
    expect(texts(smsc)).toEqual(['A', 'B', 'C']);
    await vi.advanceTimersByTimeAsync(1);
    expect(window.paused).toBe(false);
    // Window 3: A and B hold their slots; D takes the one C freed; E waits for a slot.
    expect(texts(smsc)).toEqual(['A', 'B', 'C', 'A', 'B', 'D']);
    const resent = submits(smsc).slice(3);
    expect(resent[0]!.sequence_number).not.toBe(a!.sequence_number);
    expect(resent[1]!.sequence_number).not.toBe(b!.sequence_number);
    expect(new Set(submits(smsc).map((s) => s.sequence_number)).size).toBe(6);
    // The callers of A and B are still waiting: only a final outcome settles them.
    let aSettled = false;
    void results[0]!.then(() => (aSettled = true));
    await settle();
    expect(aSettled).toBe(false);
    for (const s of resent) respond(smsc, s);
    await settle();
    expect(texts(smsc)).toEqual(['A', 'B', 'C', 'A', 'B', 'D', 'E']);
    respond(smsc, submits(smsc)[6]!);
    const all = await Promise.all([...results, ...later]);
    expect(all.map((r) => (r as PduOf<'submit_sm_resp'>).message_id)).toEqual(['id-A', 'id-B', 'id-C', 'id-D', 'id-E']);
    expect(all.every((r) => r.command_status === 0)).toBe(true);
  });

  it('doubles the back-off while refusals keep coming, up to the max, and resets it after a success', async () => {
    const { smsc, actor } = await boundSession({ throttle_delay_initial: 1, throttle_delay_max: 4 });
    const window = windowOf(actor);
    const pauses: { at: number; delayMs: number }[] = [];
    window.on('paused', (e) => pauses.push({ at: elapsed(), delayMs: e.delayMs }));
    const resumes: number[] = [];
    window.on('resumed', () => resumes.push(elapsed()));

    const first = submit(actor, 'one');
    for (let i = 0; i < 4; i++) {
      respond(smsc, submits(smsc).at(-1)!, CommandStatus.ESME_RTHROTTLED);
      await settle();
      await vi.advanceTimersByTimeAsync(pauses.at(-1)!.delayMs);
    }
    expect(pauses).toEqual([
      { at: 0, delayMs: 1000 },
      { at: 1000, delayMs: 2000 },
      { at: 3000, delayMs: 4000 },
      { at: 7000, delayMs: 4000 },
    ]);
    expect(resumes).toEqual([1000, 3000, 7000, 11_000]);
    expect(submits(smsc)).toHaveLength(5);
    respond(smsc, submits(smsc).at(-1)!);
    await expect(first).resolves.toMatchObject({ command_status: 0, message_id: 'id-one' });

    // The success reset the back-off: the next refusal pauses for the first delay again.
    void submit(actor, 'two');
    respond(smsc, submits(smsc).at(-1)!, CommandStatus.ESME_RMSGQFUL);
    await settle();
    expect(pauses.at(-1)).toEqual({ at: 11_000, delayMs: 1000 });
    expect(window.stats).toMatchObject({ throttled: 5, pauses: 5 });
  });

  it('keeps the order of a multipart message sent part by part while other callers queue', async () => {
    const { smsc, actor } = await boundSession({ window_size: 5, throttle_delay_initial: 0.5 });
    const parts = ['part1', 'part2', 'part3'];
    const multipart = (async () => {
      const ids: string[] = [];
      for (const p of parts) ids.push(((await submit(actor, p)) as PduOf<'submit_sm_resp'>).message_id);
      return ids;
    })();
    const answered = new Set<number>();
    let throttledOnce = false;
    const others: Promise<Pdu>[] = [];
    // The SMSC refuses the first copy of part2 and accepts everything else.
    for (let step = 0; step < 50 && (answered.size < 7 || !throttledOnce); step++) {
      for (const s of unanswered(smsc, answered)) {
        answered.add(s.sequence_number);
        if (text(s) === 'part2' && !throttledOnce) {
          throttledOnce = true;
          respond(smsc, s, CommandStatus.ESME_RTHROTTLED);
          await settle();
          // While the bind is paused, other callers submit.
          expect(windowOf(actor).paused).toBe(true);
          others.push(submit(actor, 'other1'), submit(actor, 'other2'));
        } else {
          respond(smsc, s);
        }
      }
      await vi.advanceTimersByTimeAsync(100);
    }
    await expect(multipart).resolves.toEqual(['id-part1', 'id-part2', 'id-part3']);
    await expect(Promise.all(others)).resolves.toHaveLength(2);
    // On the wire: part2's refused copy, the pause, part2 again before the others, and part3 after part2's acceptance.
    expect(texts(smsc)).toEqual(['part1', 'part2', 'part2', 'other1', 'other2', 'part3']);
  });
});

describe('temporary and permanent statuses', () => {
  it('resends a temporary refusal after the delay, up to the count, then returns the last response', async () => {
    const { smsc, actor } = await boundSession({ temporary_retries: 2, temporary_retry_delay: 0.5 });
    const result = submit(actor, 'x');
    respond(smsc, submits(smsc)[0]!, CommandStatus.ESME_RSYSERR);
    await vi.advanceTimersByTimeAsync(499);
    expect(submits(smsc)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(submits(smsc)).toHaveLength(2);
    respond(smsc, submits(smsc)[1]!, CommandStatus.ESME_RSYSERR);
    await vi.advanceTimersByTimeAsync(500);
    expect(submits(smsc)).toHaveLength(3);
    respond(smsc, submits(smsc)[2]!, CommandStatus.ESME_RSYSERR);
    await expect(result).resolves.toMatchObject({ command: 'submit_sm_resp', command_status: CommandStatus.ESME_RSYSERR });
    expect(new Set(submits(smsc).map((s) => s.sequence_number)).size).toBe(3);
    expect(windowOf(actor).stats.retries).toBe(2);
    expect(windowOf(actor).paused).toBe(false);
  });

  it('returns the success of a retry, and takes statuses by name or number', async () => {
    const { smsc, actor } = await boundSession({ temporary_statuses: ['ESME_RX_T_APPN', 0x45], temporary_retry_delay: 0 });
    const result = submit(actor, 'x');
    respond(smsc, submits(smsc)[0]!, 0x45);
    await settle();
    respond(smsc, submits(smsc)[1]!, CommandStatus.ESME_RX_T_APPN);
    await settle();
    respond(smsc, submits(smsc)[2]!);
    await expect(result).resolves.toMatchObject({ command_status: 0 });
  });

  it('returns a permanent refusal at once, without a resend or a pause', async () => {
    const { smsc, actor } = await boundSession();
    const result = submit(actor, 'x');
    respond(smsc, submits(smsc)[0]!, CommandStatus.ESME_RINVDSTADR);
    await expect(result).resolves.toMatchObject({ command_status: CommandStatus.ESME_RINVDSTADR });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(submits(smsc)).toHaveLength(1);
    expect(windowOf(actor).stats).toEqual({ throttled: 0, pauses: 0, throttledMs: 0, retries: 0, responseTimeouts: 0, timeoutResends: 0 });
  });

  it('treats a generic_nack with a throttle status like a throttled response', async () => {
    const { smsc, actor } = await boundSession({ throttle_delay_initial: 1 });
    const result = submit(actor, 'x');
    smsc.deliver({ command: 'generic_nack', command_status: CommandStatus.ESME_RTHROTTLED, sequence_number: submits(smsc)[0]!.sequence_number });
    await vi.advanceTimersByTimeAsync(1000);
    respond(smsc, submits(smsc)[1]!);
    await expect(result).resolves.toMatchObject({ command: 'submit_sm_resp', command_status: 0 });
  });
});

describe('response timeout policy', () => {
  it("'nack' (the default) rejects with ResponseTimeoutError, counted, and frees exactly one slot", async () => {
    const { smsc, actor } = await boundSession({ smpp_response_timeout: 10, window_size: 1 });
    const first = submit(actor, 'x').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await first).toBeInstanceOf(ResponseTimeoutError);
    expect(windowOf(actor).stats.responseTimeouts).toBe(1);
    void submit(actor, 'y');
    void submit(actor, 'z');
    await settle();
    // Window 1: one of the two goes, the other waits (the timeout did not free two slots).
    expect(texts(smsc)).toEqual(['x', 'y']);
  });

  it("'resend' sends again with a new sequence number up to the count, then rejects", async () => {
    const { smsc, actor } = await boundSession({ smpp_response_timeout: 10, response_timeout_policy: 'resend', response_timeout_resends: 2 });
    const first = submit(actor, 'x').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(submits(smsc)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(submits(smsc)).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await first).toMatchObject({ name: 'ResponseTimeoutError', outcome: 'unknown' });
    expect(new Set(submits(smsc).map((s) => s.sequence_number)).size).toBe(3);
    expect(windowOf(actor).stats).toMatchObject({ responseTimeouts: 3, timeoutResends: 2 });

    const second = submit(actor, 'y');
    await vi.advanceTimersByTimeAsync(10_000);
    respond(smsc, submits(smsc).at(-1)!);
    await expect(second).resolves.toMatchObject({ message_id: 'id-y' });
    expect(windowOf(actor).stats).toMatchObject({ responseTimeouts: 4, timeoutResends: 3 });
  });
});

describe('counters and the capacity signal', () => {
  it('counts throttled responses, pauses and the time spent paused', async () => {
    const { smsc, actor } = await boundSession({ throttle_delay_initial: 2 });
    const window = windowOf(actor);
    const result = submit(actor, 'x');
    respond(smsc, submits(smsc)[0]!, CommandStatus.ESME_RTHROTTLED);
    await vi.advanceTimersByTimeAsync(500);
    expect(window.stats).toMatchObject({ throttled: 1, pauses: 1, throttledMs: 500 });
    expect(window.toJSON()).toMatchObject({ paused: true });
    await vi.advanceTimersByTimeAsync(1500);
    respond(smsc, submits(smsc)[1]!);
    await result;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(window.stats).toMatchObject({ throttled: 1, pauses: 1, throttledMs: 2000 });
  });

  it("says whether the bind can take work, and emits 'capacity' when that changes", async () => {
    const { smsc, actor } = await boundSession({ window_size: 2, throttle_delay_initial: 1 });
    const window = windowOf(actor);
    const changes: boolean[] = [];
    window.on('capacity', (can) => changes.push(can));
    expect(window.canTakeWork).toBe(true);
    void submit(actor, 'a');
    void submit(actor, 'b');
    expect(window.canTakeWork).toBe(false); // the window is full
    respond(smsc, submits(smsc)[1]!);
    await settle();
    expect(window.canTakeWork).toBe(true);
    respond(smsc, submits(smsc)[0]!, CommandStatus.ESME_RTHROTTLED);
    await settle();
    expect(window.canTakeWork).toBe(false); // paused
    const ready = window.whenCanTakeWork();
    await vi.advanceTimersByTimeAsync(1000);
    respond(smsc, submits(smsc)[2]!);
    await ready;
    expect(window.canTakeWork).toBe(true);
    expect(changes).toEqual([false, true, false, true]);
  });

  it('emits capacity again when the token bucket refills', async () => {
    const { actor } = await boundSession({ submit_rate_limit: 2 });
    const window = windowOf(actor);
    const changes: [boolean, number][] = [];
    window.on('capacity', (can) => changes.push([can, elapsed()]));
    void submit(actor, 'a');
    expect(window.canTakeWork).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(changes).toEqual([
      [false, 0],
      [true, 500],
    ]);
  });

  it('says when a token is back even if the window filled and emptied meanwhile', async () => {
    const { smsc, actor } = await boundSession({ submit_rate_limit: 1, window_size: 1 });
    const window = windowOf(actor);
    const changes: [boolean, number][] = [];
    window.on('capacity', (can) => changes.push([can, elapsed()]));
    void submit(actor, 'a');
    await vi.advanceTimersByTimeAsync(100);
    respond(smsc, submits(smsc)[0]!); // the slot is free again at 100 ms, the token only at 1000 ms
    await vi.advanceTimersByTimeAsync(899);
    expect(window.canTakeWork).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(changes).toEqual([
      [false, 0],
      [true, 1000],
    ]);
    await expect(window.whenCanTakeWork()).resolves.toBeUndefined();
  });

  it('hands back callers waiting to resend when the connection goes during a pause', async () => {
    const { smsc, actor } = await boundSession({ throttle_delay_initial: 5 });
    const window = windowOf(actor);
    const refused = submit(actor, 'a').catch((e: unknown) => e);
    respond(smsc, submits(smsc)[0]!, CommandStatus.ESME_RTHROTTLED);
    await settle();
    const queued = submit(actor, 'b').catch((e: unknown) => e);
    await settle();
    expect(window.queued).toBe(2);
    smsc.drop('socket closed: read ECONNRESET');
    await settle();
    expect(await refused).toBeInstanceOf(ConnectionLostError);
    expect(await queued).toBeInstanceOf(ConnectionLostError);
    expect(window.queued).toBe(0);
    expect(window.inFlight).toBe(0);
  });
});

describe('flow-control configuration', () => {
  it('has defaults, takes status names or numbers, and names the field it refuses', () => {
    expect(resolveSessionConfig({})).toMatchObject({
      submit_rate_limit: 0,
      submit_rate_burst: 1,
      throttle_statuses: [CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL],
      temporary_statuses: [CommandStatus.ESME_RSYSERR, CommandStatus.ESME_RX_T_APPN],
      temporary_retries: 3,
      response_timeout_policy: 'nack',
    });
    expect(resolveSessionConfig({ temporary_statuses: ['ESME_RSYSERR', 0x45] }).temporary_statuses).toEqual([8, 0x45]);
    // As the environment and flags give them: text.
    expect(resolveSessionConfig({ temporary_statuses: ['8', '0x45', 'esme_rx_t_appn'] }).temporary_statuses).toEqual([8, 0x45, 0x64]);
    expect(() => resolveSessionConfig({ temporary_statuses: ['ESME_NOPE'] })).toThrow(/temporary_statuses.*ESME_NOPE/);
    expect(() => resolveSessionConfig({ temporary_statuses: ['ESME_RTHROTTLED'] })).toThrow(SessionConfigError);
    expect(() => resolveSessionConfig({ throttle_delay_initial: 10, throttle_delay_max: 5 })).toThrow('throttle_delay_max');
    expect(() => resolveSessionConfig({ response_timeout_policy: 'retry' as 'resend' })).toThrow('response_timeout_policy');
  });
});
