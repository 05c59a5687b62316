// PostGraphile v5 as a user would run it against the bench's database: the amber preset
// over the `public` schema, with the balance a computed column (balances.sql).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

/** @type {GraphileConfig.Preset} */
export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.POOL_MAX ?? 10) },
    }),
  ],
  grafserv: { port: Number(process.env.PORT ?? 8103), host: "127.0.0.1", graphiql: false },
  grafast: { explain: false },
};
