using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Relay.Client;
using Relay.Contracts;
using Relay.Edge;
using Relay.Edge.Streams;
using Relay.Simulator;
using Relay.Testing;
using StackExchange.Redis;

namespace Relay.Benchmarks.Reliability;

/// <summary>
/// The fault matrix (docs/reliability.md): each fault injected into real servers, then, once the grace period has passed,
/// what the client lost or got twice, which upstream generations still run, and which streams are still held.
/// </summary>
internal static class ReliabilityScenario
{
    private const string Model = SimulatedModel.DefaultId;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private static readonly ChatRequest Story = new() { Messages = [ChatMessage.User("Tell me a story")] };

    public static async Task RunAsync(FaultMatrix matrix, bool quick, CancellationToken ct)
    {
        CleanEnvironment.Apply();
        long? heapWarm = null;
        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero }, ct);
        var rows = new Rows(matrix, sim, ct);

        await using (var edge = await EdgeHost.StartAsync(Settings(sim), cancellationToken: ct))
        {
            var manager = edge.Services.GetRequiredService<StreamManager>();
            Func<Task<long>> held = () => Task.FromResult<long>(manager.HeldStreams);
            await ClientCutsAsync(rows, edge.Url, held, quick ? 10 : 200);

            // Measured from here, once the first row has loaded and jitted what every row uses.
            heapWarm = GC.GetTotalMemory(forceFullCollection: true);
            await ClientKilledAsync(rows, edge.Url, manager, held, quick ? 2 : 20);
            await SlowLinksAsync(rows, edge.Url, held, quick ? 2 : 10);
            await AbandonedBeforeFirstTokenAsync(rows, edge.Url, held, quick ? 4 : 50);
            await SlowReadersAsync(rows, edge.Url, held, quick ? 2 : 10);
        }

        var stalling = new Dictionary<string, string?>(Settings(sim)) { ["OpenRouter:IdleTimeout"] = "00:00:01" };
        await using (var edge = await EdgeHost.StartAsync(stalling, cancellationToken: ct))
        {
            var manager = edge.Services.GetRequiredService<StreamManager>();
            await StalledUpstreamAsync(rows, edge.Url, () => Task.FromResult<long>(manager.HeldStreams), quick ? 2 : 20);
        }

        await EdgeKilledAsync(rows, sim, quick ? 1 : 5, ct);

        if (ExternalServers.Missing("redis-server", "nginx") is { } missing)
        {
            matrix.Note($"The cluster rows were not run: {missing}.");
        }
        else
        {
            await ClusterAsync(rows, sim, quick, ct);
        }

        var growth = (GC.GetTotalMemory(forceFullCollection: true) - heapWarm!.Value) / 1024.0 / 1024.0;
        matrix.Note(string.Create(
            CultureInfo.InvariantCulture,
            $"Managed heap growth of the benchmark process (its edges, the simulator, the clients) from the end of the first row to the end of the matrix, after full collections: {growth:0.00} MB."));
    }

    private static Dictionary<string, string?> Settings(SimulatorHost sim) => new()
    {
        ["OPENROUTER_BASE_URL"] = sim.BaseUrl.ToString(),
        ["RELAY_RATE_LIMIT"] = "0",
        ["RELAY_MAX_STREAMS"] = "100000",
        ["RELAY_RESUME_GRACE"] = Grace.TotalSeconds.ToString(CultureInfo.InvariantCulture),
    };

    private static IReadOnlyList<string> Answer(int tokens) => SimulatedAnswer.For(Model, Story.Messages, tokens: tokens).Tokens;

    private static async Task ClientCutsAsync(Rows rows, Uri edge, Func<Task<long>> held, int runs)
    {
        rows.Sim.DefaultKnobs = "tokens=200";
        await using var proxy = new FaultProxy(edge);
        using var http = new HttpClient { BaseAddress = proxy.Url };
        http.DefaultRequestHeaders.ConnectionClose = true; // each attempt its own connection, so a cut meets one response
        var client = new EdgeClient(http);
        await ClientView.CollectAsync(client.StreamChatAsync(Story, rows.Ct));
        var size = proxy.ResponseBytes * 8 / 10;
        var random = new Random(20261201);
        await rows.RunAsync("client cut at a random byte offset", "a reset between client and edge at a seeded offset of the response; the client resumes with Last-Event-ID", runs, held, async _ =>
        {
            proxy.Next(FaultBehavior.ResetAfter(random.NextInt64(1, size)));
            var view = await ClientView.CollectAsync(client.StreamChatAsync(Story, rows.Ct));
            return Rows.Outcome.Of(view, Answer(200));
        });
    }

    private static async Task ClientKilledAsync(Rows rows, Uri edge, StreamManager manager, Func<Task<long>> held, int runs)
    {
        if (ResumeCancelScenario.RelayExecutable() is not { } relay)
        {
            rows.Matrix.Note("relay is not built beside src/Relay.Cli: the client SIGKILL row was skipped.");
            return;
        }

        TaskCompletionSource<string>? created = null;
        manager.SessionCreated += s => Volatile.Read(ref created)?.TrySetResult(((StreamSession)s).Id);
        using var http = new HttpClient { BaseAddress = edge };
        await rows.RunAsync("client SIGKILL", "`relay ask` killed mid-answer; in even runs a new reader attaches to the stream by id within the grace, in odd runs nobody does", runs, held, async i =>
        {
            var gate = $"killed-client-{i}";
            rows.Sim.DefaultKnobs = $"tokens=100;gate={gate}@5";
            var id = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref created, id);
            using var process = Process.Start(new ProcessStartInfo(relay.Exe, [.. relay.Prefix, "ask", "--edge", edge.ToString(), "Tell me a story"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            })!;
            process.StandardInput.Close();
            _ = process.StandardOutput.ReadToEndAsync(rows.Ct);
            _ = process.StandardError.ReadToEndAsync(rows.Ct);
            await rows.Sim.Gates.WaitReachedAsync(gate, rows.Ct);
            process.Kill(); // SIGKILL: no DELETE, no goodbye
            await process.WaitForExitAsync(rows.Ct);
            var streamId = await id.Task.WaitAsync(TimeSpan.FromSeconds(10), rows.Ct);
            if (i % 2 == 1)
            {
                rows.ReleaseLater(gate); // nobody comes back: the edge must stop the upstream after the grace
                return new(0, 0);
            }

            rows.Sim.Gates.Release(gate);
            var view = await ReadByIdAsync(http, streamId, rows.Ct);
            return Rows.Outcome.Of(view, Answer(100));
        });
    }

    private static async Task SlowLinksAsync(Rows rows, Uri edge, Func<Task<long>> held, int runs)
    {
        rows.Sim.DefaultKnobs = "tokens=60";
        await using var proxy = new FaultProxy(edge);
        using var http = new HttpClient { BaseAddress = proxy.Url };
        var client = new EdgeClient(http);
        await rows.RunAsync("slow link", "the response throttled to 3 KB/s between client and edge (all runs at once)", runs, held, parallel: true, run: async _ =>
        {
            proxy.Next(new FaultBehavior { BytesPerSecond = 3_000 });
            var view = await ClientView.CollectAsync(client.StreamChatAsync(Story, rows.Ct));
            return Rows.Outcome.Of(view, Answer(60));
        });
    }

    private static async Task AbandonedBeforeFirstTokenAsync(Rows rows, Uri edge, Func<Task<long>> held, int runs)
    {
        using var http = new HttpClient { BaseAddress = edge };
        var client = new EdgeClient(http);
        await rows.RunAsync("abandoned before the first token", "the client leaves while the upstream is still thinking; in even runs it retries the POST (same stream id) within the grace, in odd runs it never returns", runs, held, async i =>
        {
            var gate = $"abandoned-{i}";
            rows.Sim.DefaultKnobs = $"tokens=30;gate={gate}@1";
            var request = Story with { StreamId = StreamIds.New() };
            using (var leaving = CancellationTokenSource.CreateLinkedTokenSource(rows.Ct))
            {
                var first = ClientView.CollectAsync(client.StreamChatAsync(request, leaving.Token));
                await rows.Sim.Gates.WaitReachedAsync(gate, rows.Ct);
                await leaving.CancelAsync();
                try
                {
                    await first;
                }
                catch (OperationCanceledException)
                {
                    // The client left.
                }
            }

            if (i % 2 == 1)
            {
                rows.ReleaseLater(gate);
                return new(0, 0);
            }

            var again = ClientView.CollectAsync(client.StreamChatAsync(request, rows.Ct));
            rows.Sim.Gates.Release(gate);
            var view = await again;
            return Rows.Outcome.Of(view, Answer(30));
        });
    }

    private static async Task SlowReadersAsync(Rows rows, Uri edge, Func<Task<long>> held, int runs)
    {
        // The answer ends at the edge at once; the reader, at 1.5 KB/s, stays attached for seconds past the grace.
        rows.Sim.DefaultKnobs = "tokens=40";
        await using var proxy = new FaultProxy(edge);
        using var http = new HttpClient { BaseAddress = proxy.Url };
        var client = new EdgeClient(http);
        await rows.RunAsync("slow reader past the grace", "the stream finishes at the edge while its reader, throttled to 1.5 KB/s, reads on for longer than the grace period", runs, held, parallel: true, run: async _ =>
        {
            proxy.Next(new FaultBehavior { BytesPerSecond = 1_500 });
            var view = await ClientView.CollectAsync(client.StreamChatAsync(Story, rows.Ct));
            return Rows.Outcome.Of(view, Answer(40));
        });
    }

    private static async Task StalledUpstreamAsync(Rows rows, Uri edge, Func<Task<long>> held, int runs)
    {
        // The upstream sends 5 tokens and then nothing: after the 1 s idle timeout the client gets the 5 tokens and
        // UPSTREAM_TIMEOUT (as the CLI on a plain terminal, it does not start over after content), and the upstream
        // request is aborted.
        rows.Sim.DefaultKnobs = "tokens=30;stall=@5";
        using var http = new HttpClient { BaseAddress = edge };
        var client = new EdgeClient(http);
        var options = new StreamOptions { AllowRestartAfterContent = false };
        await rows.RunAsync("stalled upstream", "the upstream stops after 5 tokens; the edge's idle timeout (1 s here) ends the stream with UPSTREAM_TIMEOUT", runs, held, parallel: true, run: async _ =>
        {
            var view = await ClientView.CollectAsync(client.StreamChatAsync(Story, options, rows.Ct));
            var timedOut = view.End is ErrorEvent { Error.Code: StreamErrorCode.UpstreamTimeout };
            return Rows.Outcome.Of(view, [.. Answer(30).Take(5)]) with { Lost = view.Lost([.. Answer(30).Take(5)]) + (timedOut ? 0 : 1) };
        });
    }

    private static async Task EdgeKilledAsync(Rows rows, SimulatorHost sim, int runs, CancellationToken ct)
    {
        var environment = Settings(sim);
        var port = ExternalServers.FreePort();
        var edge = await EdgeProcess.StartAsync(environment, port, cancellationToken: ct);
        try
        {
            using var http = new HttpClient { BaseAddress = edge.Url };
            var client = new EdgeClient(http);
            await rows.RunAsync("edge SIGKILL and restart (in-memory store)", "the only edge killed mid-answer and started again on its port; the stream died with it, so the client starts over and clears the old text", runs, () => HeldFromMetricsAsync([edge.Url], ct), i =>
            MidAnswerAsync(rows.Sim, client, $"edge-killed-{i}", async _ =>
            {
                await edge.KillAsync();
                await edge.DisposeAsync();
                edge = await EdgeProcess.StartAsync(environment, port, cancellationToken: ct);
            }, ct));
        }
        finally
        {
            await edge.DisposeAsync();
        }
    }

    private static async Task ClusterAsync(Rows rows, SimulatorHost sim, bool quick, CancellationToken ct)
    {
        await using var redis = await RedisServer.StartAsync(ct);
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",abortConnect=false");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        async Task<long> Keys()
        {
            try
            {
                return await server.KeysAsync(pattern: "relay:{*").CountAsync(ct);
            }
            catch (RedisException)
            {
                return -1; // Redis is away: not settled yet
            }
        }

        Dictionary<string, string?> Clustered(string instance) => new(Settings(sim))
        {
            ["RELAY_REDIS"] = redis.Address,
            ["RELAY_INSTANCE_ID"] = instance,
            ["Relay:RedisStore:LeaseDuration"] = "00:00:00.600",
            ["Relay:RedisStore:LeaseRenewal"] = "00:00:00.200",
            ["Relay:RedisStore:LeaseCheck"] = "00:00:00.200",
        };

        await using (var a = await EdgeHost.StartAsync(Clustered("edge-a"), cancellationToken: ct))
        await using (var b = await EdgeHost.StartAsync(Clustered("edge-b"), cancellationToken: ct))
        {
            var managers = new[] { a, b }.Select(e => e.Services.GetRequiredService<StreamManager>()).ToList();
            async Task<long> Held()
            {
                var keys = await Keys();
                return keys < 0 ? long.MaxValue : keys + managers.Sum(m => m.HeldStreams);
            }

            await DuplicatePostsAsync(rows, [a.Url, b.Url], Held, quick ? 10 : 100);
            await using (var nginx = await NginxServer.StartAsync([a.Url, b.Url], ct))
            {
                await NginxSwitchingAsync(rows, nginx.Url, Held, quick ? 5 : 100);
            }

            await RedisRestartAsync(rows, redis, a.Url, Held, quick ? 1 : 5);
        }

        await OwnerKilledAsync(rows, sim, Clustered, Keys, quick ? 1 : 5, ct);
    }

    private static async Task DuplicatePostsAsync(Rows rows, Uri[] edges, Func<Task<long>> held, int runs)
    {
        rows.Sim.DefaultKnobs = "tokens=30";
        using var first = new HttpClient { BaseAddress = edges[0] };
        using var second = new HttpClient { BaseAddress = edges[1] };
        var clients = new[] { new EdgeClient(first), new EdgeClient(second), new EdgeClient(first) };
        await rows.RunAsync("duplicate POSTs", "three POSTs with one stream_id racing, two on one instance and one on the other (Redis store); a second generation counts as orphaned", runs, held, async _ =>
        {
            var requests = rows.Sim.GetStats().Requests;
            var request = Story with { StreamId = StreamIds.New() };
            var views = await Task.WhenAll(clients.Select(c => ClientView.CollectAsync(c.StreamChatAsync(request, rows.Ct))));
            return new(views.Sum(v => v.Lost(Answer(30))), views.Sum(v => v.Duplicated), (int)Math.Max(0, rows.Sim.GetStats().Requests - requests - 1), views.Sum(v => v.Recoveries));
        });
    }

    private static async Task NginxSwitchingAsync(Rows rows, Uri nginx, Func<Task<long>> held, int runs)
    {
        rows.Sim.DefaultKnobs = "tokens=200";
        await using var proxy = new FaultProxy(nginx);
        using var http = new HttpClient { BaseAddress = proxy.Url };
        http.DefaultRequestHeaders.ConnectionClose = true;
        var client = new EdgeClient(http);
        await ClientView.CollectAsync(client.StreamChatAsync(Story, rows.Ct));
        var size = proxy.ResponseBytes * 8 / 10;
        var random = new Random(20261202);
        await rows.RunAsync("nginx switching instances", "a cut at a seeded offset in front of nginx (round robin over two Redis-backed edges), so the resume lands on the other instance", runs, held, async _ =>
        {
            proxy.Next(FaultBehavior.ResetAfter(random.NextInt64(1, size)));
            var view = await ClientView.CollectAsync(client.StreamChatAsync(Story, rows.Ct));
            return Rows.Outcome.Of(view, Answer(200));
        });
    }

    private static async Task RedisRestartAsync(Rows rows, RedisServer redis, Uri edge, Func<Task<long>> held, int runs)
    {
        using var http = new HttpClient { BaseAddress = edge };
        var client = new EdgeClient(http);
        await rows.RunAsync("Redis restart", "redis-server killed mid-answer and started again empty; the stream died with it, so the client starts over and clears the old text", runs, held, i =>
            MidAnswerAsync(rows.Sim, client, $"redis-restart-{i}", async _ =>
            {
                await redis.StopAsync();
                await redis.RestartAsync(rows.Ct);
            }, rows.Ct));
    }

    private static async Task OwnerKilledAsync(Rows rows, SimulatorHost sim, Func<string, Dictionary<string, string?>> settings, Func<Task<long>> keys, int runs, CancellationToken ct)
    {
        var env = (Func<string, Dictionary<string, string?>>)(instance => settings(instance).ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value));
        var ports = new[] { ExternalServers.FreePort(), ExternalServers.FreePort() };
        var edges = new EdgeProcess[2];
        for (var n = 0; n < 2; n++)
        {
            edges[n] = await EdgeProcess.StartAsync(env($"edge-{n}"), ports[n], cancellationToken: ct);
        }

        try
        {
            await using var nginx = await NginxServer.StartAsync(edges.Select(e => e.Url), ct);
            using var http = new HttpClient { BaseAddress = nginx.Url };
            var client = new EdgeClient(http);
            async Task<long> Held()
            {
                var k = await keys();
                return k < 0 ? long.MaxValue : k + await HeldFromMetricsAsync(edges.Select(e => e.Url), ct);
            }

            await rows.RunAsync("owner instance SIGKILL in a cluster", "the edge producing the stream killed mid-answer behind nginx; the other instance declares the stream lost once the owner's lease lapses, and the client starts over on it", runs, Held, i =>
                MidAnswerAsync(sim, client, $"owner-killed-{i}", async start =>
                {
                    using var redis = await ConnectionMultiplexer.ConnectAsync(env("x")["RELAY_REDIS"]!);
                    var owner = (string)(await redis.GetDatabase().HashGetAsync($"relay:{{{start!.StreamId}}}:info", "instance"))!;
                    var n = owner == "edge-0" ? 0 : 1;
                    await edges[n].KillAsync();
                    await edges[n].DisposeAsync();
                    edges[n] = await EdgeProcess.StartAsync(env($"edge-{n}"), ports[n], cancellationToken: ct);
                }, ct));
        }
        finally
        {
            foreach (var edge in edges)
            {
                await edge.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A 100-token answer that holds upstream at token 20; once the client has 19, <paramref name="fault"/> (given the
    /// stream's start) is injected, then the answer goes on; what the client finally shows is checked against the whole answer.
    /// </summary>
    private static async Task<Rows.Outcome> MidAnswerAsync(SimulatorHost sim, EdgeClient client, string gate, Func<StartEvent?, Task> fault, CancellationToken ct)
    {
        sim.DefaultKnobs = $"tokens=100;gate={gate}@20";
        var view = new ClientView();
        StartEvent? start = null;
        var injected = false;
        await foreach (var e in client.StreamChatAsync(Story, ct))
        {
            view.Add(e);
            start ??= e as StartEvent;
            if (!injected && e is DeltaEvent && view.Deltas == 19)
            {
                injected = true;
                await sim.Gates.WaitReachedAsync(gate, ct);
                sim.DefaultKnobs = "tokens=100";
                await fault(start);
                sim.Gates.Release(gate);
            }
        }

        return Rows.Outcome.Of(view, Answer(100));
    }

    /// <summary>Reads a stream from its start by id, as a client that lost everything does.</summary>
    private static async Task<ClientView> ReadByIdAsync(HttpClient http, string streamId, CancellationToken ct)
    {
        var view = new ClientView();
        using var response = await http.GetAsync($"v1/chat/stream/{streamId}", HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            return view;
        }

        await foreach (var frame in Contracts.Sse.SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct))
        {
            view.Add(StreamEventSerializer.Deserialize(frame.EventType, frame.Data, frame.LastEventId));
        }

        return view;
    }

    /// <summary>Streams held by edges running as processes, from their <c>/metrics</c> (<c>relay_streams_held</c>, both states).</summary>
    private static async Task<long> HeldFromMetricsAsync(IEnumerable<Uri> edges, CancellationToken ct)
    {
        using var http = new HttpClient();
        long held = 0;
        foreach (var edge in edges)
        {
            try
            {
                var text = await http.GetStringAsync(new Uri(edge, "metrics"), ct);
                held += text.Split('\n')
                    .Where(l => l.StartsWith("relay_streams_held{", StringComparison.Ordinal))
                    .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
            }
            catch (HttpRequestException)
            {
                return long.MaxValue; // not up yet: not settled
            }
        }

        return held;
    }
}
