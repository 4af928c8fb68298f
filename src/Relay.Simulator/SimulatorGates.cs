using System.Collections.Concurrent;

namespace Relay.Simulator;

/// <summary>
/// Named gates that hold a token until a test releases them, so flushing can be proved without timing:
/// a reader that holds delta k while token k+1 is still held got it because it was flushed.
/// </summary>
public sealed class SimulatorGates
{
    private readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    /// <summary>Completes once a stream is holding at the gate (immediately if it already was).</summary>
    public Task WaitReachedAsync(string name, CancellationToken cancellationToken = default) =>
        Get(name).Reached.Task.WaitAsync(cancellationToken);

    /// <summary>Completes once <paramref name="count"/> streams in all have reached the gate.</summary>
    public Task WaitReachedAsync(string name, int count, CancellationToken cancellationToken = default) =>
        Get(name).Arrivals(count).WaitAsync(cancellationToken);

    /// <summary>Lets the held token go (also valid before the gate is reached).</summary>
    public void Release(string name) => Get(name).Released.TrySetResult();

    internal async Task HoldAsync(string name, CancellationToken cancellationToken)
    {
        var gate = Get(name);
        gate.Arrive();
        await gate.Released.Task.WaitAsync(cancellationToken);
    }

    private Gate Get(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _gates.GetOrAdd(name, static _ => new Gate());
    }

    private sealed class Gate
    {
        private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
        private int _arrived;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Arrive()
        {
            Reached.TrySetResult();
            lock (_waiters)
            {
                _arrived++;
                foreach (var waiter in _waiters.Where(w => w.Count <= _arrived).ToList())
                {
                    waiter.Signal.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        public Task Arrivals(int count)
        {
            lock (_waiters)
            {
                if (_arrived >= count)
                {
                    return Task.CompletedTask;
                }

                var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, signal));
                return signal.Task;
            }
        }

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
