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
      const { logger } = context.runtime;
      logger.info(
        { state: params.state, reason: context.reason, attempt: context.attempt, system_id: context.config.system_id },
        `smpp ${params.state}: ${context.reason}`,
      );
      if (params.state === 'backoff' && context.configError) {
        // Retrying cannot help until someone fixes the configuration: say so where it is seen.
        logger.error(
          { config_error: true, reason: context.reason, system_id: context.config.system_id, retry_in_s: context.config.reconnect_delay_max },
          `configuration error: the SMSC refused the credentials (${context.reason}); check system_id, password and system_type`,
        );
      }
    },
  },
});
