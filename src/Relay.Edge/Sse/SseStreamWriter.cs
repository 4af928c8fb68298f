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
/// <c>: ping</c> comment goes out on a quiet connection, written by the same loop.
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
        using var quiet = new QuietTimer(time, pingInterval);
        await using var e = events.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            var next = e.MoveNextAsync();
            if (next.IsCompleted)
            {
                more = next.GetAwaiter().GetResult();
            }
            else
            {
                // Quiet: while SseFormatter waits on us nobody else writes, so the ping can go out raw.
                var moved = next.AsTask();
                while (await Task.WhenAny(moved, quiet.Due) != moved)
                {
                    await body.WriteAsync(Ping, cancellationToken);
                    await body.FlushAsync(cancellationToken);
                    quiet.Pinged();
                }

                more = await moved;
            }

            if (!more)
            {
                yield break;
            }

            var stored = e.Current;
            quiet.Wrote();
            yield return new SseItem<StoredEvent>(stored, stored.Name)
            {
                EventId = StreamIds.FormatEventId(streamId, stored.Seq),
                ReconnectionInterval = first ? Retry : null,
            };
            first = false;
        }
    }

    /// <summary>
    /// One timer per connection, not one per event: it ticks every ping interval, and a tick that finds nothing written
    /// since the last one makes a ping due. A quiet connection gets a ping within one to two intervals.
    /// </summary>
    private sealed class QuietTimer : IDisposable
    {
        private readonly ITimer _timer;
        private TaskCompletionSource _due = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _wrote;

        public QuietTimer(TimeProvider time, TimeSpan interval) => _timer = time.CreateTimer(static s => ((QuietTimer)s!).Tick(), this, interval, interval);

        /// <summary>Completes when a ping is due.</summary>
        public Task Due => Volatile.Read(ref _due).Task;

        public void Wrote() => Volatile.Write(ref _wrote, 1);

        public void Pinged() => Volatile.Write(ref _due, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Dispose() => _timer.Dispose();

        private void Tick()
        {
            if (Interlocked.Exchange(ref _wrote, 0) == 0)
            {
                Volatile.Read(ref _due).TrySetResult();
            }
        }
    }
}
