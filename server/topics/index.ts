// Topics (onderwerpen, issue 15 §2): the list admins keep, the close's topic, the routes.
export { listTopics, findTopic, createTopic, updateTopic, topicSettings, setTopicSettings, setCloseTopic, type CloseTopicOutcome } from './topics.ts';
export { topicRoutes, closeTopicBody } from './routes.ts';
export type * from './types.ts';
