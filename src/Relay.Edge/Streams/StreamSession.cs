using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>
/// One generation: who owns it, what was asked, its cancellation, and how many readers are attached. When
/// the last reader leaves, the grace period starts; a reader attaching stops it.
/// </summary>
internal sealed class StreamSession(string id, string owner, string fingerprint) : IDisposable
{
    private readonly Lock _gate = new();
    private ITimer? _graceTimer;
    private int _readers;

    public string Id { get; } = id;

    /// <summary>The token (hashed) that created it; empty when the edge has no tokens.</summary>
    public string Owner { get; } = owner;

    /// <summary>The request, canonical JSON without the stream id: a retried POST must match it.</summary>
    public string Fingerprint { get; } = fingerprint;

    /// <summary>Cancels the upstream request.</summary>
    public CancellationTokenSource Generation { get; } = new();

    /// <summary>Completes with null once the first event is held, or with the error that came before it.</summary>
    public TaskCompletionSource<StreamError?> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Why the generation was cancelled, if it was.</summary>
    public StreamErrorCode? CancelReason { get; set; }

    public bool Finished { get; set; }

    /// <summary>A reader attached: the grace period (if running) stops.</summary>
    public void Attach()
    {
        lock (_gate)
        {
            _readers++;
            _graceTimer?.Dispose();
            _graceTimer = null;
        }
    }

    /// <summary>A reader left: when it was the last, <paramref name="startGrace"/> starts the grace timer.</summary>
    public void Detach(Func<ITimer> startGrace)
    {
        lock (_gate)
        {
            if (--_readers == 0 && _graceTimer is null)
            {
                _graceTimer = startGrace();
            }
        }
    }

    /// <summary>Starts the grace timer regardless of readers (a finished stream stays for the grace period).</summary>
    public void StartGrace(Func<ITimer> startGrace)
    {
        lock (_gate)
        {
            _graceTimer?.Dispose();
            _graceTimer = startGrace();
        }
    }

    public bool HasReaders
    {
        get
        {
            lock (_gate)
            {
                return _readers > 0;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _graceTimer?.Dispose();
            _graceTimer = null;
        }

        Generation.Dispose();
    }
}
