// Conversations: one thread with a citizen on one channel, with its reference number, and the
// lifecycle every channel follows (a pure state machine, applied in one transaction).
export { createConversation, createConversationIn, CONVERSATION_COLUMNS, type NewConversation, type Channel, type Conversation, type ConversationStatus } from './conversations.ts';
export { formatReference, nextReference, referencePattern } from './references.ts';
export {
  transition,
  CLOSE_OUTCOMES,
  NO_ANSWER_REASONS,
  CONVERSATION_STATUSES,
  LIFECYCLE_EVENT_TYPES,
  type LifecycleEvent,
  type LifecycleState,
  type Decision,
  type MilestoneEffect,
  type ConversationOutcome,
  type CloseOutcome,
  type NoAnswerReason,
  type NotApplicableReason,
  type ReplyKind,
} from './lifecycle.ts';
export { applyEvent, runLifecycle, inLifecycle, announceChange, LifecycleRefused, type LifecycleChange, type ApplyOutcome, type Refusal } from './apply.ts';
