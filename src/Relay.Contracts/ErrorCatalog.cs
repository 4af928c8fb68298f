using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Relay.Contracts;

/// <summary>The error taxonomy: one entry per <see cref="StreamErrorCode"/>. <c>docs/errors.md</c> is generated from it.</summary>
public static class ErrorCatalog
{
    private static readonly ErrorCatalogEntry[] Entries =
    [
        new(StreamErrorCode.InvalidRequest, "INVALID_REQUEST", 400, false,
            "The request is not valid.",
            "The body is not valid JSON, a field has the wrong type or range, messages are missing, or the content type is wrong (then 415).",
            "Fix the field the message names and send again."),
        new(StreamErrorCode.Unauthorized, "UNAUTHORIZED", 401, false,
            "A valid bearer token is required.",
            "The edge has RELAY_TOKENS set and the request's Authorization header is missing or wrong.",
            "Send `Authorization: Bearer <token>` with one of the edge's tokens (CLI: --token or RELAY_TOKEN)."),
        new(StreamErrorCode.InsufficientCredits, "INSUFFICIENT_CREDITS", 402, false,
            "The upstream account has no credits left.",
            "The upstream (OpenRouter) answered 402.",
            "Add credits to the account whose key the edge holds."),
        new(StreamErrorCode.ContentFiltered, "CONTENT_FILTERED", 403, false,
            "The upstream refused the content.",
            "The upstream's moderation flagged the prompt (403).",
            "Rephrase the prompt or pick another model."),
        new(StreamErrorCode.ModelNotFound, "MODEL_NOT_FOUND", 404, false,
            "The model does not exist upstream.",
            "The upstream answered 404 for the model name.",
            "Check the name with `relay models` or GET /v1/models."),
        new(StreamErrorCode.StreamNotFound, "STREAM_NOT_FOUND", 404, false,
            "The stream does not exist or has expired.",
            "A resume or cancel named a stream this edge does not hold: unknown, expired after its grace period, owned by another token, or the edge restarted.",
            "Start the answer again with a new POST; the client does this by itself."),
        new(StreamErrorCode.StreamConflict, "STREAM_CONFLICT", 409, false,
            "A stream with this id already exists for another request.",
            "A POST reused a stream_id with a different request or from another token.",
            "Use a fresh stream_id for each new request."),
        new(StreamErrorCode.ContextTooLong, "CONTEXT_TOO_LONG", 413, false,
            "The conversation is longer than the model's context.",
            "The upstream answered 413: prompt plus max_tokens exceed the model's context length.",
            "Shorten the conversation (in chat: /clear) or lower max_tokens."),
        new(StreamErrorCode.RequestTooLarge, "REQUEST_TOO_LARGE", 413, false,
            "The request body is larger than the edge accepts.",
            "The body is over the edge's limit (1 MiB).",
            "Send a smaller request."),
        new(StreamErrorCode.RateLimited, "RATE_LIMITED", 429, true,
            "Too many requests; slow down.",
            "The edge's rate limit (RELAY_RATE_LIMIT) or the upstream's was reached (the edge retries the upstream's first; see below).",
            "Retry after the time in retry_after_ms / Retry-After."),
        new(StreamErrorCode.Overloaded, "OVERLOADED", 503, true,
            "The edge is at its limit of concurrent streams.",
            "RELAY_MAX_STREAMS generations are running, or the edge is shutting down.",
            "Retry after the time in retry_after_ms / Retry-After, or on another instance."),
        new(StreamErrorCode.StoreUnavailable, "STORE_UNAVAILABLE", 503, true,
            "The edge cannot reach its stream store.",
            "The edge keeps streams in Redis (RELAY_REDIS) and Redis is unreachable; no new stream can start until it is back.",
            "Retry after the time in retry_after_ms / Retry-After; operators: check Redis and the edge's /health/ready."),
        new(StreamErrorCode.UpstreamTimeout, "UPSTREAM_TIMEOUT", 504, true,
            "The upstream did not answer in time.",
            "No byte arrived from the upstream within the first-byte or idle timeout, or the generation ran past its maximum time.",
            "Retry; if it persists, try another model."),
        new(StreamErrorCode.UpstreamUnavailable, "UPSTREAM_UNAVAILABLE", 503, true,
            "The upstream is unavailable.",
            "The upstream could not be reached or answered 502/503, and the edge's retries before the first token did not help.",
            "Retry after a short wait."),
        new(StreamErrorCode.UpstreamError, "UPSTREAM_ERROR", 502, true,
            "The upstream failed.",
            "The upstream answered 500, or reported an error mid-stream (before any content only after the edge's retries).",
            "Retry; if it persists, try another model."),
        new(StreamErrorCode.UpstreamAuthFailed, "UPSTREAM_AUTH_FAILED", 502, false,
            "The upstream refused the edge's API key.",
            "The upstream answered 401: OPENROUTER_API_KEY is missing, wrong or revoked.",
            "Set a valid OPENROUTER_API_KEY on the edge."),
        new(StreamErrorCode.StreamInterrupted, "STREAM_INTERRUPTED", 502, true,
            "The upstream stream ended before the answer was complete.",
            "The upstream connection was reset or closed without a final chunk, or the edge shut down mid-answer.",
            "Retry; the client restarts the answer by itself."),
        new(StreamErrorCode.StreamLost, "STREAM_LOST", 503, true,
            "The instance producing this answer stopped.",
            "In a cluster, the edge instance that owned the stream stopped renewing its lease (it crashed or lost Redis) before the answer ended.",
            "Start the answer again with a new POST; the client does this by itself and clears the partial answer."),
        new(StreamErrorCode.MalformedEvent, "MALFORMED_EVENT", 502, false,
            "The upstream sent an event that could not be read.",
            "A data line from the upstream was not valid JSON, or an event was not of a known shape.",
            "Report it; try another model meanwhile."),
        new(StreamErrorCode.EventTooLarge, "EVENT_TOO_LARGE", 502, false,
            "An event was larger than the reader accepts.",
            "One SSE event exceeded the maximum event size (1 MiB by default).",
            "Report it; raise the limit only if such events are expected."),
        new(StreamErrorCode.StreamTooLarge, "STREAM_TOO_LARGE", 500, false,
            "The answer outgrew the edge's per-stream buffer.",
            "A stream's held events exceeded the edge's per-stream bound (4 MiB by default).",
            "Ask for a shorter answer (max_tokens) or raise the edge's limit."),
        new(StreamErrorCode.NetworkError, "NETWORK_ERROR", null, true,
            "The edge could not be reached.",
            "Client side: the connection to the edge failed or dropped and reconnection gave up.",
            "Check that the edge runs and --edge / RELAY_EDGE_URL points at it."),
        new(StreamErrorCode.Cancelled, "CANCELLED", 499, false,
            "The stream was cancelled.",
            "A DELETE (or Ctrl+C in the CLI) cancelled the generation.",
            "Nothing; ask again to get a new answer."),
        new(StreamErrorCode.InternalError, "INTERNAL_ERROR", 500, false,
            "The edge failed unexpectedly.",
            "A bug in the edge.",
            "Report it with the X-Request-Id of the response."),
    ];

    private static readonly FrozenDictionary<StreamErrorCode, ErrorCatalogEntry> ByCode =
        Entries.ToFrozenDictionary(e => e.Code);

    private static readonly FrozenDictionary<string, ErrorCatalogEntry> ByWireName =
        Entries.ToFrozenDictionary(e => e.WireName, StringComparer.Ordinal);

    /// <summary>Every entry, in catalog order.</summary>
    public static IReadOnlyList<ErrorCatalogEntry> All => Entries;

    /// <summary>The entry for <paramref name="code"/>.</summary>
    public static ErrorCatalogEntry Get(StreamErrorCode code) =>
        ByCode.TryGetValue(code, out var entry) ? entry : throw new ArgumentOutOfRangeException(nameof(code), code, "Not in the catalog.");

    /// <summary>Finds the entry with the given wire name.</summary>
    public static bool TryGet(string wireName, out ErrorCatalogEntry entry) => ByWireName.TryGetValue(wireName, out entry!);

    /// <summary>Renders the catalog as the Markdown of <c>docs/errors.md</c>.</summary>
    public static string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append("# Error codes\n\n")
          .Append("Generated from `ErrorCatalog` in `src/Relay.Contracts`; a test fails when this file is stale.\n\n")
          .Append("Every error, before a stream (as the HTTP status with body\n")
          .Append("`{\"error\":{\"code\",\"message\",\"retryable\",\"retry_after_ms\"},\"request_id\"}`; on `/v1/chat/completions` and\n")
          .Append("`/v1/models` OpenAI's `{\"error\":{\"message\",\"type\",\"code\"},\"request_id\"}` with the code in lower case) or inside\n")
          .Append("one (as the final `error` event), carries one of these codes. Every route answers every failure this way: one\n")
          .Append("exception handler maps a known error to its code and status and anything unexpected to `INTERNAL_ERROR`.\n")
          .Append("`request_id` is the response's `X-Request-Id`: quote it when reporting a problem.\n\n")
          .Append("| code | HTTP | retryable | when it happens | what to do |\n")
          .Append("|---|---|---|---|---|\n");
        foreach (var e in Entries)
        {
            var status = e.HttpStatus?.ToString(CultureInfo.InvariantCulture) ?? "client side";
            md.Append(CultureInfo.InvariantCulture, $"| `{e.WireName}` | {status} | {(e.Retryable ? "yes" : "no")} | {e.When} | {e.WhatToDo} |\n");
        }

        md.Append("\n## What the edge retries before you see it\n\n")
          .Append("Until the first `delta`, `reasoning` or `tool_call` of an answer, the edge absorbs upstream failures that another\n")
          .Append("request may not have: a connection that fails to open, a first-byte timeout, 408, 429, 500, 502, 503, 504, and a\n")
          .Append("mid-stream error before any content (`UPSTREAM_UNAVAILABLE`, `UPSTREAM_TIMEOUT`, `RATE_LIMITED`,\n")
          .Append("`UPSTREAM_ERROR`, `STREAM_INTERRUPTED`). It retries at most `RELAY_UPSTREAM_RETRIES` times (default 2) within\n")
          .Append("`RELAY_UPSTREAM_RETRY_BUDGET` (default 10 s), waiting the upstream's Retry-After or 250 ms × 2^(n−1) plus up to\n")
          .Append("25 % jitter; a Retry-After longer than what is left of the budget ends the retries at once. A request with fallback\n")
          .Append("`models` moves to the next model at once when one answers 404, 429 or 5xx. Nothing else is retried\n")
          .Append("(`INVALID_REQUEST`, `UPSTREAM_AUTH_FAILED`, `INSUFFICIENT_CREDITS`, `CONTENT_FILTERED`, `MODEL_NOT_FOUND` without\n")
          .Append("fallbacks, `CONTEXT_TOO_LONG`), and nothing is retried once content was sent. So an upstream code above reaches a\n")
          .Append("client only after the retries failed: as the POST's status when the upstream never answered and the edge did not\n")
          .Append("wait, else as the stream's `error` event (the response opened with `: retrying` comments while the edge waited).\n")
          .Append("\n## Usage on every ending\n\n")
          .Append("Whatever the ending (`done`, any `error` above, `CANCELLED`, the grace period, the maximum generation time), a\n")
          .Append("stream that produced content has a `usage` event right before its terminal event. When the upstream was cut off\n")
          .Append("before reporting usage, it is the edge's estimate, marked `\"estimated\": true` and without cost (see\n")
          .Append("docs/api.md, \"Usage on every ending\").\n");
        return md.ToString();
    }
}
