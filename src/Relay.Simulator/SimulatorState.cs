using Microsoft.Extensions.Options;

namespace Relay.Simulator;

/// <summary>The simulator's shared state: knobs set at run time, gates, counters.</summary>
public sealed class SimulatorState(IOptions<SimulatorOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<SimulatorAbort> _aborts = [];
    private readonly List<(long Count, TaskCompletionSource Signal)> _abortWaiters = [];
    private long _requests;
    private long _active;
    private long _completed;
    private long _statusServed;
    private volatile string? _defaultKnobs = options.Value.DefaultKnobs;

    /// <summary>The options the simulator started with.</summary>
    public SimulatorOptions Options { get; } = options.Value;

    /// <summary>The clock pacing every answer.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>The gates.</summary>
    public SimulatorGates Gates { get; } = new();

    /// <summary>Knobs applied to every request unless its header overrides them.</summary>
    public string? DefaultKnobs
    {
        get => _defaultKnobs;
        set
        {
            SimulatorKnobs.Parse(value); // reject a bad setting now, not on the next request
            _defaultKnobs = value;
            Interlocked.Exchange(ref _statusServed, 0);
        }
    }

    /// <summary>A snapshot of the counters.</summary>
    public SimulatorStats GetStats()
    {
        lock (_gate)
        {
            return new SimulatorStats(_requests, _active, _completed, _aborts.Count, [.. _aborts]);
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> requests were aborted by their clients.</summary>
    public Task WaitForAbortsAsync(int count, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_aborts.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _abortWaiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    internal void RequestStarted() => Interlocked.Increment(ref _requests);

    /// <summary>Whether this request gets the status knob: always without a count, else only the first that many.</summary>
    internal bool TakeStatus(SimulatorKnobs knobs) => knobs.StatusCount is not { } count || Interlocked.Increment(ref _statusServed) <= count;

    internal void StreamStarted() => Interlocked.Increment(ref _active);

    internal void StreamCompleted(bool started)
    {
        if (started)
        {
            Interlocked.Decrement(ref _active);
        }

        Interlocked.Increment(ref _completed);
    }

    internal void StreamEnded() => Interlocked.Decrement(ref _active);

    internal void StreamAborted(SimulatorAbort abort)
    {
        Interlocked.Decrement(ref _active);
        lock (_gate)
        {
            _aborts.Add(abort);
            foreach (var waiter in _abortWaiters.Where(w => w.Count <= _aborts.Count).ToList())
            {
                waiter.Signal.TrySetResult();
                _abortWaiters.Remove(waiter);
            }
        }
    }
}
