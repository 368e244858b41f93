import { smppMachineDefinition } from '../../machines/smpp.machine.js';
import { codecActor } from './codec-actor.js';
import { socketActor } from './socket-actor.js';

/**
 * The connection manager with its hands: `createActor(smppMachine, { input }).start()` connects,
 * binds and stays bound, reconnecting with back-off, with no other code.
 */
export const smppMachine = smppMachineDefinition.provide({
  actors: { socket: socketActor, codec: codecActor },
  actions: {
    logState: ({ context }, params: { state: string }) => {
      context.runtime.logger.info(
        { state: params.state, reason: context.reason, attempt: context.attempt, system_id: context.config.system_id },
        `smpp ${params.state}: ${context.reason}`,
      );
    },
  },
});
