using System.Net;
using Relay.Client;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Edge.Tests.Cluster;

/// <summary>
/// Two edges sharing streams through a real redis-server, behind a real nginx (round-robin, no buffering): a
/// reconnect lands on the other instance and must still resume exactly.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private static readonly ChatRequest Story = new() { Messages = [Contracts.ChatMessage.User("Tell me a story")] };
    private RedisServer? _redis;
    private SimulatorHost? _simulator;
    private readonly List<IAsyncDisposable> _owned = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Servers.Require("redis-server", "nginx");
        CleanEnvironment.Apply();
        _redis = await RedisServer.StartAsync(Ct);
        _simulator = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero }, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gate in new[] { "held", "crash", "redis-down" })
        {
            _simulator?.Gates.Release(gate);
        }

        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Resets_at_100_seeded_offsets_resume_exactly_with_each_resume_served_by_the_other_instance()
    {
        _simulator!.DefaultKnobs = "tokens=200";
        var a = await EdgeAsync("edge-a");
        var b = await EdgeAsync("edge-b");
        var nginx = await Own(NginxServer.StartAsync([a.Url, b.Url], Ct));
        var proxy = await Own(Task.FromResult(new FaultProxy(nginx.Url)));
        var recorder = new InstanceRecorder();
        using var http = new HttpClient(recorder) { BaseAddress = proxy.Url };
        http.DefaultRequestHeaders.ConnectionClose = true; // each attempt its own connection, so a cut meets exactly one response
        var client = new EdgeClient(http, new EdgeClientOptions(), new ImmediateTimeProvider());
        var expected = SimulatedAnswer.For(SimulatedModel.DefaultId, Story.Messages, tokens: 200).Text;
        Assert.Equal(expected, Text(await CollectAsync(client.StreamChatAsync(Story, Ct))));
        // nginx frames chunks as they arrive, so a response's size varies a little from run to run: cut within 80 % of it.
        var total = proxy.ResponseBytes * 8 / 10;

        var random = new Random(20261124);
        for (var run = 0; run < 100; run++)
        {
            var cut = random.NextInt64(1, total);
            proxy.Next(FaultBehavior.ResetAfter(cut));
            recorder.Clear();
            var resets = proxy.Resets;
            var events = await CollectAsync(client.StreamChatAsync(Story, Ct));
            Assert.Equal(resets + 1, proxy.Resets);

            Assert.Equal(expected, Text(events));
            Assert.IsType<DoneEvent>(events[^1]);
            Assert.DoesNotContain(events, e => e is RestartedEvent);
            Assert.Contains(events, e => e is ReconnectingEvent);

            // nginx alternates: each attempt that got its headers was served by the other instance than the attempt before.
            var served = recorder.Served;
            Assert.True(served.Count >= 1, $"run {run}: no response reached the client");
            foreach (var (previous, next) in served.Zip(served.Skip(1)).Where(p => p.Second.Attempt == p.First.Attempt + 1))
            {
                Assert.NotEqual(previous.Instance, next.Instance);
            }

            Assert.All(served, s => Assert.Contains(s.Instance, new[] { "edge-a", "edge-b" }));
        }

        Assert.Equal(["edge-a", "edge-b"], recorder.AllInstances.Order());
    }

    [Fact]
    public async Task A_retried_POST_with_an_image_attaches_on_another_instance_and_another_image_is_a_conflict()
    {
        // The shared store keeps the request's fingerprint, which covers its image parts.
        _simulator!.DefaultKnobs = "tokens=20;gate=held@3";
        var a = await EdgeAsync("edge-a");
        var b = await EdgeAsync("edge-b");
        using var toA = new HttpClient { BaseAddress = a.Url };
        using var toB = new HttpClient { BaseAddress = b.Url };
        using var first = await toA.SendAsync(Sse.PostWithImage("image-elsewhere", "iVBORw0KGgo="), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await _simulator.Gates.WaitReachedAsync("held", Ct);

        using var other = await toB.SendAsync(Sse.PostWithImage("image-elsewhere", "R0lGODlh"), Ct);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        using var same = await toB.SendAsync(Sse.PostWithImage("image-elsewhere", "iVBORw0KGgo="), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        _simulator.Gates.Release("held");
        Assert.Equal(Sse.Text(await Sse.ReadAllAsync(first, Ct)), Sse.Text(await Sse.ReadAllAsync(same, Ct)));
        Assert.Equal(1, _simulator.GetStats().Requests);
    }

    [Fact]
    public async Task A_DELETE_through_another_instance_cancels_the_upstream_on_the_owner()
    {
        _simulator!.DefaultKnobs = "tokens=50;gate=held@3";
        var a = await EdgeAsync("edge-a");
        var b = await EdgeAsync("edge-b");
        using var toA = new HttpClient { BaseAddress = a.Url };
        using var toB = new HttpClient { BaseAddress = b.Url };
        using var response = await toA.SendAsync(Sse.Post(streamId: "cancel-elsewhere"), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("edge-a", response.Headers.GetValues("X-Relay-Instance").Single());
        var reading = Sse.ReadAllAsync(response, Ct);
        await _simulator.Gates.WaitReachedAsync("held", Ct);

        using var delete = await toB.DeleteAsync("v1/chat/stream/cancel-elsewhere", Ct);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal("edge-b", delete.Headers.GetValues("X-Relay-Instance").Single());

        // The owner cancels its upstream request (the simulator sees the abort) and its reader is told.
        await _simulator.WaitForAbortsAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var events = await reading;
        Assert.Equal(StreamErrorCode.Cancelled, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
        Assert.Equal(2, events.OfType<DeltaEvent>().Count()); // the gate holds token 3
    }

    [Fact]
    public async Task Killing_the_owner_gives_STREAM_LOST_and_the_client_restarts_the_answer_cleanly()
    {
        _simulator!.DefaultKnobs = "tokens=40;gate=crash@5";
        var owner = await Own(EdgeProcess.StartAsync(Settings("edge-a"), cancellationToken: Ct));
        var survivor = await EdgeAsync("edge-b");

        // A fresh nginx sends its first request to the first server: the POST lands on the process about to die.
        var nginx = await Own(NginxServer.StartAsync([owner.Url, survivor.Url], Ct));
        using var http = new HttpClient { BaseAddress = nginx.Url };
        var client = new EdgeClient(http, new EdgeClientOptions(), new ImmediateTimeProvider());
        var events = new List<StreamEvent>();
        await using var stream = client.StreamChatAsync(Story, Ct).GetAsyncEnumerator(Ct);
        while (events.OfType<DeltaEvent>().Count() < 4 && await stream.MoveNextAsync()) // the gate holds token 5
        {
            events.Add(stream.Current);
        }

        await _simulator.Gates.WaitReachedAsync("crash", Ct);
        _simulator.DefaultKnobs = "tokens=40";
        await owner.KillAsync();
        while (await stream.MoveNextAsync())
        {
            events.Add(stream.Current);
        }

        var restarted = events.FindIndex(e => e is RestartedEvent);
        var trace = string.Join(' ', events.Select(e => e switch { ErrorEvent x => x.Error.WireName, ReconnectingEvent r => $"wait{r.DelayMs}", _ => e.WireName }));
        Assert.True(restarted > 0, $"the client did not restart the answer: {trace}");
        Assert.True(events.Count(e => e is RestartedEvent) == 1, trace);
        var expected = SimulatedAnswer.For(SimulatedModel.DefaultId, Story.Messages, tokens: 40).Text;
        Assert.Equal(expected, Text(events.Skip(restarted)));
        Assert.IsType<DoneEvent>(events[^1]);
        Assert.Equal(4, events.Take(restarted).OfType<DeltaEvent>().Count());
        Assert.Contains(events, e => e is ReconnectingEvent);
    }

    [Fact]
    public async Task STREAM_LOST_reaches_a_reader_on_another_instance_when_the_owner_dies()
    {
        _simulator!.DefaultKnobs = "tokens=40;gate=crash@3";
        var owner = await Own(EdgeProcess.StartAsync(Settings("edge-a"), cancellationToken: Ct));
        var survivor = await EdgeAsync("edge-b");
        using var toOwner = new HttpClient { BaseAddress = owner.Url };
        using var toSurvivor = new HttpClient { BaseAddress = survivor.Url };
        using (var post = await toOwner.SendAsync(Sse.Post(streamId: "orphaned"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            // The owner sends an event only once Redis has it: after two deltas, orphaned:3 is stored. Waiting for the
            // gate alone raced the kill against the owner's append.
            var sent = await Sse.ReadUntilAsync(post, e => e is DeltaEvent { EventId: "orphaned:3" }, Ct);
            Assert.Equal(2, sent.OfType<DeltaEvent>().Count());
            await _simulator.Gates.WaitReachedAsync("crash", Ct);
        }

        await owner.KillAsync();
        using var resume = await toSurvivor.SendAsync(Sse.Resume("orphaned", "orphaned:2"), HttpCompletionOption.ResponseHeadersRead, Ct);
        var events = await Sse.ReadAllAsync(resume, Ct);
        Assert.Equal(["delta", "error"], events.Select(e => e.WireName));
        var lost = Assert.IsType<ErrorEvent>(events[^1]);
        Assert.Equal(StreamErrorCode.StreamLost, lost.Error.Code);
        Assert.Equal("orphaned:4", lost.EventId);
    }

    [Fact]
    public async Task Redis_going_away_mid_stream_gives_clear_errors_and_new_streams_work_once_it_is_back()
    {
        _simulator!.DefaultKnobs = "tokens=30;gate=redis-down@3";
        var a = await EdgeAsync("edge-a");
        using var http = new HttpClient { BaseAddress = a.Url };
        using var response = await http.SendAsync(Sse.Post(streamId: "before-outage"), HttpCompletionOption.ResponseHeadersRead, Ct);
        var reading = response.Content.ReadAsStringAsync(Ct);
        await _simulator.Gates.WaitReachedAsync("redis-down", Ct);
        await _redis!.StopAsync();
        _simulator.Gates.Release("redis-down");

        // The open stream ends with a clear, retryable error; nothing crashes. The edge made that event up (it is not in
        // the stream), so it has no id: a client's last event id stays the last real one.
        var last = (await reading).TrimEnd('\n').Split("\n\n")[^1];
        Assert.StartsWith("event: error\ndata: {\"code\":\"STORE_UNAVAILABLE\"", last, StringComparison.Ordinal);
        Assert.Contains("\"retryable\":true", last, StringComparison.Ordinal);
        Assert.DoesNotContain("id:", last, StringComparison.Ordinal);

        // While Redis is away: not ready, and a new stream is refused at once with 503 STORE_UNAVAILABLE.
        using (var ready = await http.GetAsync("health/ready", Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("Redis", await ready.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var live = await http.GetAsync("health", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        _simulator.DefaultKnobs = "tokens=30";
        using (var refused = await http.SendAsync(Sse.Post(), Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("STORE_UNAVAILABLE", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        // Redis returns (empty): the same edge, not restarted, serves new streams again.
        await _redis.RestartAsync(Ct);
        await ExternalServers.WaitReadyAsync(a.Url, TimeSpan.FromSeconds(30), Ct);
        using var after = await http.SendAsync(Sse.Post(), HttpCompletionOption.ResponseHeadersRead, Ct);
        var answer = await Sse.ReadAllAsync(after, Ct);
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [Contracts.ChatMessage.User("Tell me something")], tokens: 30).Text, Sse.Text(answer));
    }

    [Fact]
    public async Task Duplicate_POSTs_racing_on_two_instances_all_attach_to_one_generation()
    {
        _simulator!.DefaultKnobs = "tokens=20";
        var edges = new[] { await EdgeAsync("edge-a"), await EdgeAsync("edge-b") };
        var clients = edges.Select(e => new HttpClient { BaseAddress = e.Url }).ToList();
        try
        {
            var requests = _simulator.GetStats().Requests;
            for (var k = 0; k < 50; k++)
            {
                // Two on one instance, one on the other: the loser of the race in Redis, and a POST that attached to the
                // loser's session meanwhile, must both follow the winner's stream.
                var id = $"dup-race-{k:D3}";
                var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(async n =>
                {
                    using var response = await clients[n == 1 ? 1 : 0].SendAsync(Sse.Post(streamId: id), HttpCompletionOption.ResponseHeadersRead, Ct);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    return await Sse.ReadAllAsync(response, Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);
                }));
                Assert.All(answers, a => Assert.Equal(answers[0].Select(e => e.EventId), a.Select(e => e.EventId)));
                Assert.IsType<DoneEvent>(answers[0][^1]);
            }

            Assert.Equal(requests + 50, _simulator.GetStats().Requests);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    private Dictionary<string, string?> Settings(string instance) => new()
    {
        ["OPENROUTER_BASE_URL"] = _simulator!.BaseUrl.ToString(),
        ["RELAY_REDIS"] = _redis!.Address,
        ["RELAY_INSTANCE_ID"] = instance,
        ["Relay__RedisStore__LeaseDuration"] = "00:00:00.600",
        ["Relay__RedisStore__LeaseRenewal"] = "00:00:00.200",
        ["Relay__RedisStore__LeaseCheck"] = "00:00:00.200",
    };

    private async Task<EdgeHost> EdgeAsync(string instance)
    {
        var settings = Settings(instance).ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => kv.Value);
        return await Own(EdgeHost.StartAsync(settings, cancellationToken: Ct));
    }

    private async Task<T> Own<T>(Task<T> starting)
        where T : IAsyncDisposable
    {
        var owned = await starting;
        _owned.Add(owned);
        return owned;
    }

    private static async Task<List<StreamEvent>> CollectAsync(IAsyncEnumerable<StreamEvent> stream)
    {
        var list = new List<StreamEvent>();
        await foreach (var e in stream)
        {
            list.Add(e);
        }

        return list;
    }

    private static string Text(IEnumerable<StreamEvent> events) => string.Concat(events.OfType<DeltaEvent>().Select(d => d.Text));

    /// <summary>Numbers every attempt and records which instance answered those whose headers arrived.</summary>
    private sealed class InstanceRecorder() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly List<(int Attempt, string Instance)> _served = [];
        private readonly HashSet<string> _all = [];
        private int _attempts;

        public List<(int Attempt, string Instance)> Served
        {
            get
            {
                lock (_served)
                {
                    return [.. _served];
                }
            }
        }

        public IEnumerable<string> AllInstances => _all;

        public void Clear()
        {
            lock (_served)
            {
                _served.Clear();
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var attempt = Interlocked.Increment(ref _attempts);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("X-Relay-Instance", out var values))
            {
                lock (_served)
                {
                    _served.Add((attempt, values.Single()));
                    _all.Add(values.Single());
                }
            }

            return response;
        }
    }
}
