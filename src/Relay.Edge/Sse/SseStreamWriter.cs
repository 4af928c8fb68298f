using System.Buffers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Features;
using Relay.Contracts;
using Relay.Edge.Streams;

namespace Relay.Edge;

/// <summary>
/// Writes a stream's events to a response as SSE with <see cref="SseFormatter"/>: <c>id: streamId:seq</c>,
/// <c>event: name</c>, <c>data: json</c> (the held bytes, not re-serialized), each sent as it exists (Kestrel's
/// body stream flushes every write). <c>retry: 250</c> rides on the first event a reader gets, and
/// <see cref="SseKeepAlive"/> sends <c>: ping</c> on a quiet connection and <c>: retrying</c> while the edge tries the
/// upstream again.
/// </summary>
internal static class SseStreamWriter
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(250);

    public static void PrepareResponse(HttpContext context, string streamId)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        // no-transform: no proxy or CDN may compress (and so hold) the stream.
        context.Response.Headers.CacheControl = "no-cache, no-transform";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Response.Headers["X-Relay-Stream-Id"] = streamId;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <param name="context">The response's context.</param>
    /// <param name="streamId">The stream, for event ids.</param>
    /// <param name="events">The events, from the store.</param>
    /// <param name="time">The clock of the keep-alive.</param>
    /// <param name="pingInterval">Silence after which a ping goes out.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <param name="watchRetries">
    /// Subscribes to the generation's retries before the first token (each, and one under way, gets a <c>: retrying</c>
    /// comment); null when the stream is produced elsewhere.
    /// </param>
    public static Task WriteAsync(
        HttpContext context, string streamId, IAsyncEnumerable<StoredEvent> events, TimeProvider time, TimeSpan pingInterval, CancellationToken cancellationToken, Func<Action, IDisposable>? watchRetries = null) =>
        SseFormatter.WriteAsync(Items(context.Response.Body, streamId, events, time, pingInterval, watchRetries, cancellationToken), context.Response.Body, static (item, buffer) => buffer.Write(item.Data.Data.Span), cancellationToken);

    private static async IAsyncEnumerable<SseItem<StoredEvent>> Items(
        Stream body, string streamId, IAsyncEnumerable<StoredEvent> events, TimeProvider time, TimeSpan pingInterval, Func<Action, IDisposable>? watchRetries, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = true;
        using var keepAlive = new SseKeepAlive(body, time, pingInterval, cancellationToken);
        using var retries = watchRetries?.Invoke(() => keepAlive.Comment(SseKeepAlive.Retrying));
        await using var e = events.GetAsyncEnumerator(cancellationToken);
        while (await keepAlive.MoveNextAsync(e))
        {
            var stored = e.Current;
            yield return new SseItem<StoredEvent>(stored, stored.Name)
            {
                EventId = stored.Synthesized ? null : StreamIds.FormatEventId(streamId, stored.Seq),
                ReconnectionInterval = first ? Retry : null,
            };
            first = false;
        }
    }
}
