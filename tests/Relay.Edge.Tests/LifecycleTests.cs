using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Relay.Contracts;
using Relay.Edge.Streams;
using Relay.Providers;
using Relay.Testing;

namespace Relay.Edge.Tests;

/// <summary>A stream's life: no upstream left generating for nobody, no stream held forever, always one terminal event.</summary>
public sealed class LifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<RelayServers> StartAsync(FakeTimeProvider time, Action<IServiceCollection>? services = null) =>
        RelayServers.StartAsync(
            edgeServices: s =>
            {
                s.AddSingleton<TimeProvider>(time);
                services?.Invoke(s);
            },
            cancellationToken: Ct);

    /// <summary>Completes when the manager raised <paramref name="streamId"/> <paramref name="times"/> times through one of its test events.</summary>
    private static Task RaisedAsync(Action<Action<string>> subscribe, string streamId, int times = 1)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        subscribe(id =>
        {
            if (id == streamId && Interlocked.Increment(ref count) >= times)
            {
                done.TrySetResult();
            }
        });
        return done.Task;
    }

    [Fact]
    public async Task A_client_that_leaves_before_the_first_event_keeps_the_stream_for_the_grace_period_then_the_upstream_is_aborted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var servers = await StartAsync(time);
        servers.Simulator.DefaultKnobs = "tokens=10;gate=think-1@1";
        var manager = servers.Edge.Services.GetRequiredService<StreamManager>();

        // Created (nobody attached), held by the waiting POST, then left: the second start of its grace period.
        var left = RaisedAsync(h => manager.GraceStarted += h, "leave-early-1", 2);
        using var http = servers.CreateClient();
        using (var client = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var post = http.SendAsync(Sse.Post(streamId: "leave-early-1"), HttpCompletionOption.ResponseHeadersRead, client.Token);
            await servers.Simulator.Gates.WaitReachedAsync("think-1", Ct);
            await client.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);
        }

        await left.WaitAsync(Ct);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, servers.Simulator.GetStats().AbortedByClient);
        Assert.Equal(1, manager.HeldStreams);

        var freed = RaisedAsync(h => manager.Freed += h, "leave-early-1");
        time.Advance(TimeSpan.FromSeconds(2));
        await servers.Simulator.WaitForAbortsAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await freed.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(0, manager.HeldStreams);
        Assert.Equal(0, manager.ActiveGenerations);
        using var gone = await http.SendAsync(Sse.Resume("leave-early-1", null), Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task An_OpenAI_client_that_leaves_before_the_first_event_aborts_the_upstream_at_once()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var servers = await StartAsync(time);
        servers.Simulator.DefaultKnobs = "tokens=10;gate=think-2@1";
        using var http = servers.CreateClient();
        using (var client = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var body = new StringContent("""{"messages":[{"role":"user","content":"x"}],"stream":true}""", Encoding.UTF8, "application/json");
            var post = http.PostAsync("v1/chat/completions", body, client.Token);
            await servers.Simulator.Gates.WaitReachedAsync("think-2", Ct);
            await client.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);
        }

        // No time passes on the edge's clock: the abort does not wait for a grace period.
        await servers.Simulator.WaitForAbortsAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task A_reader_that_stays_past_the_grace_of_a_finished_stream_still_frees_it_when_it_leaves()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var servers = await StartAsync(time);
        servers.Simulator.DefaultKnobs = "tokens=3";
        var manager = servers.Edge.Services.GetRequiredService<StreamManager>();
        using var http = servers.CreateClient();
        using (var response = await http.SendAsync(Sse.Post(streamId: "slow-reader-1"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            await Sse.ReadAllAsync(response, Ct);
        }

        // A slow reader: attached, reading nothing more, past the grace period of the finished stream.
        await using var slow = manager.ReadAsync("slow-reader-1", 0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await slow.MoveNextAsync());
        time.Advance(TimeSpan.FromSeconds(31));
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, manager.HeldStreams);

        var graceAgain = RaisedAsync(h => manager.GraceStarted += h, "slow-reader-1", 1);
        var freed = RaisedAsync(h => manager.Freed += h, "slow-reader-1");
        await slow.DisposeAsync();
        await graceAgain.WaitAsync(Ct);
        time.Advance(TimeSpan.FromSeconds(31));
        await freed.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(0, manager.HeldStreams);
        using var gone = await http.SendAsync(Sse.Resume("slow-reader-1", null), Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Past_the_edge_wide_byte_budget_finished_streams_are_dropped_first_then_new_streams_get_503()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_MAX_BUFFERED_BYTES"] = "65536" }, cancellationToken: Ct);
        var manager = servers.Edge.Services.GetRequiredService<StreamManager>();
        var store = servers.Edge.Services.GetRequiredService<IStreamStore>();
        using var http = servers.CreateClient();

        // A finished stream in its grace period holds more than the budget...
        servers.Simulator.DefaultKnobs = "tokens=3000";
        using (var big = await http.SendAsync(Sse.Post(streamId: "big-done-1"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(3003, (await Sse.ReadAllAsync(big, Ct)).Count); // start, 3000 deltas, usage, done
        }

        Assert.True(store.HeldBytes >= 65536, $"{store.HeldBytes} bytes held");

        // ... so the next stream drops it.
        servers.Simulator.DefaultKnobs = "tokens=5";
        using (var small = await http.SendAsync(Sse.Post(streamId: "small-one-1"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, small.StatusCode);
            await Sse.ReadAllAsync(small, Ct);
        }

        using (var dropped = await http.SendAsync(Sse.Resume("big-done-1", null), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, dropped.StatusCode);
        }

        // A running stream over the budget is never dropped: new streams are refused instead, and it goes on.
        servers.Simulator.DefaultKnobs = "tokens=3000;gate=budget@2990";
        using var running = await http.SendAsync(Sse.Post(streamId: "big-running-1"), HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var events = Relay.Contracts.Sse.SseEventReader.ReadAsync(await running.Content.ReadAsStreamAsync(Ct), cancellationToken: Ct).GetAsyncEnumerator(Ct);
        while (await events.MoveNextAsync() && !events.Current.LastEventId.EndsWith(":2900", StringComparison.Ordinal))
        {
        }

        using (var refused = await http.SendAsync(Sse.Post(streamId: "refused-one-1"), Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            Assert.Contains("OVERLOADED", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        var metrics = await http.GetStringAsync("metrics", Ct);
        Assert.Contains("relay_streams_held{", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_buffered", metrics, StringComparison.Ordinal);

        servers.Simulator.Gates.Release("budget");
        var last = "";
        while (await events.MoveNextAsync())
        {
            last = events.Current.EventType;
        }

        Assert.Equal("done", last);
        Assert.Equal(0, manager.ActiveGenerations);
    }

    [Theory]
    [InlineData("throws")]
    [InlineData("cancels-itself")]
    [InlineData("ends-without-end")]
    public async Task Every_generation_ends_with_exactly_one_terminal_event_whatever_the_provider_does(string behaviour)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var servers = await StartAsync(time, s => s.AddSingleton<ILlmProvider>(new BrokenProvider(behaviour)));
        using var http = servers.CreateClient();
        using var response = await http.SendAsync(Sse.Post(streamId: "broken-" + behaviour), HttpCompletionOption.ResponseHeadersRead, Ct);
        var events = await Sse.ReadAllAsync(response, Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        var terminal = Assert.Single(events, e => e.IsTerminal);
        Assert.Same(events[^1], terminal);
        Assert.Equal(StreamErrorCode.InternalError, Assert.IsType<ErrorEvent>(terminal).Error.Code);
        Assert.Equal("two ", Sse.Text(events));
    }

    /// <summary>A provider that breaks its contract after two words, each in its own way.</summary>
    private sealed class BrokenProvider(string behaviour) : ILlmProvider
    {
        public Task<ChatResult> GenerateAsync(ChatRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public async IAsyncEnumerable<StreamEvent> GenerateStreamAsync(ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new StartEvent("", "test/model", "Test");
            yield return new DeltaEvent("two ");
            await Task.Yield();
            switch (behaviour)
            {
                case "throws":
                    throw new InvalidOperationException("a defect in the provider");
                case "cancels-itself":
                    throw new OperationCanceledException("a timeout of its own");
                default:
                    yield break;
            }
        }
    }
}
