using System.Collections.Concurrent;

namespace Relay.Testing;

/// <summary>
/// A clock whose short timers (the reconnection waits, at most <see cref="Threshold"/>) fire at once and are
/// remembered, so reconnection tests run at full speed and still assert every wait against the policy.
/// Longer timers (idle watchdogs) run on the system clock.
/// </summary>
public sealed class ImmediateTimeProvider : TimeProvider
{
    public static readonly TimeSpan Threshold = TimeSpan.FromSeconds(30);

    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan || dueTime > Threshold)
        {
            return System.CreateTimer(callback, state, dueTime, period);
        }

        Waits.Enqueue(dueTime);
        return System.CreateTimer(callback, state, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
