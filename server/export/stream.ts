// Streams one export from PostgreSQL through a cursor into a writable (the HTTP response):
// a batch of rows is fetched only when the reader has taken the previous ones, so a year of a
// large gemeente never sits in memory, and a reader that stops reading stops the query.
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import QueryStream from 'pg-query-stream';
import { inTransaction, type Pool } from '../db/index.ts';
import { ZONE } from '../deadlines/zone.ts';
import { CsvEncoder, type CsvOptions } from './csv.ts';
import type { DatasetQuery } from './datasets.ts';

/** Rows per FETCH from the cursor; with the encoder's piece this bounds what is held at once. */
export const EXPORT_BATCH_ROWS = 5_000;
/**
 * The longest one export may run. The cursor's statement lives until its last row is taken, so
 * the pool's 30-s statement_timeout would cut a year off; a reader this slow holds a connection
 * and a snapshot (which keeps VACUUM from cleaning up), and is cut off instead.
 */
export const EXPORT_MAX_MS = 15 * 60_000;

/**
 * Writes the CSV of `query` over [from, to) to `sink`, in a READ ONLY transaction (an export
 * cannot change anything, whoever asked). Resolves with the rows written; rejects when the query
 * fails or the sink closes early — the cursor is closed and the connection returned either way.
 */
export async function streamCsv(pool: Pool, query: DatasetQuery, period: { from: Date; to: Date }, sink: Writable, options: CsvOptions): Promise<number> {
  return inTransaction(pool, async (tx) => {
    await tx.query('SET TRANSACTION READ ONLY');
    await tx.query(`SET LOCAL statement_timeout = ${EXPORT_MAX_MS}`);
    await tx.query(`SET LOCAL TIME ZONE '${ZONE}'`);
    const rows = tx.query(new QueryStream(query.sql, [period.from, period.to], { batchSize: EXPORT_BATCH_ROWS, rowMode: 'array' }));
    const encoder = new CsvEncoder(query.columns, options);
    // A sink that closes early destroys the rows: the cursor is closed before the rollback.
    await pipeline(rows, encoder, sink);
    return encoder.rows;
  });
}
