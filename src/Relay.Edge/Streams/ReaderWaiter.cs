using System.Threading.Tasks.Sources;

namespace Relay.Edge.Streams;

/// <summary>
/// One reader's wait for the next append, reused for every wait of that reader: following a stream costs no allocation
/// per event (a task completion source swapped per append, and a cancellable wait on it, were a fifth of the edge's
/// garbage). A wait is parked by the buffer under its lock and completed once, by a wake or by cancellation, whichever
/// comes first; the reader's continuation always runs on the thread pool, never inside the appender.
/// </summary>
internal sealed class ReaderWaiter : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _parked;

    /// <summary>Starts a wait, under the buffer's lock, as the waiter becomes reachable by <see cref="Wake"/>.</summary>
    public void Park() => Volatile.Write(ref _parked, 1);

    /// <summary>The wait started by <see cref="Park"/>: completes at once if it was already woken or cancelled.</summary>
    public ValueTask WaitAsync() => new(this, _core.Version);

    /// <summary>Completes the pending wait, if there is one.</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _parked, 0) == 1)
        {
            _core.SetResult(true);
        }
    }

    /// <summary>Fails the pending wait with <see cref="OperationCanceledException"/>, if there is one.</summary>
    public void Cancel(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _parked, 0) == 1)
        {
            _core.SetException(new OperationCanceledException(cancellationToken));
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            // Ready for the next wait; only the reader awaits, so nothing else observes this version any more.
            _core.Reset();
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
