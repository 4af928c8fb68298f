namespace Relay.Contracts.Sse;

/// <summary>
/// Cancels a request when no byte arrives in time. HttpClient has no timeout for a body once the headers
/// came (shared/reference/sse-resume-and-backoff.md §3), so this runs on <see cref="TimeProvider"/>: the
/// first-byte limit until the first read returns data, then the idle limit, restarted by every read.
/// Shared by the provider (reading the upstream) and the client (reading the edge). After the first read, a read only
/// notes the time: the timer is moved when it fires early (once per idle limit at most), not on every read, where moving
/// it cost a lock on the process's timer queue per relayed token.
/// </summary>
public sealed class IdleWatchdog : IDisposable
{
    private const long NotKicked = long.MinValue;
    private readonly CancellationTokenSource _cts;
    private readonly ITimer _timer;
    private readonly TimeProvider _time;
    private readonly TimeSpan _idle;
    private long _lastKick = NotKicked;
    private volatile bool _fired;

    /// <summary>Starts watching: <paramref name="firstByte"/> to the first bytes, then <paramref name="idle"/> between reads.</summary>
    public IdleWatchdog(TimeProvider time, TimeSpan firstByte, TimeSpan idle, CancellationToken outer)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _idle = idle;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _timer = time.CreateTimer(static s => ((IdleWatchdog)s!).Fire(), this, firstByte, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancelled by the caller's token or by the watchdog.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Whether the watchdog (not the caller) cancelled.</summary>
    public bool Fired => _fired;

    /// <summary>Bytes arrived: the idle limit starts again.</summary>
    public void Kick()
    {
        var first = Volatile.Read(ref _lastKick) == NotKicked;
        Volatile.Write(ref _lastKick, _time.GetTimestamp());
        if (first)
        {
            // From the first-byte limit to the idle limit (which may be the shorter).
            _timer.Change(_idle, Timeout.InfiniteTimeSpan);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _timer.Dispose();
        _cts.Dispose();
    }

    private void Fire()
    {
        var last = Volatile.Read(ref _lastKick);
        if (last != NotKicked && _time.GetElapsedTime(last) is var quiet && quiet < _idle)
        {
            try
            {
                _timer.Change(_idle - quiet, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The request already ended.
            }

            return;
        }

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
