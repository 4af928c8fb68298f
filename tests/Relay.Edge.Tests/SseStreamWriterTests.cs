using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Relay.Contracts;
using Relay.Edge.Streams;

namespace Relay.Edge.Tests;

/// <summary>The SSE writer's keep-alive on the edge's clock: one timer per connection, a ping only on a quiet one.</summary>
public sealed class SseStreamWriterTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_ping_goes_out_only_when_a_whole_interval_passed_without_a_write()
    {
        var (time, body, context) = Response();
        var events = Channel.CreateUnbounded<StoredEvent>();
        var writing = SseStreamWriter.WriteAsync(context, "s1", events.Reader.ReadAllAsync(Ct), time, Interval, Ct);

        // Nothing for one interval: a ping.
        var write = body.NextWrite();
        time.Advance(Interval);
        Assert.Equal(": ping\n\n", await write.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        // An event, then one interval: the tick sees the write and stays quiet; the next interval without one pings.
        write = body.NextWrite();
        await events.Writer.WriteAsync(new StoredEvent(1, StreamEventNames.Delta, Encoding.UTF8.GetBytes("{\"text\":\"hi\"}")), Ct);
        Assert.StartsWith("event: delta", await write.WaitAsync(TimeSpan.FromSeconds(10), Ct), StringComparison.Ordinal);
        var next = body.NextWrite();
        time.Advance(Interval);
        Assert.False(next.IsCompleted);
        time.Advance(Interval);
        Assert.Equal(": ping\n\n", await next.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        events.Writer.Complete();
        await writing.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task An_event_that_arrives_while_a_ping_is_being_written_waits_for_it_and_never_interleaves()
    {
        var (time, body, context) = Response();
        var send = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var taken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writing = SseStreamWriter.WriteAsync(context, "s1", OneEventAsync(send.Task, taken), time, Interval, Ct);

        // The ping's flush hangs (a slow client); the writer takes an event meanwhile.
        var flushing = body.HoldNextFlush();
        time.Advance(Interval);
        await flushing.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        send.SetResult();
        await taken.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        body.ReleaseFlush();
        await writing.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.False(body.WroteDuringFlush);
        Assert.Equal(": ping\n\nevent: delta\ndata: {\"text\":\"hi\"}\nid: s1:1\nretry: 250\n\n", Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task A_retry_under_way_when_the_writer_subscribes_is_announced_before_the_first_event()
    {
        var (time, body, context) = Response();
        var events = Channel.CreateUnbounded<StoredEvent>();
        var write = body.NextWrite();

        // The subscription reports the wait already under way at once, before the loop waits for its first event.
        var writing = SseStreamWriter.WriteAsync(context, "s1", events.Reader.ReadAllAsync(Ct), time, Interval, Ct, onRetry =>
        {
            onRetry();
            return new MemoryStream();
        });

        Assert.Equal(": retrying\n\n", await write.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        events.Writer.Complete();
        await writing.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task A_second_retry_while_the_first_comment_is_still_flushing_gets_its_own_comment()
    {
        var (time, body, context) = Response();
        var events = Channel.CreateUnbounded<StoredEvent>();
        var subscribed = new TaskCompletionSource<Action>(TaskCreationOptions.RunContinuationsAsynchronously);
        var flushing = body.HoldNextFlush();
        var writing = SseStreamWriter.WriteAsync(context, "s1", events.Reader.ReadAllAsync(Ct), time, Interval, Ct, onRetry =>
        {
            subscribed.SetResult(onRetry);
            return new MemoryStream();
        });

        var onRetry = await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        onRetry();
        await flushing.WaitAsync(TimeSpan.FromSeconds(10), Ct); // the first comment's flush hangs (a slow client)
        onRetry();
        body.ReleaseFlush();
        events.Writer.Complete();
        await writing.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.False(body.WroteDuringFlush);
        Assert.Equal(": retrying\n\n: retrying\n\n", Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>A response whose body hands each write to the test, on a fake clock.</summary>
    private static (FakeTimeProvider Time, WatchedBody Body, DefaultHttpContext Context) Response()
    {
        var body = new WatchedBody();
        var context = new DefaultHttpContext();
        context.Response.Body = body;
        return (new FakeTimeProvider(), body, context);
    }

    private static async IAsyncEnumerable<StoredEvent> OneEventAsync(Task send, TaskCompletionSource taken)
    {
        await send;
        taken.SetResult();
        yield return new StoredEvent(1, StreamEventNames.Delta, Encoding.UTF8.GetBytes("{\"text\":\"hi\"}"));
    }

    /// <summary>A response body that hands each write to the test as text.</summary>
    private sealed class WatchedBody : MemoryStream
    {
        private TaskCompletionSource<string> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private TaskCompletionSource? _flushStarted;
        private int _flushing;
        private readonly TaskCompletionSource _flushGate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The next flush waits for <see cref="ReleaseFlush"/>; the task completes when it started.</summary>
        public Task HoldNextFlush()
        {
            _flushStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
            return _flushStarted.Task;
        }

        public void ReleaseFlush() => _flushGate.TrySetResult();

        /// <summary>Whether anything was written while a held flush had not returned.</summary>
        public bool WroteDuringFlush { get; private set; }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _flushStarted, null) is { } started)
            {
                Volatile.Write(ref _flushing, 1);
                started.TrySetResult();
                await _flushGate.Task.WaitAsync(cancellationToken);
                Volatile.Write(ref _flushing, 0);
            }
        }

        public Task<string> NextWrite()
        {
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            return _next.Task;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            WroteDuringFlush |= Volatile.Read(ref _flushing) == 1;
            _next.TrySetResult(Encoding.UTF8.GetString(buffer.Span));
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            WroteDuringFlush |= Volatile.Read(ref _flushing) == 1;
            _next.TrySetResult(Encoding.UTF8.GetString(buffer, offset, count));
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }
    }
}
