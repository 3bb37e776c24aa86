# One image for every role; choose it with flags, e.g. `--role ingest`.
# Build: docker build -t perptrix .   Run: docker run -p 8080:8080 perptrix --role all
FROM denoland/deno:2.9.6

WORKDIR /app
# Dependencies first (every import-map package, from the lock alone), so a source edit reuses
# the npm cache layer; then the sources, whose module graph is cached against it.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY . .
RUN deno cache --frozen main.ts \
  && mkdir -p /app/data && chown -R deno:deno /app/data

# The image's unprivileged user.
USER deno
ENV STORE=kv PORT=8080
EXPOSE 8080
VOLUME ["/app/data"]

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8080/health'); if (!r.ok) Deno.exit(1);"]

# Same explicit permissions as `deno task start`; no -A. --allow-env is unrestricted because
# ioredis (via the `debug` package) enumerates the environment at load.
ENTRYPOINT ["deno", "run", "--unstable-kv", "--unstable-cron", \
  "--allow-net=0.0.0.0,127.0.0.1,localhost,redis,questdb,tempo,api.hyperliquid.xyz,api.hyperliquid-testnet.xyz", \
  "--allow-read=.", "--allow-write=./data", \
  "--allow-env", \
  "main.ts"]
CMD ["--role", "all"]
