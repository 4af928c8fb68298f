using System.Runtime.CompilerServices;

namespace Relay.Edge;

/// <summary>
/// The keep-alive of one SSE connection: one timer that ticks every ping interval; a tick that finds nothing written since
/// the last one, while the writer loop waits for an event (so <see cref="System.Net.ServerSentEvents.SseFormatter"/> is
/// not writing), sends <c>: ping</c> itself. Other comments (<c>: retrying</c>) go out the same way, at once, after any
/// comment still being written; one asked for before the first event while the loop was not waiting goes out as soon as it
/// waits, so a retry announced while the response starts is not lost. The loop
/// advances through <see cref="MoveNextAsync{T}"/>: two uncontended locks per waited event, where waiting on the ping
/// and the event together cost a task, a promise and a combinator.
/// A quiet connection gets a ping within one to two intervals.
/// </summary>
internal sealed class SseKeepAlive : IDisposable
{
    /// <summary>The comment a quiet connection gets.</summary>
    public static readonly byte[] Ping = ": ping\n\n"u8.ToArray();

    /// <summary>The comment sent while the edge waits to try the upstream again before the first token.</summary>
    public static readonly byte[] Retrying = ": retrying\n\n"u8.ToArray();

    private readonly Lock _gate = new();
    private readonly Stream _body;
    private readonly CancellationToken _cancellationToken;
    private readonly ITimer _timer;
    private bool _idle;
    private bool _yielded;
    private byte[]? _pending;
    private int _wrote;
    private Task _comment = Task.CompletedTask;

    public SseKeepAlive(Stream body, TimeProvider time, TimeSpan interval, CancellationToken cancellationToken)
    {
        _body = body;
        _cancellationToken = cancellationToken;
        _timer = time.CreateTimer(static s => ((SseKeepAlive)s!).Tick(), this, interval, interval);
    }

    /// <summary>
    /// Advances <paramref name="events"/>; while it waits, the body is free for comments. Pooled, so the wait for every
    /// token costs no allocation.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> MoveNextAsync<T>(IAsyncEnumerator<T> events)
    {
        var next = events.MoveNextAsync();
        if (next.IsCompleted)
        {
            Volatile.Write(ref _wrote, 1);
            var result = next.GetAwaiter().GetResult();
            if (result)
            {
                Volatile.Write(ref _yielded, true);
            }

            return result;
        }

        lock (_gate)
        {
            _idle = true;
            if (_pending is { } pending && !_yielded)
            {
                Send(pending);
            }

            _pending = null;
        }

        bool more;
        Task inFlight;
        try
        {
            more = await next;
        }
        finally
        {
            lock (_gate)
            {
                _idle = false;
                inFlight = _comment;
            }
        }

        if (more)
        {
            Volatile.Write(ref _yielded, true);
        }

        await inFlight;
        Volatile.Write(ref _wrote, 1);
        return more;
    }

    /// <summary>
    /// Sends a comment now if the loop is waiting for an event (a ping only if no comment is being written). Before the first
    /// event it is kept until the loop waits; after it, it is dropped while the loop is busy (an event is on its way).
    /// </summary>
    public void Comment(byte[] comment)
    {
        lock (_gate)
        {
            if (!_idle)
            {
                if (!Volatile.Read(ref _yielded))
                {
                    _pending ??= comment;
                }
            }
            else if (comment != Ping || _comment.IsCompleted)
            {
                Send(comment);
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Tick()
    {
        if (Interlocked.Exchange(ref _wrote, 0) == 0)
        {
            Comment(Ping);
        }
    }

    /// <summary>Writes a comment after the one being written, if any. Called under the gate.</summary>
    private void Send(byte[] comment) => _comment = _comment.IsCompleted ? WriteAsync(comment) : WriteAfterAsync(_comment, comment);

    private async Task WriteAfterAsync(Task previous, byte[] comment)
    {
        await previous;
        await WriteAsync(comment);
    }

    private async Task WriteAsync(byte[] comment)
    {
        await _body.WriteAsync(comment, _cancellationToken);
        await _body.FlushAsync(_cancellationToken);
    }
}
