// Conversations and their reference numbers.
export { createConversation, CONVERSATION_COLUMNS, type Channel, type Conversation, type ConversationStatus } from './conversations.ts';
export { formatReference, nextReference, referencePattern } from './references.ts';
