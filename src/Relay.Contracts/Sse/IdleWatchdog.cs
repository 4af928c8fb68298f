namespace Relay.Contracts.Sse;

/// <summary>
/// Cancels a request when no byte arrives in time. HttpClient has no timeout for a body once the headers
/// came (shared/reference/sse-resume-and-backoff.md §3), so this runs on <see cref="TimeProvider"/>: the
/// first-byte limit until the first read returns data, then the idle limit, restarted by every read.
/// Shared by the provider (reading the upstream) and the client (reading the edge).
/// </summary>
public sealed class IdleWatchdog : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly ITimer _timer;
    private readonly TimeSpan _idle;
    private volatile bool _fired;

    /// <summary>Starts watching: <paramref name="firstByte"/> to the first bytes, then <paramref name="idle"/> between reads.</summary>
    public IdleWatchdog(TimeProvider time, TimeSpan firstByte, TimeSpan idle, CancellationToken outer)
    {
        ArgumentNullException.ThrowIfNull(time);
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

    /// <inheritdoc />
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
