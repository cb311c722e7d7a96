// Agents: accounts, passwords, sessions and the routes that manage them.
export { ROLES, type Agent, type Role, createAgent, findAgent, listAgents, updateAgent, countAgents } from './agents.ts';
export { ensureFirstAdmin } from './bootstrap.ts';
export { agentRoutes, authRoutes } from './routes.ts';
export { agentForSession, createSession, deleteExpiredSessions, SESSION_COOKIE, type SessionAgent } from './sessions.ts';
