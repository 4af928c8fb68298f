// Relay's Cloudflare Worker: a front close to the users for one or more Relay Edge origins (RELAY_ORIGINS,
// comma-separated URLs). It streams every answer through as it arrives (the body is piped, never read whole),
// forwards what resume and auth need, passes the origin's headers back, and lets a client's disconnect reach the
// origin (its request is aborted with the client's). See docs/deployment.md, "Cloudflare Workers".

const MAX_BUFFERED_BODY = 1024 * 1024; // a POST /v1/chat/stream body is held to retry it on the next origin
const STREAM_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

// Request headers that describe this hop (or Cloudflare's), not the client's request.
const DROPPED = new Set([
  "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
  "cf-connecting-ip", "cf-ipcountry", "cf-ray", "cf-visitor", "cf-worker", "x-forwarded-for", "x-forwarded-proto",
  "x-forwarded-host", "x-real-ip", "content-length",
]);

// Round robin per isolate: requests spread over the origins, and a resume may land on any of them (the edges share
// their streams through RELAY_REDIS).
let next = 0;

export default {
  async fetch(request, env) {
    const origins = (env.RELAY_ORIGINS ?? "").split(",").map((o) => o.trim()).filter((o) => o.length > 0);
    if (origins.length === 0) {
      return error(500, "INTERNAL_ERROR", "The Worker has no RELAY_ORIGINS.", false);
    }

    const url = new URL(request.url);
    const headers = forwardHeaders(request, url);

    // Only a stream's start is retried on the next origin: a Worker's fetch cannot tell "could not connect" from
    // "failed mid-request", and a stream id makes a second POST attach to the first instead of generating twice.
    // /v1/chat/completions and everything else go to one origin, once.
    const retried = request.method === "POST" && url.pathname === "/v1/chat/stream";
    let body = request.body;
    if (retried) {
      const prepared = await withStreamId(request);
      if (prepared instanceof Response) {
        return prepared;
      }
      body = prepared;
      headers.set("content-type", "application/json");
    }

    const first = next++ % origins.length;
    const tries = retried ? origins.length : 1;
    let failure;
    for (let i = 0; i < tries; i++) {
      const origin = origins[(first + i) % origins.length];
      try {
        const response = await fetch(new URL(url.pathname + url.search, origin), {
          method: request.method,
          headers,
          body: request.method === "GET" || request.method === "HEAD" ? undefined : body,
          redirect: "manual",
          signal: request.signal, // the client left: abort the origin request, so the edge sees it
        });

        // The body is piped as it arrives; every origin header (Retry-After, X-Relay-*, CORS) passes back.
        return new Response(response.body, response);
      } catch (e) {
        if (request.signal?.aborted) {
          throw e;
        }
        failure = e;
      }
    }

    return error(502, "UPSTREAM_UNAVAILABLE", `No Relay Edge origin could be reached: ${failure?.message ?? failure}`, true);
  },
};

function forwardHeaders(request, url) {
  const headers = new Headers();
  for (const [name, value] of request.headers) {
    if (!DROPPED.has(name.toLowerCase())) {
      headers.set(name, value); // Authorization, Last-Event-ID, X-Request-Id, Content-Type, Accept, ...
    }
  }

  const client = request.headers.get("cf-connecting-ip");
  const chain = request.headers.get("x-forwarded-for");
  if (client) {
    headers.set("x-forwarded-for", chain ? `${chain}, ${client}` : client);
  }
  headers.set("x-forwarded-proto", url.protocol.replace(":", ""));
  headers.set("x-forwarded-host", url.host);
  return headers;
}

// The start of a stream, buffered (at most 1 MiB) with a stream_id of its own if the client sent none.
async function withStreamId(request) {
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > MAX_BUFFERED_BODY) {
    return error(413, "REQUEST_TOO_LARGE", "The body is over 1 MiB.", false);
  }

  let parsed;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return bytes; // not JSON: the edge answers INVALID_REQUEST in its own words
  }

  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || parsed.stream_id != null) {
    return bytes;
  }

  parsed.stream_id = newStreamId();
  return new TextEncoder().encode(JSON.stringify(parsed));
}

function newStreamId() {
  const random = crypto.getRandomValues(new Uint8Array(21));
  return Array.from(random, (b) => STREAM_ID_CHARS[b & 63]).join("");
}

function error(status, code, message, retryable) {
  return new Response(JSON.stringify({ error: { code, message, retryable, retry_after_ms: null } }), {
    status,
    headers: { "content-type": "application/json" },
  });
}
