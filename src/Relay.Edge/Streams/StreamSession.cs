using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>
/// One generation produced by this instance: who owns it, what was asked, its cancellation, and its
/// <see cref="StreamLifetime"/> (when it may be freed).
/// </summary>
internal sealed class StreamSession(string id, string owner, string fingerprint) : IDisposable
{
    private bool _expired;
    private bool _finished;
    private int _forgotten;

    public string Id { get; } = id;

    /// <summary>The token (hashed) that created it; empty when the edge has no tokens.</summary>
    public string Owner { get; } = owner;

    /// <summary>A hash of the request without the stream id: a retried POST must match it.</summary>
    public string Fingerprint { get; } = fingerprint;

    /// <summary>Cancels the upstream request.</summary>
    public CancellationTokenSource Generation { get; } = new();

    /// <summary>Completes with null once the first event is held, or with the error that came before it.</summary>
    public TaskCompletionSource<StreamError?> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly Lock _retryGate = new();
    private Action? _retrying;
    private bool _isRetrying;

    /// <summary>Why the generation was cancelled, if it was.</summary>
    public StreamErrorCode? CancelReason { get; set; }

    /// <summary>Set once the generation ended (its terminal event is written, or it never started).</summary>
    public bool Finished => Volatile.Read(ref _finished);

    /// <summary>When the generation ended (a timestamp), so the oldest finished streams are dropped first under memory pressure.</summary>
    public long FinishedAt { get; private set; }

    /// <summary>Set when the grace period passed with nobody attached while it still ran: it is freed as soon as it ends.</summary>
    public bool Expired
    {
        get => Volatile.Read(ref _expired);
        set => Volatile.Write(ref _expired, value);
    }

    /// <summary>When the stream may be freed; set by the manager right after construction.</summary>
    public StreamLifetime Lifetime { get; set; } = null!;

    /// <summary>Cancels the upstream request with a reason (the first reason wins); safe after it ended.</summary>
    public void Cancel(StreamErrorCode reason)
    {
        CancelReason ??= reason;
        try
        {
            Generation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over.
        }
    }

    /// <summary>
    /// Marks the generation ended, once. The generator calls it right after the terminal event is held, not when its task
    /// has wound down: a client that read <c>done</c> and at once posts again must find the stream droppable under
    /// memory pressure.
    /// </summary>
    public void MarkFinished(long timestamp)
    {
        if (!Finished)
        {
            FinishedAt = timestamp;
            Volatile.Write(ref _finished, true);
        }
    }

    /// <summary>Marks the start or the end of a wait before another upstream attempt; a start is announced to every watcher.</summary>
    public void SetRetrying(bool retrying)
    {
        lock (_retryGate)
        {
            _isRetrying = retrying;
            if (retrying)
            {
                _retrying?.Invoke();
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="onRetry"/> each time the edge starts waiting to try the upstream again before the first token
    /// (the stream is open for readers by then, who send a <c>: retrying</c> comment), and at once if it waits now: a reader
    /// that subscribes during a wait hears of it exactly once. Until disposed.
    /// </summary>
    public IDisposable WatchRetries(Action onRetry)
    {
        lock (_retryGate)
        {
            _retrying += onRetry;
            if (_isRetrying)
            {
                onRetry();
            }
        }

        return new RetryWatch(this, onRetry);
    }

    /// <summary>True for the first caller only: the stream is freed once however many paths end it.</summary>
    public bool TryForget() => Interlocked.Exchange(ref _forgotten, 1) == 0;

    public void Dispose()
    {
        Lifetime?.Dispose();
        Generation.Dispose();
    }

    private sealed class RetryWatch(StreamSession session, Action onRetry) : IDisposable
    {
        public void Dispose()
        {
            lock (session._retryGate)
            {
                session._retrying -= onRetry;
            }
        }
    }
}
