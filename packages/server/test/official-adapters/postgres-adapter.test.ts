/**
 * `@socket.io/postgres-adapter` between three Plexus server processes over the local PostgreSQL (database
 * `test`): the cross-node suite (cross-node-suite.ts). The attachments table the adapter needs for binary
 * and large payloads, and the NOTIFY channel prefix, are unique to the run and dropped afterwards.
 */
import pg from "pg";
import { crossNodeSuite } from "./cross-node-suite.js";

const prefix = `plexus_${process.pid}_${Date.now().toString(36)}`;
const admin = (): pg.Client =>
  new pg.Client({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test" });

async function sql(text: string): Promise<void> {
  const client = admin();
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

crossNodeSuite("@socket.io/postgres-adapter", () => ({ kind: "postgres", pgPrefix: prefix }), {
  setUp: () =>
    sql(
      `CREATE TABLE ${prefix}_attachments (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`,
    ),
  tearDown: () => sql(`DROP TABLE IF EXISTS ${prefix}_attachments`),
});
