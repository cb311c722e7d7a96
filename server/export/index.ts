// The CSV export of conversations, contacts, milestones and hand-offs over a period (issue 15 §5).
export { CsvEncoder, csvField, csvRecord, guardFormula, type CsvDelimiter, type CsvOptions } from './csv.ts';
export { DATASETS, datasetQuery, type Dataset, type DatasetQuery } from './datasets.ts';
export { exportRoutes, EXPORT_CONCURRENCY } from './routes.ts';
export { streamCsv, EXPORT_BATCH_ROWS, EXPORT_MAX_MS } from './stream.ts';
