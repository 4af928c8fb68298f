namespace Relay.Edge.Streams;

/// <summary>
/// Wakes one waiting reader when something changed. <see cref="Reset"/> before looking, then <see cref="WaitAsync"/>:
/// a <see cref="Set"/> in between is not lost.
/// </summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set() => Volatile.Read(ref _changed).TrySetResult();

    public void Reset()
    {
        if (_changed.Task.IsCompleted)
        {
            Volatile.Write(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <summary>True when set, false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _changed).Task.WaitAsync(timeout, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
