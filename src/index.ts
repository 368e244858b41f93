/**
 * smpp-transport: an SMPP 3.4 ESME. This entry is what `import … from 'smpp-transport'` gives.
 */
export * from './pdu/index.js';
export * from './encoding/index.js';
export * from './session/index.js';
export * from './simulator/index.js';
export * from './transport/index.js';
