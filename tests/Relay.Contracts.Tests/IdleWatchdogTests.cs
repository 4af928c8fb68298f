using Microsoft.Extensions.Time.Testing;
using Relay.Contracts.Sse;

namespace Relay.Contracts.Tests;

public sealed class IdleWatchdogTests
{
    private static readonly TimeSpan FirstByte = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    [Fact]
    public void Without_a_first_byte_it_fires_at_the_first_byte_limit()
    {
        var time = new FakeTimeProvider();
        using var watchdog = new IdleWatchdog(time, FirstByte, Idle, CancellationToken.None);

        time.Advance(FirstByte - TimeSpan.FromMilliseconds(1));
        Assert.False(watchdog.Token.IsCancellationRequested);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(watchdog.Token.IsCancellationRequested);
        Assert.True(watchdog.Fired);
    }

    [Fact]
    public void Each_read_gives_a_whole_idle_limit_from_that_read()
    {
        var time = new FakeTimeProvider();
        using var watchdog = new IdleWatchdog(time, FirstByte, Idle, CancellationToken.None);

        // Reads every 7 s for a minute: past the first-byte limit and many idle limits, never quiet for 10 s.
        for (var i = 0; i < 9; i++)
        {
            time.Advance(TimeSpan.FromSeconds(7));
            watchdog.Kick();
        }

        // Then silence: it fires 10 s after the last read, not before.
        time.Advance(Idle - TimeSpan.FromMilliseconds(1));
        Assert.False(watchdog.Token.IsCancellationRequested);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(watchdog.Fired);
    }

    [Theory]
    [InlineData(20, 19)] // just before the first-byte limit
    [InlineData(60, 1)] // an idle limit shorter than the first-byte limit
    public void The_first_read_starts_the_idle_limit_from_that_read(int firstByteSeconds, int firstReadSeconds)
    {
        var time = new FakeTimeProvider();
        using var watchdog = new IdleWatchdog(time, TimeSpan.FromSeconds(firstByteSeconds), Idle, CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(firstReadSeconds));
        watchdog.Kick();
        time.Advance(Idle - TimeSpan.FromMilliseconds(1));
        Assert.False(watchdog.Fired);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(watchdog.Fired);
    }

    [Fact]
    public void The_callers_token_cancels_it_without_counting_as_fired()
    {
        using var outer = new CancellationTokenSource();
        using var watchdog = new IdleWatchdog(new FakeTimeProvider(), FirstByte, Idle, outer.Token);
        outer.Cancel();
        Assert.True(watchdog.Token.IsCancellationRequested);
        Assert.False(watchdog.Fired);
    }
}
