// TODO(#16): the admin schemas (dto/*, openapi.ts) import the protocols from here until their
// rewrite imports src/model/protocols.ts directly; then delete this file.
export { supportedProtocols } from '../model/protocols.js';
export type { Protocol } from '../model/protocols.js';
