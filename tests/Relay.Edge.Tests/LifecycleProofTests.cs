using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.Contracts;
using Relay.Edge.Streams;
using Relay.Edge.Streams.Redis;
using Relay.Simulator;
using Relay.Testing;
using StackExchange.Redis;

namespace Relay.Edge.Tests;

/// <summary>
/// The whole lifecycle under a seeded mix of faults: 2,000 streams through a real edge on the simulator, then, once the grace
/// period has passed on the edge's clock, nothing is left: no stream, no byte, no session reachable, no upstream generating.
/// </summary>
public sealed class LifecycleProofTests
{
    private const int Streams = 2_000;
    private const int Batch = 50;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private enum Kind
    {
        Completed,
        Deleted,
        AbandonedBeforeFirstToken,
        AbandonedMidStream,
        SlowReaderPastGrace,
        ResumedAfterCut,
        DuplicatePosts,
    }

    [Fact]
    public async Task Two_thousand_streams_of_a_seeded_fault_mix_leave_nothing_behind()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var servers = await RelayServers.StartAsync(
            edgeSettings: new Dictionary<string, string?> { ["RELAY_RATE_LIMIT"] = "0" },
            edgeServices: s => s.AddSingleton<TimeProvider>(time),
            cancellationToken: Ct);
        using var http = servers.CreateClient();
        var store = servers.Edge.Services.GetRequiredService<IStreamStore>();
        await ProveAsync(servers.Simulator, time, TimeSpan.FromSeconds(30), [(http, servers.Edge.Services.GetRequiredService<StreamManager>())], () => Task.FromResult(store.HeldBytes));
    }

    [Fact]
    public async Task The_same_mix_over_two_instances_sharing_Redis_leaves_nothing_behind()
    {
        Cluster.Servers.Require("redis-server");
        CleanEnvironment.Apply();
        await using var redis = await RedisServer.StartAsync(Ct);
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero }, Ct);

        // The edges' grace timers run on the test's clock; Redis expires keys on its own, so the grace is short (a reader
        // on the other instance keeps a stream for one real grace period after it last read).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var grace = TimeSpan.FromSeconds(5);
        var edges = new List<EdgeHost>();
        var clients = new List<HttpClient>();
        try
        {
            foreach (var instance in new[] { "proof-a", "proof-b" })
            {
                var edge = await EdgeHost.StartAsync(
                    new Dictionary<string, string?>
                    {
                        ["OPENROUTER_BASE_URL"] = simulator.BaseUrl.ToString(),
                        ["RELAY_RATE_LIMIT"] = "0",
                        ["RELAY_REDIS"] = redis.Address,
                        ["RELAY_INSTANCE_ID"] = instance,
                        ["RELAY_RESUME_GRACE"] = grace.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    },
                    services: s =>
                    {
                        s.AddSingleton<TimeProvider>(time);
                        s.AddSingleton<IStreamStore>(sp => new RedisStreamStore(
                            sp.GetRequiredService<RedisConnection>(),
                            sp.GetRequiredService<IOptions<RelayEdgeOptions>>(),
                            sp.GetRequiredService<IOptions<RedisStreamStoreOptions>>(),
                            TimeProvider.System));
                    },
                    cancellationToken: Ct);
                edges.Add(edge);
                clients.Add(new HttpClient { BaseAddress = edge.Url, Timeout = Timeout.InfiniteTimeSpan });
            }

            using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Address);
            var server = admin.GetServer(admin.GetEndPoints()[0]);
            await ProveAsync(
                simulator,
                time,
                grace,
                [.. clients.Zip(edges, (c, e) => (c, e.Services.GetRequiredService<StreamManager>()))],
                async () => await server.KeysAsync(pattern: "relay:{*").CountAsync(Ct));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            foreach (var edge in edges)
            {
                await edge.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Runs the mix: POSTs alternate between the edges, and a stream's resume, DELETE or second duplicate POST goes to the
    /// next edge, so with several edges each of those crosses instances. <paramref name="held"/> says what the store still
    /// holds (bytes in memory, keys in Redis).
    /// </summary>
    private static async Task ProveAsync(
        SimulatorHost simulator, FakeTimeProvider time, TimeSpan grace, IReadOnlyList<(HttpClient Http, StreamManager Manager)> edges, Func<Task<long>> held)
    {

        var sessions = new ConcurrentBag<WeakReference>();
        var created = new ConcurrentDictionary<string, TaskCompletionSource>();
        TaskCompletionSource Created(string id) => created.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        foreach (var (_, m) in edges)
        {
            m.SessionCreated += s =>
            {
                sessions.Add(new WeakReference(s));
                Created(((StreamSession)s).Id).TrySetResult();
            };
        }
        var left = new ConcurrentDictionary<string, TaskCompletionSource>();
        TaskCompletionSource? nextArm = null;
        foreach (var (_, m) in edges)
        {
            m.GraceStarted += id =>
            {
                Volatile.Read(ref nextArm)?.TrySetResult();
                if (left.TryRemove(id, out var armed))
                {
                    armed.TrySetResult();
                }
            };
        }
        var freed = new ConcurrentDictionary<string, byte>();
        var allFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var (_, m) in edges)
        {
            m.Freed += id =>
            {
                if (freed.TryAdd(id, 0) && freed.Count >= Streams)
                {
                    allFreed.TrySetResult();
                }
            };
        }

        int Held() => edges.Sum(e => e.Manager.HeldStreams);
        int Active() => edges.Sum(e => e.Manager.ActiveGenerations);

        var random = new Random(20261130);
        var counts = new Dictionary<Kind, int>();
        var graceAfterLeaving = new ConcurrentBag<Task>();
        var slowReaders = new List<IAsyncEnumerator<StoredEvent>>();
        var ids = new List<string>();
        var terminals = 0;
        for (var b = 0; b < Streams / Batch; b++)
        {
            var kind = (Kind)random.Next(Enum.GetValues<Kind>().Length);
            counts[kind] = counts.GetValueOrDefault(kind) + Batch;
            var gate = $"gate-{b}";
            simulator.DefaultKnobs = kind switch
            {
                Kind.Deleted => "tokens=200;stall=@3",
                Kind.AbandonedBeforeFirstToken => $"tokens=20;gate={gate}@1",
                Kind.AbandonedMidStream => "tokens=40;stall=@5",
                Kind.ResumedAfterCut => "tokens=60;interval=1ms",
                _ => "tokens=20",
            };
            var batchIds = Enumerable.Range(0, Batch).Select(i => $"proof-{b:D3}-{i:D3}").ToList();
            ids.AddRange(batchIds);
            var runs = batchIds.Select((id, i) => RunAsync(kind, id, gate, random.Next(2, 50), edges[i % edges.Count], edges[(i + 1) % edges.Count])).ToList();
            await Task.WhenAll(runs);
            terminals += runs.Sum(r => r.Result);
        }

        // The clients that left: once each one's grace period has started, it passes, and the upstream is aborted.
        var leaving = Task.WhenAll(graceAfterLeaving);
        await Task.WhenAny(leaving, Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System, Ct));
        Assert.True(leaving.IsCompleted, $"the grace period never started for {string.Join(", ", left.Keys.Take(5))} ({left.Count} in all)");
        var abandoned = counts.GetValueOrDefault(Kind.AbandonedBeforeFirstToken) + counts.GetValueOrDefault(Kind.AbandonedMidStream);

        // Deleted and abandoned streams stall upstream (a gate or a stall), so none can finish by itself: each must be aborted.
        var aborted = counts.GetValueOrDefault(Kind.Deleted) + abandoned;
        time.Advance(grace + TimeSpan.FromSeconds(1));
        var aborts = simulator.WaitForAbortsAsync(aborted, Ct);
        await Task.WhenAny(aborts, Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System, Ct));
        Assert.True(aborts.IsCompleted, $"expected {aborted} aborts: {simulator.GetStats() with { Aborts = [] }}; {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))}; held {Held()}, active {Active()}");

        // Slow readers stayed past the grace of their finished streams: those are still held, until the readers leave.
        Assert.True(Held() >= slowReaders.Count, $"{Held()} held, {slowReaders.Count} slow readers");
        foreach (var reader in slowReaders)
        {
            await reader.DisposeAsync();
        }

        // Every stream's grace period has started by now or starts as its last reader's response completes on the edge:
        // the edge's clock moves a grace period on, then again each time another grace period starts, until all are freed.
        while (!allFreed.Task.IsCompleted)
        {
            var armed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref nextArm, armed);
            time.Advance(grace + TimeSpan.FromSeconds(1));
            await Task.WhenAny(allFreed.Task, armed.Task).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }

        Assert.Equal(ids.Count, ids.Count(freed.ContainsKey));
        Assert.Equal(0, Held());
        Assert.Equal(0, Active());
        Assert.Equal(0, await held());
        var stats = simulator.GetStats();
        Assert.Equal(0, stats.ActiveStreams);
        Assert.Equal(Streams, stats.Requests); // duplicate POSTs attached to one generation each
        Assert.Equal(aborted, stats.AbortedByClient);
        Assert.Equal(Streams - aborted, stats.Completed);
        Assert.Equal(Streams - abandoned + (counts.GetValueOrDefault(Kind.DuplicatePosts) * 2), terminals);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.Equal(Streams, sessions.Count);
        Assert.Equal(0, sessions.Count(w => w.IsAlive));
        TestContext.Current.SendDiagnosticMessage("lifecycle proof: " + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));

        // One stream, one kind of ending; returns how many readers saw exactly one terminal event.
        async Task<int> RunAsync(Kind kind, string id, string gate, int cut, (HttpClient Http, StreamManager Manager) owner, (HttpClient Http, StreamManager Manager) next)
        {
            var http = owner.Http;
            switch (kind)
            {
                case Kind.Deleted:
                    {
                        // One reader for the whole response: DELETE (on the next edge) once the first delta is in.
                        using var response = await http.SendAsync(Sse.Post(streamId: id), HttpCompletionOption.ResponseHeadersRead, Ct);
                        var events = await ReadAsync(response, onFirstDelta: async () =>
                        {
                            using (await next.Http.DeleteAsync($"v1/chat/stream/{id}", Ct))
                            {
                            }
                        });
                        AssertOneTerminal(events, StreamErrorCode.Cancelled);
                        return 1;
                    }

                case Kind.AbandonedBeforeFirstToken:
                    {
                        using var client = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                        var post = http.SendAsync(Sse.Post(streamId: id), HttpCompletionOption.ResponseHeadersRead, client.Token);
                        // Every stream of the batch is held upstream before any client leaves (and before the next batch's knobs).
                        await simulator.Gates.WaitReachedAsync(gate, Batch, Ct);
                        await Created(id).Task.WaitAsync(Ct);
                        graceAfterLeaving.Add(WatchLeaving(id));
                        await client.CancelAsync();
                        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);
                        return 0;
                    }

                case Kind.AbandonedMidStream:
                    {
                        using var response = await http.SendAsync(Sse.Post(streamId: id), HttpCompletionOption.ResponseHeadersRead, Ct);
                        await ReadAsync(response, stopAfterDeltas: 3);
                        graceAfterLeaving.Add(WatchLeaving(id));
                        return 0; // disposing the response drops the connection
                    }

                case Kind.SlowReaderPastGrace:
                    {
                        using var response = await http.SendAsync(Sse.Post(streamId: id), HttpCompletionOption.ResponseHeadersRead, Ct);
                        var reader = owner.Manager.ReadAsync(id, 0, Ct).GetAsyncEnumerator(Ct);
                        Assert.True(await reader.MoveNextAsync());
                        lock (slowReaders)
                        {
                            slowReaders.Add(reader);
                        }

                        AssertOneTerminal(await ReadAsync(response), null);
                        return 1;
                    }

                case Kind.ResumedAfterCut:
                    {
                        List<StreamEvent> first;
                        using (var response = await http.SendAsync(Sse.Post(streamId: id), HttpCompletionOption.ResponseHeadersRead, Ct))
                        {
                            first = await ReadAsync(response, stopAfterEvents: cut);
                        }

                        using var resumed = await next.Http.SendAsync(Sse.Resume(id, first[^1].EventId), HttpCompletionOption.ResponseHeadersRead, Ct);
                        var all = first.Concat(await ReadAsync(resumed)).ToList();
                        Assert.Equal(Enumerable.Range(1, all.Count).Select(n => $"{id}:{n}"), all.Select(e => e.EventId));
                        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Tell me something")], tokens: 60).Text, Sse.Text(all));
                        AssertOneTerminal(all, null);
                        return 1;
                    }

                case Kind.DuplicatePosts:
                    {
                        var racing = await Task.WhenAll(Enumerable.Range(0, 3).Select(async n =>
                        {
                            using var response = await (n == 1 ? next.Http : http).SendAsync(Sse.Post(streamId: id), HttpCompletionOption.ResponseHeadersRead, Ct);
                            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                            return await ReadAsync(response);
                        }));
                        foreach (var events in racing)
                        {
                            AssertOneTerminal(events, null);
                            Assert.Equal(racing[0].Select(e => e.EventId), events.Select(e => e.EventId));
                        }

                        return 3;
                    }

                default:
                    {
                        using var response = await http.SendAsync(Sse.Post(streamId: id), HttpCompletionOption.ResponseHeadersRead, Ct);
                        AssertOneTerminal(await ReadAsync(response), null);
                        return 1;
                    }
            }
        }

        Task WatchLeaving(string id)
        {
            var armed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            left[id] = armed;
            return armed.Task;
        }
    }

    private static void AssertOneTerminal(List<StreamEvent> events, StreamErrorCode? error)
    {
        var terminal = Assert.Single(events, e => e.IsTerminal);
        Assert.Same(events[^1], terminal);
        if (error is null)
        {
            Assert.IsType<DoneEvent>(terminal);
        }
        else
        {
            Assert.Equal(error, Assert.IsType<ErrorEvent>(terminal).Error.Code);
        }
    }

    private static async Task<List<StreamEvent>> ReadAsync(HttpResponseMessage response, int stopAfterDeltas = int.MaxValue, int stopAfterEvents = int.MaxValue, Func<Task>? onFirstDelta = null)
    {
        var events = new List<StreamEvent>();
        var deltas = 0;
        await foreach (var frame in Relay.Contracts.Sse.SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(Ct), cancellationToken: Ct))
        {
            var e = StreamEventSerializer.Deserialize(frame.EventType, frame.Data, frame.LastEventId);
            events.Add(e);
            if (e is DeltaEvent && deltas == 0 && onFirstDelta is not null)
            {
                await onFirstDelta();
            }

            if ((e is DeltaEvent && ++deltas >= stopAfterDeltas) || events.Count >= stopAfterEvents)
            {
                break;
            }
        }

        return events;
    }
}
