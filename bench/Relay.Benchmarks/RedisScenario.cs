using System.Diagnostics;
using Relay.Edge;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// The Redis-backed store beside the in-memory one: added first-token latency and per-chunk overhead (interleaved,
/// one stream at a time), concurrent paced streams spread over three instances, and a DELETE on one instance
/// reaching the upstream request of another.
/// </summary>
internal static class RedisScenario
{
    private const string Question = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something\"}]";

    public static async Task RunAsync(Report report, bool quick, CancellationToken ct)
    {
        if (ExternalServers.Find("redis-server") is null)
        {
            report.Note("Redis figures skipped: redis-server is not on PATH.");
            return;
        }

        await using var redis = await RedisServer.StartAsync(ct);
        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.FromMilliseconds(1) }, ct);
        var upstream = new Dictionary<string, string?> { ["OPENROUTER_BASE_URL"] = sim.BaseUrl.ToString(), ["RELAY_MAX_STREAMS"] = "100000", ["RELAY_RATE_LIMIT"] = "0" };
        await using var memory = await EdgeHost.StartAsync(upstream, cancellationToken: ct);
        var edges = new List<EdgeHost>();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                edges.Add(await EdgeHost.StartAsync(new Dictionary<string, string?>(upstream) { ["RELAY_REDIS"] = redis.Address, ["RELAY_INSTANCE_ID"] = $"edge-{i}" }, cancellationToken: ct));
            }

            await SideBySideAsync(report, quick, sim, memory, edges[0], ct);
            await CancelAcrossAsync(report, quick, sim, edges, ct);
            await ConcurrencyAsync(report, quick, sim, edges, ct);
        }
        finally
        {
            foreach (var edge in edges)
            {
                await edge.DisposeAsync();
            }
        }
    }

    private static async Task SideBySideAsync(Report report, bool quick, SimulatorHost sim, EdgeHost memory, EdgeHost redisEdge, CancellationToken ct)
    {
        var tokens = quick ? 100 : 1000;
        sim.DefaultKnobs = $"tokens={tokens}";
        using var http = new HttpClient();
        var (direct, inMemory, inRedis) = (new List<double>(), new List<double>(), new List<double>());
        var (directGaps, memoryGaps, redisGaps) = (new List<double>(), new List<double>(), new List<double>());
        var runs = quick ? 5 : 30;
        for (var i = 0; i < runs + 2; i++)
        {
            var d = await StreamProbe.RunAsync(http, new Uri(sim.BaseUrl, "chat/completions"), Question + ",\"stream\":true}", "message", ct);
            var m = await StreamProbe.RunAsync(http, new Uri(memory.Url, "v1/chat/stream"), Question + "}", "delta", ct);
            var r = await StreamProbe.RunAsync(http, new Uri(redisEdge.Url, "v1/chat/stream"), Question + "}", "delta", ct);
            if (i >= 2)
            {
                direct.Add(d.FirstTokenMs);
                inMemory.Add(m.FirstTokenMs);
                inRedis.Add(r.FirstTokenMs);
                directGaps.AddRange(d.GapsMs);
                memoryGaps.AddRange(m.GapsMs);
                redisGaps.AddRange(r.GapsMs);
            }
        }

        Console.WriteLine($"redis side by side, {tokens}-token streams at 1 ms, {runs} interleaved runs:");
        foreach (var p in new[] { 50.0, 99.0 })
        {
            report.Add($"added first token, in-memory edge, p{p}", Percentiles.Added(inMemory, direct, p), "ms");
            report.Add($"added first token, Redis-backed edge, p{p}", Percentiles.Added(inRedis, direct, p), "ms");
            report.Add($"added inter-chunk gap, in-memory edge, p{p}", Percentiles.Added(memoryGaps, directGaps, p), "ms");
            report.Add($"added inter-chunk gap, Redis-backed edge, p{p}", Percentiles.Added(redisGaps, directGaps, p), "ms");
        }
    }

    private static async Task CancelAcrossAsync(Report report, bool quick, SimulatorHost sim, List<EdgeHost> edges, CancellationToken ct)
    {
        // The answer holds at token 3; DELETE goes to another instance; the clock stops when the simulator sees the abort.
        using var http = new HttpClient();
        var latencies = new List<double>();
        var runs = quick ? 3 : 20;
        for (var i = 0; i < runs; i++)
        {
            var gate = $"bench-cancel-{i}";
            sim.DefaultKnobs = $"tokens=50;gate={gate}@3";
            var id = $"bench-cancel-{i}-{Guid.NewGuid():N}";
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(edges[0].Url, "v1/chat/stream"))
            {
                Content = new StringContent(Question + $",\"stream_id\":\"{id}\"}}", System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead, ct);
            await sim.Gates.WaitReachedAsync(gate, ct);
            var aborts = sim.GetStats().AbortedByClient;
            var start = Stopwatch.GetTimestamp();
            using var delete = await http.DeleteAsync(new Uri(edges[1].Url, $"v1/chat/stream/{id}"), ct);
            await sim.WaitForAbortsAsync((int)aborts + 1, ct);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            sim.Gates.Release(gate);
        }

        report.Add("cancel through another instance (DELETE to upstream abort), p50", Percentiles.Of(latencies, 50), "ms", 100);
        report.Add("cancel through another instance, max", latencies.Max(), "ms", 100);
    }

    private static async Task ConcurrencyAsync(Report report, bool quick, SimulatorHost sim, List<EdgeHost> edges, CancellationToken ct)
    {
        var streams = quick ? 30 : 600;
        sim.DefaultKnobs = "tokens=100;interval=20ms;comments=0";
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue });
        var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(i =>
            StreamProbe.RunAsync(http, new Uri(edges[i % edges.Count].Url, "v1/chat/stream"), Question + "}", "delta", ct)));
        var gaps = results.SelectMany(r => r.GapsMs).ToList();
        report.AddAtLeast($"Redis-backed streams served across 3 instances at 20 ms pacing", results.Count(r => r.FirstTokenMs >= 0), "streams", streams);
        report.Add($"inter-chunk gap p99 of {streams} concurrent streams over 3 Redis-backed instances", Percentiles.Of(gaps, 99), "ms", 40, "< 40 ms (2x the pacing)");
    }
}
