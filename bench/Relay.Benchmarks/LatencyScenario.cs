using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// Time to first token and inter-chunk gaps, interleaved one stream at a time: straight to the simulator, through
/// nginx (proxy_buffering off) when it is on PATH, through deploy/cloudflare's Worker in workerd when wrangler is installed,
/// through the Portkey gateway when bench/portkey is installed, and through the edge on both of its ways in. Then the promise
/// end to end with a realistic simulator: first token within 500 ms, no gap over 100 ms.
/// </summary>
internal static class LatencyScenario
{
    private const string Question = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something\"}]";

    /// <summary>The Worker lane's name: workerd on this machine, not Cloudflare's network.</summary>
    public const string LocalWorkerd = "local workerd (Cloudflare Worker, wrangler dev)";

    /// <summary>The Portkey lane's name.</summary>
    public const string Portkey = "Portkey gateway (npm @portkey-ai/gateway)";

    public static async Task RunAsync(Report report, Plots plots, bool quick, CancellationToken ct)
    {
        // The simulator and the edge as their own processes (the edge as published), as nginx is: this process only reads.
        await using var servers = await BenchServers.StartAsync(1024, withRedis: false, ct);
        var nginx = servers.Nginx;
        var upstream = new Uri(servers.SimulatorUrl, "api/v1/");
        var edgeUrl = servers.Edge.Url;

        // The Cloudflare Worker in workerd (wrangler dev), in front of the simulator as nginx is: labelled "local workerd",
        // since it is the runtime on this machine, not Cloudflare's network.
        WorkerFront? worker = WorkerFront.Missing is null ? await WorkerFront.StartAsync([servers.SimulatorUrl], ct) : null;
        PortkeyGateway? portkey = PortkeyGateway.Missing is null ? await PortkeyGateway.StartAsync(upstream, ct) : null;
        using var http = new HttpClient();
        using var portkeyHttp = portkey?.CreateClient();
        try
        {
            var tokens = quick ? 100 : 1000;
            var paths = new List<(string Name, Uri Url, string Body, string Delta, HttpClient Http)>
            {
                ("direct to the simulator", new Uri(upstream, "chat/completions"), Question + ",\"stream\":true}", "message", http),
                ("edge /v1/chat/stream", new Uri(edgeUrl, "v1/chat/stream"), Question + "}", "delta", http),
                ("edge /v1/chat/completions", new Uri(edgeUrl, "v1/chat/completions"), Question + ",\"stream\":true}", "message", http),
            };
            if (nginx is not null)
            {
                paths.Insert(1, ("nginx (proxy_buffering off)", new Uri(nginx.Url, "api/v1/chat/completions"), Question + ",\"stream\":true}", "message", http));
            }
            else
            {
                report.Note("nginx is not on PATH: the nginx comparison was skipped.");
            }

            if (worker is not null)
            {
                paths.Insert(nginx is null ? 1 : 2, (LocalWorkerd, new Uri(worker.Url, "api/v1/chat/completions"), Question + ",\"stream\":true}", "message", http));
            }
            else
            {
                report.Note($"The Worker lane was skipped: {WorkerFront.Missing}.");
            }

            if (portkey is not null && portkeyHttp is not null)
            {
                paths.Insert(1, (Portkey, new Uri(portkey.Url, "v1/chat/completions"), Question + ",\"stream\":true}", "message", portkeyHttp));
            }
            else
            {
                report.Note($"The Portkey lane was skipped: {PortkeyGateway.Missing}.");
            }

            var first = paths.ToDictionary(p => p.Name, _ => new List<double>());
            var gaps = paths.ToDictionary(p => p.Name, _ => new List<double>());

            // First token: many short streams, so p99 is a percentile and not the one slowest run. Gaps: long streams.
            var firstRuns = quick ? 20 : 300;
            var runs = quick ? 3 : 20;
            await InterleaveAsync("tokens=3;interval=1ms", firstRuns, quick ? 5 : 200, (name, r) => first[name].Add(r.FirstTokenMs));
            await InterleaveAsync($"tokens={tokens};interval=1ms", runs, 1, (name, r) => gaps[name].AddRange(r.GapsMs));

            async Task InterleaveAsync(string knobs, int count, int warmUp, Action<string, (double FirstTokenMs, List<double> GapsMs)> record)
            {
                await servers.KnobsAsync(http, knobs, ct);

                // Each round runs the lanes in a new order (seeded, so runs compare). The order matters: a lane that follows
                // one of the same server finds its threads awake, one that follows another server pays their wake-up. In a
                // fixed or rotated order the edge's first endpoint always paid it and measured 0.9 ms more than its second.
                var random = new Random(18);
                var order = Enumerable.Range(0, paths.Count).ToArray();
                for (var i = 0; i < count + warmUp; i++)
                {
                    random.Shuffle(order);
                    foreach (var lane in order)
                    {
                        var (name, url, body, delta, client) = paths[lane];
                        var r = await StreamProbe.RunAsync(client, url, body, delta, ct);
                        if (i >= warmUp)
                        {
                            record(name, r);
                        }
                    }
                }
            }

            Console.WriteLine($"latency, simulator ttft 0 and 1 ms pacing, interleaved: first token over {firstRuns} 3-token streams per path, gaps over {runs} {tokens}-token streams:");
            foreach (var (name, _, _, _, _) in paths)
            {
                Console.WriteLine($"  first token, {name}: {Percentiles.Describe(first[name], "ms")}");
                Console.WriteLine($"  inter-chunk gap, {name}: {Percentiles.Describe(gaps[name], "ms")}");
            }

            plots.Percentiles("ttft", "Time to first token (simulator ttft 0), interleaved", first);
            plots.Percentiles("gaps", "Inter-chunk gap (simulator paced at 1 ms)", gaps);
            const string Direct = "direct to the simulator";
            foreach (var p in new[] { 50.0, 90.0, 99.0, 99.9 })
            {
                report.Add($"first token direct, p{p}", Percentiles.Of(first[Direct], p), "ms");
            }

            foreach (var p in new[] { 50.0, 99.0 })
            {
                double Added(string path) => Percentiles.Added(first[path], first[Direct], p);
                var nginxAdded = nginx is null ? (double?)null : Added("nginx (proxy_buffering off)");
                if (nginxAdded is { } n)
                {
                    report.Add($"added first token, nginx, p{p}", n, "ms");
                }

                if (worker is not null)
                {
                    report.Add($"added first token, {LocalWorkerd}, p{p}", Added(LocalWorkerd), "ms");
                }

                if (portkey is not null)
                {
                    report.Add($"added first token, {Portkey}, p{p}", Added(Portkey), "ms");
                }

                foreach (var path in new[] { "edge /v1/chat/stream", "edge /v1/chat/completions" })
                {
                    // The median within nginx's + 0.3 ms (the per-token cost issue); the tail within nginx's + 0.5 ms.
                    var slack = p == 50 ? 0.3 : 0.5;
                    report.Add($"added first token, {path}, p{p}", Added(path), "ms", nginxAdded + slack, nginxAdded is null ? $"nginx's + {slack} ms (no nginx)" : null);
                }
            }

            if (portkey is not null)
            {
                // Against a gateway users pick: the edge's added first token at least 30x below Portkey's.
                foreach (var path in new[] { "edge /v1/chat/stream", "edge /v1/chat/completions" })
                {
                    var edgeAdded = Math.Max(0.001, Percentiles.Added(first[path], first[Direct], 50));
                    report.AddAtLeast($"added first token p50, {Portkey} / {path}", Percentiles.Added(first[Portkey], first[Direct], 50) / edgeAdded, "x", 30);
                }
            }

            foreach (var path in paths.Skip(1).Select(p => p.Name))
            {
                report.Add($"added inter-chunk gap, {path}, p99", Percentiles.Added(gaps[path], gaps[Direct], 99), "ms", path.StartsWith("edge", StringComparison.Ordinal) ? 0.1 : null);
            }

            // The promise, end to end: a model that takes 200 ms to start and 20 ms per token.
            await servers.KnobsAsync(http, $"tokens={(quick ? 50 : 200)};ttft=200ms;interval=20ms", ct);
            var e2eFirst = new List<double>();
            var e2eGaps = new List<double>();
            for (var i = 0; i < (quick ? 3 : 20); i++)
            {
                var r = await StreamProbe.RunAsync(http, new Uri(edgeUrl, "v1/chat/stream"), Question + "}", "delta", ct);
                e2eFirst.Add(r.FirstTokenMs);
                e2eGaps.AddRange(r.GapsMs);
            }

            report.Add("first token through the edge, simulator at 200 ms / 20 ms, max", e2eFirst.Max(), "ms", 500);
            report.Add("largest gap through the edge, simulator at 20 ms", e2eGaps.Max(), "ms", 100);

            // An upstream 429 with Retry-After: 1 before the first token: the edge waits it out and retries, so the client
            // sees one answer whose first token comes about a second late (RELAY_UPSTREAM_RETRIES, docs/api.md).
            var retried = new List<double>();
            for (var i = 0; i < (quick ? 1 : 5); i++)
            {
                await servers.KnobsAsync(http, "tokens=5;status=429;retry_after=1;status_count=1", ct);
                retried.Add((await StreamProbe.RunAsync(http, new Uri(edgeUrl, "v1/chat/stream"), Question + "}", "delta", ct)).FirstTokenMs);
            }

            report.Add("first token after an upstream 429 with Retry-After 1 s, retried by the edge, median", Percentiles.Of(retried, 50), "ms");
        }
        finally
        {
            if (worker is not null)
            {
                await worker.DisposeAsync();
            }

            if (portkey is not null)
            {
                await portkey.DisposeAsync();
            }
        }
    }
}
