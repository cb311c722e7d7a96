// API tokens for integrations: the store, the bearer middleware and the admins' routes.
export { acceptApiToken, auditCaller } from './auth.ts';
export { apiTokenRoutes, createApiTokenSchema } from './routes.ts';
export { API_TOKEN_SCOPES, createApiToken, identifyBearer, listApiTokens, revokeApiToken, type ApiToken, type ApiTokenScope } from './tokens.ts';
