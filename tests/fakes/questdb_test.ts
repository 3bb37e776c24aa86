import assert from "node:assert/strict";
import { FakeQuestDb, formatMicros, parseTimestampLiteral } from "./questdb.ts";

Deno.test("fake questdb: answers in QuestDB's documented shapes, errors included", async () => {
  const fake = FakeQuestDb.start();
  const base = `http://127.0.0.1:${fake.port}`;
  const exec = async (q: string) => {
    const r = await fetch(`${base}/exec?query=${encodeURIComponent(q)}`);
    return [r.status, await r.json()] as const;
  };
  const write = async (body: string) => {
    const r = await fetch(`${base}/write?precision=n`, { method: "POST", body });
    return [r.status, r.status === 204 ? null : await r.json()] as const;
  };
  try {
    assert.deepEqual(
      await exec(
        "CREATE TABLE t (s SYMBOL, v DOUBLE, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, s)",
      ),
      [200, { ddl: "OK" }],
    );
    const [st, err] = await exec(
      "CREATE TABLE u (v DOUBLE, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY DEDUP UPSERT KEYS(ts)",
    );
    assert.equal(st, 400);
    assert.deepEqual(Object.keys(err).sort(), ["error", "position", "query"]);
    assert.match(err.error, /only on WAL tables/);

    assert.deepEqual(
      await write("t,s=a v=1.5 1000000000\nt,s=a v=2.5 1000000000\nt,s=b v=3i 2000000000\n"),
      [204, null],
    );
    const [, bad] = await write('t,s=a v=1 3000000000\nt,s=a v="x" 4000000000\n');
    assert.deepEqual(Object.keys(bad).sort(), ["code", "errorId", "line", "message"]);
    assert.equal(bad.code, "invalid");
    assert.equal(bad.line, 2);
    assert.match(
      bad.message,
      /^failed to parse line protocol:errors encountered on line\(s\):\nerror in line 2: table: t, column: v; cast error from protocol type: STRING to column type: DOUBLE/,
    );
    assert.equal(
      fake.rows("t").length,
      2,
      "dedup kept one row per (ts, s); the bad request committed nothing",
    );

    const [s2, res] = await exec("SELECT * FROM t WHERE s = 'a' ORDER BY ts DESC LIMIT 5");
    assert.equal(s2, 200);
    assert.deepEqual(res.columns, [{ name: "s", type: "SYMBOL" }, { name: "v", type: "DOUBLE" }, {
      name: "ts",
      type: "TIMESTAMP",
    }]);
    assert.deepEqual(res.dataset, [["a", 2.5, "1970-01-01T00:00:01.000000Z"]]);
    assert.equal(res.timestamp, 2);
    assert.equal(res.count, 1);
    const [s3, missing] = await exec("SELECT * FROM nope");
    assert.equal(s3, 400);
    assert.deepEqual(missing, {
      query: "SELECT * FROM nope",
      error: "table does not exist [table=nope]",
      position: 14,
    });
    const settings = await (await fetch(`${base}/settings`)).json();
    assert.deepEqual(settings.config["line.proto.support.versions"], [1, 2]);
  } finally {
    await fake.stop();
  }
});

Deno.test("fake questdb: timestamp literals and output format", () => {
  assert.equal(parseTimestampLiteral("2025-01-01T00:00:00.000Z"), Date.UTC(2025, 0, 1) * 1000);
  assert.equal(
    parseTimestampLiteral("2025-01-01T00:00:00.000123Z"),
    Date.UTC(2025, 0, 1) * 1000 + 123,
  );
  assert.equal(parseTimestampLiteral("yesterday"), undefined);
  assert.equal(formatMicros(Date.UTC(2025, 0, 1) * 1000 + 5), "2025-01-01T00:00:00.000005Z");
});
