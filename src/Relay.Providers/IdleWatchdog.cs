namespace Relay.Providers;

/// <summary>
/// Cancels a request when no byte arrives in time. HttpClient has no timeout for a body once the headers
/// came (shared/reference/sse-resume-and-backoff.md §3), so this runs on <see cref="TimeProvider"/>: the
/// first-byte limit until the first read returns data, then the idle limit, restarted by every read.
/// </summary>
internal sealed class IdleWatchdog : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly ITimer _timer;
    private readonly TimeSpan _idle;
    private volatile bool _fired;

    public IdleWatchdog(TimeProvider time, TimeSpan firstByte, TimeSpan idle, CancellationToken outer)
    {
        _idle = idle;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _timer = time.CreateTimer(static s => ((IdleWatchdog)s!).Fire(), this, firstByte, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancelled by the caller's token or by the watchdog.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Whether the watchdog (not the caller) cancelled.</summary>
    public bool Fired => _fired;

    /// <summary>Bytes arrived: the idle limit starts again.</summary>
    public void Kick() => _timer.Change(_idle, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _timer.Dispose();
        _cts.Dispose();
    }

    private void Fire()
    {
        _fired = true;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The request already ended.
        }
    }
}
