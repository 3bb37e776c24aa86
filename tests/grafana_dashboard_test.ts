/**
 * The provisioned Grafana dashboard parses, and every metric it queries is one the code
 * registers (so a renamed metric cannot leave a silently empty panel).
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;
const SOURCES = ["core", "runtime", "routes", "plugins", "providers"];

async function sourceText(): Promise<string> {
  let text = "";
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 6) return;
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p, depth + 1);
      else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        text += await Deno.readTextFile(p);
      }
    }
  };
  for (const d of SOURCES) await walk(`${ROOT}${d}`, 0);
  return text;
}

Deno.test("grafana dashboard: valid JSON model, every queried perptrix_* metric exists", async () => {
  const dash = JSON.parse(
    await Deno.readTextFile(`${ROOT}deploy/grafana/dashboards/perptrix.json`),
  );
  assert.equal(dash.uid, "perptrix");
  assert.ok(Array.isArray(dash.panels) && dash.panels.length > 10);
  const code = await sourceText();
  const ids = new Set<number>();
  const queried = new Set<string>();
  for (const p of dash.panels) {
    assert.ok(!ids.has(p.id), `panel id ${p.id} unique`);
    ids.add(p.id);
    if (p.type === "row") continue;
    assert.ok(p.targets?.length > 0, `${p.title}: has queries`);
    for (const t of p.targets) {
      assert.equal(t.datasource.uid, "prometheus", `${p.title}: uses the provisioned source`);
      for (const [m] of t.expr.matchAll(/perptrix_[a-z_]+/g)) {
        const hist = /_(bucket|count|sum)$/.exec(m);
        const name = hist ? m.slice(0, -hist[0].length) : m;
        queried.add(name);
        assert.ok(code.includes(`"${name}"`), `${p.title}: ${name} is not registered in the code`);
        if (hist) {
          assert.match(code, new RegExp(`histogram\\(\\s*"${name}"`), `${name} is a histogram`);
        }
      }
    }
  }
  // The list: ingest, evaluations, latency, WS, malformed, queue, backlog, HTTP.
  for (
    const m of [
      "perptrix_ingest_candles_total",
      "perptrix_evaluations_total",
      "perptrix_evaluation_duration_seconds",
      "perptrix_candle_to_signal_seconds",
      "perptrix_ws_connected",
      "perptrix_ws_reconnects_total",
      "perptrix_ws_malformed_frames_total",
      "perptrix_queue_depth",
      "perptrix_queue_retries_total",
      "perptrix_queue_dead_letters_total",
      "perptrix_store_write_backlog",
      "perptrix_http_requests_total",
      "perptrix_http_request_duration_seconds",
    ]
  ) assert.ok(queried.has(m), `the dashboard shows ${m}`);
  // The provisioning points Grafana at this folder.
  const prov = await Deno.readTextFile(
    `${ROOT}deploy/grafana/provisioning/dashboards/dashboards.yml`,
  );
  assert.match(prov, /path: \/var\/lib\/grafana\/dashboards/);
});
