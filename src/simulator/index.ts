export { Simulator, createSimulator } from './simulator.js';
export type {
  DeliveryEvent,
  HeldEvent,
  GarbageKind,
  PduEvent,
  SessionEvent,
  SimulatorAddresses,
  SimulatorEvents,
} from './simulator.js';
export { SimulatorConfigError, parseSimulatorOptions, MESSAGE_STATES } from './options.js';
export type { Faults, FinalState, HeldCommand, SimulatorConfig, SimulatorOptions } from './options.js';
export type { MoRequest } from './mo.js';
export type { StoredMessage } from './message-store.js';
