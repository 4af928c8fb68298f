namespace Relay.Client;

/// <summary>The wait before each reconnection attempt (see <see cref="ReconnectionOptions"/>).</summary>
internal sealed class BackoffPolicy(ReconnectionOptions options, Func<double> random)
{
    /// <summary>The wait before attempt <paramref name="attempt"/> (from 1), never under the server's floor.</summary>
    public TimeSpan Delay(int attempt, TimeSpan? serverRetry, TimeSpan? retryAfter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var step = Math.Min(options.MaxDelay.TotalMilliseconds, options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        var jittered = TimeSpan.FromMilliseconds(step * (0.5 + (0.5 * random())));
        var floor = TimeSpan.FromTicks(Math.Max((serverRetry ?? TimeSpan.Zero).Ticks, (retryAfter ?? TimeSpan.Zero).Ticks));
        return jittered > floor ? jittered : floor;
    }
}
