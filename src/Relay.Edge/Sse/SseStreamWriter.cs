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
/// body stream flushes every write). <c>retry: 250</c> rides on the first event a reader gets, and a
/// <c>: ping</c> comment goes out after each quiet interval, written by the same loop.
/// </summary>
internal static class SseStreamWriter
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(250);
    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();

    public static void PrepareResponse(HttpContext context, string streamId)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Response.Headers["X-Relay-Stream-Id"] = streamId;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    public static Task WriteAsync(HttpContext context, string streamId, IAsyncEnumerable<StoredEvent> events, TimeProvider time, TimeSpan pingInterval, CancellationToken cancellationToken) =>
        SseFormatter.WriteAsync(Items(context.Response.Body, streamId, events, time, pingInterval, cancellationToken), context.Response.Body, static (item, buffer) => buffer.Write(item.Data.Data.Span), cancellationToken);

    private static async IAsyncEnumerable<SseItem<StoredEvent>> Items(
        Stream body, string streamId, IAsyncEnumerable<StoredEvent> events, TimeProvider time, TimeSpan pingInterval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = true;
        await using var e = events.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            var next = e.MoveNextAsync();
            while (!next.IsCompleted)
            {
                // Quiet: while SseFormatter waits on us nobody else writes, so the ping can go out raw.
                var moved = next.AsTask();
                using var pingDelay = new CancellationTokenSource();
                var ping = Task.Delay(pingInterval, time, pingDelay.Token);
                if (await Task.WhenAny(moved, ping) == ping)
                {
                    await body.WriteAsync(Ping, cancellationToken);
                    await body.FlushAsync(cancellationToken);
                    next = new ValueTask<bool>(moved);
                    continue;
                }

                await pingDelay.CancelAsync();
                next = new ValueTask<bool>(moved);
            }

            if (!await next)
            {
                yield break;
            }

            var stored = e.Current;
            yield return new SseItem<StoredEvent>(stored, stored.Name)
            {
                EventId = StreamIds.FormatEventId(streamId, stored.Seq),
                ReconnectionInterval = first ? Retry : null,
            };
            first = false;
        }
    }
}
