// The public norm page (issue 15 §6): the share of promises kept per month, for citizens.
export { publicFigures, MONTHS_SHOWN, type PublicFigures } from './figures.ts';
export { promiseText, renderPublicPage, type PageLanguage } from './render.ts';
export { PAGE_CACHE_MS, PAGE_MAX_AGE_S, publicPageCsp, publicPageRoutes, publicPageSettingsRoutes } from './routes.ts';
