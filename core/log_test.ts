import assert from "node:assert/strict";
import { redact } from "./log.ts";

Deno.test("redact: URL credentials, including a password-only userinfo and a raw '@'", () => {
  assert.equal(redact("redis://:sekret@host:6379/0"), "redis://***:***@host:6379/0");
  assert.equal(redact("redis://default:sekret@host:6379"), "redis://***:***@host:6379");
  assert.equal(redact("redis://u:p@ss@host/0"), "redis://***:***@host/0");
  assert.equal(redact("rediss://sekret@host"), "rediss://***:***@host");
  assert.equal(
    redact("fatal: runtime: redis url redis://:sekret@host:badport/0 is not a URL"),
    "fatal: runtime: redis url redis://***:***@host:badport/0 is not a URL",
  );
  assert.equal(redact("http://127.0.0.1:9000/exec?query=x"), "http://127.0.0.1:9000/exec?query=x");
});

Deno.test("redact: QuestDB config values, with ';;' escapes inside them", () => {
  assert.equal(
    redact("http::addr=db:9000;username=admin;password=ok;;semi;"),
    "http::addr=db:9000;username=***;password=***;",
  );
  assert.equal(redact("token=a;;b;;;addr=x;"), "token=***;addr=x;");
  assert.equal(redact("token_x=abc;token_y=def;"), "token_x=***;token_y=***;");
  assert.equal(redact("tls_roots_password=abc;"), "tls_roots_password=***;");
});
