using Relay.Edge.Streams;

namespace Relay.Edge.Tests;

/// <summary>A session's retry announcements reach every reader, however late it subscribes.</summary>
public sealed class StreamSessionTests
{
    [Fact]
    public void A_reader_that_subscribes_during_a_wait_hears_of_it_at_once_and_of_each_later_wait()
    {
        using var session = new StreamSession("s1", "", "fp");
        var heard = 0;
        session.SetRetrying(true);
        using (session.WatchRetries(() => heard++))
        {
            Assert.Equal(1, heard);
            session.SetRetrying(false);
            Assert.Equal(1, heard);
            session.SetRetrying(true);
            Assert.Equal(2, heard);
        }

        session.SetRetrying(false);
        session.SetRetrying(true);
        Assert.Equal(2, heard); // unsubscribed
    }

    [Fact]
    public void A_reader_that_subscribes_between_waits_hears_nothing_until_the_next()
    {
        using var session = new StreamSession("s1", "", "fp");
        var heard = 0;
        using var watch = session.WatchRetries(() => heard++);
        Assert.Equal(0, heard);
        session.SetRetrying(true);
        Assert.Equal(1, heard);
    }
}
