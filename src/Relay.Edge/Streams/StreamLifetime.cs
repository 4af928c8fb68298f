namespace Relay.Edge.Streams;

/// <summary>
/// When a stream may be freed, decided in one place under one lock. The rule: the grace timer runs exactly while nobody
/// is attached (no reader, and no POST still waiting for the first event), from the moment the stream exists, whether
/// the generation is running or finished. A reader attaching stops it; the last one leaving starts it again; when it
/// fires with nobody attached the stream expires (the owner then cancels the upstream if it still runs, and frees the
/// stream). A timer that fires while somebody attached is dropped, so the next detach arms a fresh one.
/// </summary>
internal sealed class StreamLifetime : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _grace;
    private readonly Action _expired;
    private readonly Action? _armed;
    private ITimer? _timer;
    private long _armedVersion;
    private int _attached;
    private bool _over;

    /// <param name="time">The clock of the grace timer.</param>
    /// <param name="grace">How long a stream with nobody attached is kept.</param>
    /// <param name="expired">Called once, off the lock, when the grace passed with nobody attached.</param>
    /// <param name="armed">Called each time the grace timer starts (tests drive the clock from it).</param>
    public StreamLifetime(TimeProvider time, TimeSpan grace, Action expired, Action? armed = null)
    {
        (_time, _grace, _expired, _armed) = (time, grace, expired, armed);
        lock (_gate)
        {
            Arm();
        }
    }

    /// <summary>Readers and waiting POSTs attached now.</summary>
    public int Attached
    {
        get
        {
            lock (_gate)
            {
                return _attached;
            }
        }
    }

    /// <summary>Somebody reads (or waits for the first event): the grace period stops.</summary>
    public void Attach()
    {
        lock (_gate)
        {
            _attached++;
            Disarm();
        }
    }

    /// <summary>Somebody left: when nobody is left, the grace period starts.</summary>
    public void Detach()
    {
        lock (_gate)
        {
            if (--_attached == 0)
            {
                Arm();
            }
        }
    }

    /// <summary>The generation ended: a stream with nobody attached gets a full grace period from now to be resumed.</summary>
    public void Finished()
    {
        lock (_gate)
        {
            if (_attached == 0)
            {
                Arm();
            }
        }
    }

    /// <summary>Starts the grace period again (e.g. a reader on another instance follows the stream).</summary>
    public void Extend()
    {
        lock (_gate)
        {
            if (_attached == 0)
            {
                Arm();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _over = true;
            Disarm();
        }
    }

    private void Arm()
    {
        if (_over)
        {
            return;
        }

        Disarm();

        // A version, not the timer itself, names the arming: a timer may fire before CreateTimer has returned.
        var version = ++_armedVersion;
        _timer = _time.CreateTimer(_ => Fire(version), null, _grace, Timeout.InfiniteTimeSpan);
        _armed?.Invoke();
    }

    private void Disarm()
    {
        _armedVersion++;
        _timer?.Dispose();
        _timer = null;
    }

    private void Fire(long version)
    {
        lock (_gate)
        {
            if (version != _armedVersion || _over || _attached > 0)
            {
                return; // stopped or replaced after it was due; with somebody attached the next detach arms anew
            }

            Disarm();
        }

        _expired();
    }
}
