/**
 * GET /docs: the OpenAPI 3.1 document, generated from the same zod schemas that validate the
 * requests (zod 4's `z.toJSONSchema`), so the document cannot drift from the validation.
 * GET /docs/ui: a small self-contained HTML page listing the operations (no CDN assets).
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Config } from "../core/config.ts";
import { candlesQuerySchema } from "./candles.ts";
import type { ApiEnv } from "./deps.ts";
import { indicatorsQuerySchema } from "./indicators.ts";
import { CreateStrategySchema, UpdateStrategySchema } from "./strategies.ts";
import { rangeQuerySchema } from "./validation.ts";

type Json = Record<string, unknown>;

function schemaOf(s: z.ZodType): Json {
  const j = z.toJSONSchema(s, { io: "input", unrepresentable: "any", target: "draft-2020-12" });
  delete (j as Json).$schema;
  return j as Json;
}

function queryParams(s: z.ZodType): Json[] {
  const j = schemaOf(s) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(j.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: (j.required ?? []).includes(name) && !("default" in schema),
    schema,
    ...(typeof schema.description === "string" ? { description: schema.description } : {}),
  }));
}

const ErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
  request_id: z.string().optional(),
});

const symbolParam = {
  name: "symbol",
  in: "path",
  required: true,
  schema: { type: "string" },
  description: "Configured symbol, e.g. BTC",
};
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };

function json(description: string, schema: Json = { type: "object" }): Json {
  return { description, content: { "application/json": { schema } } };
}

const err = (d: string) => json(d, { $ref: "#/components/schemas/Error" });

/** Builds the OpenAPI document for a configuration (intervals and limits are config-dependent). */
export function openApiDocument(config: Config, version: string): Json {
  const range = queryParams(rangeQuerySchema(config));
  const bearer = [{ bearer: [] }];
  const mutation = {
    "400": err("Invalid body; `field` names the first bad field"),
    "401": err("Missing or wrong bearer token"),
    "403": err("Mutations disabled (no API_TOKEN configured)"),
    "413": err("Body too large"),
    "415": err("Body is not application/json"),
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Perptrix API",
      version,
      description: "Signals, candles and indicators of crypto perpetual futures.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: schemaOf(ErrorSchema),
        CreateStrategy: schemaOf(CreateStrategySchema),
        UpdateStrategy: schemaOf(UpdateStrategySchema),
      },
    },
    paths: {
      "/health": {
        get: {
          summary: "Liveness and dependency checks",
          responses: {
            "200": json("Healthy or degraded"),
            "503": json("A required dependency is down"),
          },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics of this process",
          responses: {
            "200": { description: "Prometheus text format", content: { "text/plain": {} } },
          },
        },
      },
      "/signals": {
        get: {
          summary: "Latest signal per symbol and interval",
          responses: { "200": json("Signals") },
        },
      },
      "/signals/{symbol}": {
        get: {
          summary: "Signal history, newest first",
          parameters: [symbolParam, ...range],
          responses: {
            "200": json("Signals"),
            "400": err("Bad query"),
            "404": err("Unknown symbol"),
          },
        },
      },
      "/candles/{symbol}": {
        get: {
          summary: "Candles in ascending order; optionally the still-open one, flagged",
          parameters: [symbolParam, ...queryParams(candlesQuerySchema(config))],
          responses: {
            "200": json("Candles"),
            "400": err("Bad query"),
            "404": err("Unknown symbol"),
          },
        },
      },
      "/indicators/{symbol}": {
        get: {
          summary: "Current indicator values and states",
          parameters: [symbolParam, ...queryParams(indicatorsQuerySchema(config))],
          responses: {
            "200": json("Readings"),
            "400": err("Bad query"),
            "404": err("Unknown symbol"),
          },
        },
      },
      "/plugins": {
        get: {
          summary: "Registered plugins and their parameters",
          responses: { "200": json("Plugins") },
        },
      },
      "/strategies": {
        get: {
          summary: "Stored and built-in strategies",
          responses: { "200": json("Strategies") },
        },
        post: {
          summary: "Create a strategy",
          security: bearer,
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: { $ref: "#/components/schemas/CreateStrategy" } },
            },
          },
          responses: { "201": json("Created"), "409": err("Id exists"), ...mutation },
        },
      },
      "/strategies/{id}": {
        get: {
          summary: "One strategy",
          parameters: [idParam],
          responses: { "200": json("Strategy"), "404": err("Not found") },
        },
        put: {
          summary: "Create or replace a strategy",
          security: bearer,
          parameters: [idParam],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: { $ref: "#/components/schemas/UpdateStrategy" } },
            },
          },
          responses: { "200": json("Replaced"), "201": json("Created"), ...mutation },
        },
        delete: {
          summary: "Delete a stored strategy",
          security: bearer,
          parameters: [idParam],
          responses: {
            "204": { description: "Deleted" },
            "404": err("Not stored"),
            "401": mutation["401"],
            "403": mutation["403"],
          },
        },
      },
    },
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The /docs routes (the document is built once per process). */
export const docs: Hono<ApiEnv> = (() => {
  let doc: Json | undefined;
  const get = (config: Config, version: string) => doc ??= openApiDocument(config, version);
  return new Hono<ApiEnv>()
    .get("/", (c) => c.json(get(c.get("deps").config, c.get("deps").version)))
    .get("/openapi.json", (c) => c.json(get(c.get("deps").config, c.get("deps").version)))
    .get("/ui", (c) => {
      const d = get(c.get("deps").config, c.get("deps").version) as {
        paths: Record<string, Record<string, { summary?: string }>>;
      };
      const rows = Object.entries(d.paths).flatMap(([p, ops]) =>
        Object.entries(ops).map(([m, op]) =>
          `<tr><td>${m.toUpperCase()}</td><td><code>${escapeHtml(p)}</code></td><td>${
            escapeHtml(op.summary ?? "")
          }</td></tr>`
        )
      );
      return c.html(
        `<!doctype html><meta charset="utf-8"><title>Perptrix API</title>` +
          `<h1>Perptrix API</h1><p>OpenAPI 3.1 document: <a href="/docs">/docs</a></p>` +
          `<table border="1" cellpadding="4">${rows.join("")}</table>`,
      );
    });
})();
