// Live chat (issue 5): citizens' sessions and messages, pickup and closing, presence, the public
// service status, the offline question, transcripts and ratings.
export { Chat, type ChatSession, type ChatStart } from './chat.ts';
export { PresenceTracker } from './presence.ts';
export { publicChatRoutes, agentChatRoutes } from './routes.ts';
export { serviceStatus, promiseFor, type ServiceStatus, type AnswerPromise } from './service.ts';
export { firstName, chatMessage, isoAmsterdam } from './messages.ts';
export { deleteExpiredChatSessions } from './sessions.ts';
export { MAX_TRANSCRIPTS, transcriptContent } from './transcript.ts';
export * as chatSchemas from './schemas.ts';
