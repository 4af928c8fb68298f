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
        using var keepAlive = new KeepAlive(body, time, pingInterval, cancellationToken);
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
                keepAlive.Idle();
                try
                {
                    more = await next;
                }
                finally
                {
                    await keepAlive.BusyAsync();
                }
            }

            if (!more)
            {
                yield break;
            }

            var stored = e.Current;
            keepAlive.Wrote();
            yield return new SseItem<StoredEvent>(stored, stored.Name)
            {
                EventId = StreamIds.FormatEventId(streamId, stored.Seq),
                ReconnectionInterval = first ? Retry : null,
            };
            first = false;
        }
    }

    /// <summary>
    /// The keep-alive of one connection: one timer that ticks every ping interval; a tick that finds nothing written since
    /// the last one, while the writer loop waits for an event (so <see cref="SseFormatter"/> is not writing), sends a
    /// ping itself. The loop marks its waits with <see cref="Idle"/> and <see cref="BusyAsync"/>: two uncontended locks
    /// per waited event, where waiting on the ping and the event together cost a task, a promise and a combinator.
    /// A quiet connection gets a ping within one to two intervals.
    /// </summary>
    private sealed class KeepAlive : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly Stream _body;
        private readonly CancellationToken _cancellationToken;
        private readonly ITimer _timer;
        private bool _idle;
        private int _wrote;
        private Task _ping = Task.CompletedTask;

        public KeepAlive(Stream body, TimeProvider time, TimeSpan interval, CancellationToken cancellationToken)
        {
            _body = body;
            _cancellationToken = cancellationToken;
            _timer = time.CreateTimer(static s => ((KeepAlive)s!).Tick(), this, interval, interval);
        }

        public void Wrote() => Volatile.Write(ref _wrote, 1);

        /// <summary>The loop waits for an event: the body is free for a ping.</summary>
        public void Idle()
        {
            lock (_gate)
            {
                _idle = true;
            }
        }

        /// <summary>The loop has an event (or ends): no new ping starts, and one in flight is waited out.</summary>
        public Task BusyAsync()
        {
            lock (_gate)
            {
                _idle = false;
                return _ping;
            }
        }

        public void Dispose() => _timer.Dispose();

        private void Tick()
        {
            if (Interlocked.Exchange(ref _wrote, 0) != 0)
            {
                return;
            }

            lock (_gate)
            {
                if (_idle && _ping.IsCompleted)
                {
                    _ping = PingAsync();
                }
            }
        }

        private async Task PingAsync()
        {
            await _body.WriteAsync(Ping, _cancellationToken);
            await _body.FlushAsync(_cancellationToken);
        }
    }
}
