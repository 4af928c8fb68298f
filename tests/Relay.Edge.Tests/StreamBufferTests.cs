using Relay.Contracts;
using Relay.Edge.Streams;

namespace Relay.Edge.Tests;

/// <summary>Readers following a live buffer: woken by appends through their reused waiter, ended by the end, stopped by cancellation.</summary>
public sealed class StreamBufferTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Waiting_readers_get_every_append_in_order_and_end_with_the_stream()
    {
        var buffer = new StreamBuffer(1024 * 1024);
        await using var first = buffer.ReadAsync(0, Ct).GetAsyncEnumerator(Ct);
        await using var second = buffer.ReadAsync(0, Ct).GetAsyncEnumerator(Ct);
        for (var i = 1; i <= 50; i++)
        {
            // Both readers are parked on an empty tail before each append, so each event reaches them through a wake.
            var a = first.MoveNextAsync();
            var b = second.MoveNextAsync();
            Assert.False(a.IsCompleted);
            Assert.False(b.IsCompleted);
            buffer.Append(new DeltaEvent($"t{i}"));
            Assert.True(await a);
            Assert.True(await b);
            Assert.Equal(i, first.Current.Seq);
            Assert.Equal(i, second.Current.Seq);
            Assert.Equal($$"""{"text":"t{{i}}"}""", System.Text.Encoding.UTF8.GetString(first.Current.Data.Span));
        }

        var end = first.MoveNextAsync();
        buffer.Append(new DoneEvent("stop"));
        Assert.True(await end);
        Assert.True(first.Current.IsTerminal);
        Assert.False(await first.MoveNextAsync());

        // The other reader was not waiting: it reads the end, then stops too.
        Assert.True(await second.MoveNextAsync());
        Assert.True(second.Current.IsTerminal);
        Assert.False(await second.MoveNextAsync());
    }

    [Fact]
    public async Task A_reader_joining_after_the_end_reads_what_is_left_without_waiting()
    {
        var buffer = new StreamBuffer(1024 * 1024);
        buffer.Append(new DeltaEvent("a"));
        buffer.Append(new DeltaEvent("b"));
        buffer.Append(new DoneEvent("stop"));
        var seqs = new List<long>();
        await foreach (var e in buffer.ReadAsync(1, Ct))
        {
            seqs.Add(e.Seq);
        }

        Assert.Equal([2L, 3L], seqs);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(150)]
    public async Task A_reader_far_behind_gets_the_whole_backlog_in_order_then_the_live_tail(long after)
    {
        // The backlog comes in bounded batches; none may be skipped or repeated at a batch's edge.
        var buffer = new StreamBuffer(1024 * 1024);
        for (var i = 1; i <= 200; i++)
        {
            buffer.Append(new DeltaEvent($"t{i}"));
        }

        var seqs = new List<long>();
        await using var reader = buffer.ReadAsync(after, Ct).GetAsyncEnumerator(Ct);
        while (seqs.Count < 200 - after)
        {
            Assert.True(await reader.MoveNextAsync());
            seqs.Add(reader.Current.Seq);
        }

        var live = reader.MoveNextAsync();
        Assert.False(live.IsCompleted);
        buffer.Append(new DoneEvent("stop"));
        Assert.True(await live);
        Assert.True(reader.Current.IsTerminal);
        Assert.False(await reader.MoveNextAsync());
        Assert.Equal(Enumerable.Range((int)after + 1, 200 - (int)after).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Cancelling_a_waiting_reader_stops_it_and_appends_go_on()
    {
        var buffer = new StreamBuffer(1024 * 1024);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var reader = buffer.ReadAsync(0, cancel.Token).GetAsyncEnumerator(cancel.Token);
        var waiting = reader.MoveNextAsync();
        Assert.False(waiting.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);

        // The stream does not notice: the next append and a new reader work as before.
        buffer.Append(new DeltaEvent("after"));
        await using var next = buffer.ReadAsync(0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await next.MoveNextAsync());
        Assert.Equal(1, next.Current.Seq);
    }

    [Fact]
    public async Task A_reader_cancelled_before_it_waits_does_not_wait()
    {
        var buffer = new StreamBuffer(1024 * 1024);
        buffer.Append(new DeltaEvent("a"));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var reader = buffer.ReadAsync(0, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await reader.MoveNextAsync());
        await cancel.CancelAsync();

        // The tail is empty now: the wait that follows must fail at once, not hang until an append.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.MoveNextAsync());
    }

    [Fact]
    public async Task Abandoning_the_buffer_ends_a_waiting_reader_and_refuses_later_appends()
    {
        var buffer = new StreamBuffer(1024 * 1024);
        buffer.Append(new DeltaEvent("a"));
        await using var reader = buffer.ReadAsync(0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await reader.MoveNextAsync());
        var waiting = reader.MoveNextAsync();
        Assert.False(waiting.IsCompleted);
        buffer.Abandon();
        Assert.False(await waiting);
        Assert.Equal(1, buffer.Append(new DeltaEvent("b")));
    }
}
