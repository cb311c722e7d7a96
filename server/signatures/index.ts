// Signatures of outgoing mail (issue 16.3): per team and for the mailbox, with variables.
export { renderSignature, SIGNATURE_VARIABLES, withSignature } from './render.ts';
export { signatureRoutes } from './routes.ts';
export { listSignatures, signatureFor, type Signature } from './store.ts';
