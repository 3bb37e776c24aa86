/**
 * A scripted Hyperliquid for tests that need the venue to say something precise (and usually
 * wrong): `POST /info` answers with whatever `info` returns for a request body (JSON, or a
 * Response), else a one-coin `meta` and empty lists; `/ws` answers pings and acknowledges
 * subscriptions, then hands the socket to `onSubscribe` to push what the test wants.
 * For realistic traffic use {@linkcode FakeHyperliquid} (./hyperliquid.ts).
 * @module
 */

/** What the scripted venue does; everything optional. */
export interface Script {
  /** Answer to one `/info` body; `undefined` falls back to the defaults. */
  info?: (body: Record<string, unknown>) => unknown;
  /** Called after a subscription was acknowledged. */
  onSubscribe?: (socket: WebSocket, subscription: Record<string, unknown>) => void;
}

/** A running scripted venue. */
export interface ScriptedVenue {
  apiUrl: string;
  wsUrl: string;
  /** Every `/info` body received, in order. */
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts a scripted venue on a random local port. */
export function startScriptedVenue(script: Script = {}): ScriptedVenue {
  const sockets = new Set<WebSocket>();
  const requests: Record<string, unknown>[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    if (new URL(req.url).pathname === "/ws") {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onopen = () => sockets.add(socket);
      socket.onclose = () => sockets.delete(socket);
      socket.onmessage = (ev) => {
        const m = JSON.parse(String(ev.data));
        if (m.method === "ping") return socket.send('{"channel":"pong"}');
        if (m.method !== "subscribe") return;
        socket.send(JSON.stringify({
          channel: "subscriptionResponse",
          data: { method: "subscribe", subscription: m.subscription },
        }));
        script.onSubscribe?.(socket, m.subscription);
      };
      return response;
    }
    const body = await req.json();
    requests.push(body);
    const answer = script.info?.(body);
    if (answer instanceof Response) return answer;
    if (answer !== undefined) return Response.json(answer);
    if (body.type === "meta") {
      return Response.json({ universe: [{ name: "BTC", szDecimals: 5, maxLeverage: 40 }] });
    }
    return Response.json([]);
  });
  const port = server.addr.port;
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    requests,
    async close() {
      for (const s of sockets) {
        try {
          s.close();
        } catch { /* closing */ }
      }
      await server.shutdown();
    },
  };
}
