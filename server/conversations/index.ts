// Conversations and their reference numbers.
export { createConversation, createConversationIn, CONVERSATION_COLUMNS, type NewConversation, type Channel, type Conversation, type ConversationStatus } from './conversations.ts';
export { formatReference, nextReference, referencePattern } from './references.ts';
