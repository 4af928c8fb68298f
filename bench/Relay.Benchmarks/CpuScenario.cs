using System.Globalization;
using System.Text;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// CPU per relayed token, side by side: the simulator, the Release edge (in-memory and Redis-backed), nginx (a master and a
/// worker per core) and this load generator each in their own process; the upstream paced so each event is its own write.
/// Each server's own CPU (utime + stime from /proc, nginx's workers summed) over the lanes' rounds, interleaved, divided by
/// the tokens relayed. Then latency per event, and resident memory after the run and under 1,000 held streams.
/// </summary>
internal static class CpuScenario
{
    private const string RedisLane = "edge /v1/chat/stream, Redis-backed store";
    private const string Question = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]";

    public static async Task RunAsync(Report report, bool quick, CancellationToken ct)
    {
        var (streams, tokens, concurrency, rounds) = quick ? (20, 100, 10, 2) : (500, 500, 40, 5);
        await using var servers = await BenchServers.StartAsync(streams * 4, withRedis: true, ct);
        if (servers.Nginx is not { } nginx)
        {
            report.Note($"CPU per token skipped: {ExternalServers.Missing("nginx")}.");
            return;
        }

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        await servers.KnobsAsync(http, $"tokens={tokens};interval=5ms;comments=0", ct);

        var edgePid = servers.Edge.ProcessId;
        var lanes = new List<(string Name, Uri Url, string Body, string End, Func<double> Cpu)>
        {
            ("nginx", new Uri(nginx.Url, "api/v1/chat/completions"), Question + ",\"stream\":true}", "[DONE]", () => ProcessCpu.TotalMs(nginx.ProcessId, withChildren: true)),
            ("edge /v1/chat/stream", new Uri(servers.Edge.Url, "v1/chat/stream"), Question + "}", "event: done", () => ProcessCpu.TotalMs(edgePid)),
            ("edge /v1/chat/completions", new Uri(servers.Edge.Url, "v1/chat/completions"), Question + ",\"stream\":true}", "[DONE]", () => ProcessCpu.TotalMs(edgePid)),
        };
        if (servers.RedisEdge is { } redisEdge)
        {
            // The store shared by instances: every event also goes to Redis (XADD) and back (XREAD) before it is written.
            lanes.Add((RedisLane, new Uri(redisEdge.Url, "v1/chat/stream"), Question + "}", "event: done", () => ProcessCpu.TotalMs(redisEdge.ProcessId)));
        }
        else
        {
            report.Note("The Redis-backed CPU lane was skipped: redis-server is not on PATH.");
        }

        // Warm-up: JIT, connection pools, thread pools, for every lane.
        foreach (var lane in lanes)
        {
            await RunBatchAsync(http, lane.Url, lane.Body, lane.End, concurrency, concurrency, ct);
        }

        // Per round and lane: µs of the server's CPU per token. The machine's speed drifts between rounds (a shared VM), so
        // the ratios to nginx are taken within each round and their median reported.
        var perToken = new List<double>[lanes.Count];
        for (var l = 0; l < lanes.Count; l++)
        {
            perToken[l] = [];
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var l = 0; l < lanes.Count; l++)
            {
                var before = lanes[l].Cpu();
                var completed = await RunBatchAsync(http, lanes[l].Url, lanes[l].Body, lanes[l].End, streams / rounds, concurrency, ct);
                perToken[l].Add((lanes[l].Cpu() - before) * 1000 / Math.Max(1, (long)completed * tokens));
            }
        }

        Console.WriteLine($"CPU per relayed token, {streams} streams of {tokens} tokens per lane, {concurrency} at a time, 5 ms pacing, median of {rounds} interleaved rounds:");
        var nginxUs = Percentiles.Of(perToken[0], 50);
        report.Add("CPU per relayed token, nginx", nginxUs, "µs");
        for (var l = 1; l < lanes.Count; l++)
        {
            // The in-memory edge within 2x nginx's CPU (2.5x is the floor); the Redis-backed one within 3x.
            var most = lanes[l].Name == RedisLane ? 3 : 2;
            var us = Percentiles.Of(perToken[l], 50);
            var ratio = Percentiles.Of([.. perToken[l].Zip(perToken[0], (edge, n) => edge / n)], 50);
            report.Add($"CPU per relayed token, {lanes[l].Name}", us, "µs", most * nginxUs, string.Create(CultureInfo.InvariantCulture, $"<= {most}x nginx ({most * nginxUs:0.#} µs)"));
            report.Add($"CPU per relayed token, {lanes[l].Name} / nginx", ratio, "x", most);
        }

        // Per event, also through the Cloudflare Worker in workerd, in front of the simulator as nginx is (no target: it is
        // a JavaScript runtime, reported beside nginx for whoever fronts the edge with it).
        var latencyLanes = lanes.Where(l => l.Name != RedisLane).Select(l => (l.Name, l.Url, l.Body, Http: http)).ToList();
        await using var worker = WorkerFront.Missing is null ? await WorkerFront.StartAsync([servers.SimulatorUrl], ct) : null;
        if (worker is not null)
        {
            latencyLanes.Add((LatencyScenario.LocalWorkerd, new Uri(worker.Url, "api/v1/chat/completions"), Question + ",\"stream\":true}", http));
        }

        // And through the Portkey gateway, a peer users pick, for its latency per event and its memory after the same run.
        await using var portkey = PortkeyGateway.Missing is null ? await PortkeyGateway.StartAsync(new Uri(servers.SimulatorUrl, "api/v1/"), ct) : null;
        using var portkeyHttp = portkey?.CreateClient();
        if (portkey is not null && portkeyHttp is not null)
        {
            latencyLanes.Add((LatencyScenario.Portkey, new Uri(portkey.Url, "v1/chat/completions"), Question + ",\"stream\":true}", portkeyHttp));
        }

        await PerEventLatencyAsync(report, servers, [.. latencyLanes], quick, ct);

        // Resident memory right after the run (its streams still in their grace period), beside nginx's.
        report.Add("resident memory after the run, nginx (master and workers)", ProcessCpu.ResidentMb(nginx.ProcessId, withChildren: true), "MB");
        if (portkey is not null)
        {
            report.Add($"resident memory after the run, {LatencyScenario.Portkey}", ProcessCpu.ResidentMb(portkey.ProcessId), "MB");
        }

        report.Add("resident memory after the run, edge", ProcessCpu.ResidentMb(edgePid), "MB", 64);
        await HeldMemoryAsync(report, servers, http, quick ? 100 : 1000, ct);
    }

    /// <summary>Resident memory of the edge and of nginx while each holds the same streams open (a token every 2 s).</summary>
    private static async Task HeldMemoryAsync(Report report, BenchServers servers, HttpClient http, int held, CancellationToken ct)
    {
        await servers.KnobsAsync(http, "tokens=3;interval=2s;comments=0", ct);
        foreach (var (name, url, body, pid) in new[]
        {
            ("nginx (master and workers)", new Uri(servers.Nginx!.Url, "api/v1/chat/completions"), Question + ",\"stream\":true}", servers.Nginx.ProcessId),
            ("edge", new Uri(servers.Edge.Url, "v1/chat/stream"), Question + "}", servers.Edge.ProcessId),
        })
        {
            // Every stream has its first token before the reading: all of them are open in the server then.
            using var allOpen = new CountdownEvent(held);
            var streams = Enumerable.Range(0, held).Select(_ => HoldAsync(http, url, body, allOpen, ct)).ToList();
            await Task.Run(() => allOpen.Wait(ct), ct);
            report.Add($"resident memory with {held} streams held, {name}", ProcessCpu.ResidentMb(pid, withChildren: name.StartsWith("nginx", StringComparison.Ordinal)), "MB");
            await Task.WhenAll(streams);
        }
    }

    private static async Task HoldAsync(HttpClient http, Uri url, string body, CountdownEvent firstToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[4096];
        var signalled = false;
        while (await stream.ReadAsync(buffer, ct) is var read && read > 0)
        {
            if (!signalled && buffer.AsSpan(0, read).IndexOf("\"content\""u8) >= 0)
            {
                signalled = true;
                firstToken.Signal();
            }
        }

        if (!signalled)
        {
            firstToken.Signal(); // a stream that failed still counts down, so the reading is not held forever
        }
    }

    /// <summary>
    /// Latency added per event: the simulator stamps each token with the monotonic clock when it writes it (knob
    /// <c>stamp</c>), and this process subtracts that from its own clock when it reads the event, through nginx and
    /// through each edge endpoint, lanes interleaved. The edge's p99 beside nginx's is the figure.
    /// </summary>
    private static async Task PerEventLatencyAsync(Report report, BenchServers servers, (string Name, Uri Url, string Body, HttpClient Http)[] lanes, bool quick, CancellationToken ct)
    {
        var (streams, tokens, concurrency, rounds) = quick ? (10, 50, 5, 1) : (60, 200, 10, 3);
        await servers.KnobsAsync(lanes[0].Http, $"tokens={tokens};interval=5ms;comments=0;stamp=1", ct);
        var latencies = lanes.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var l = 0; l < lanes.Length; l++)
            {
                var lane = lanes[l];
                var sink = latencies[l];
                await Parallel.ForEachAsync(Enumerable.Range(0, streams / rounds), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (_, token) =>
                {
                    var mine = await ReadStampsAsync(lane.Http, lane.Url, lane.Body, token);
                    lock (sink)
                    {
                        sink.AddRange(mine);
                    }
                });
            }
        }

        Console.WriteLine($"latency added per event (written by the simulator to read here), {streams} streams of {tokens} tokens per lane, {concurrency} at a time:");
        var nginxP99 = Percentiles.Of(latencies[0], 99);
        for (var l = 0; l < lanes.Length; l++)
        {
            report.Add($"per-event latency, {lanes[l].Name}, p50", Percentiles.Of(latencies[l], 50), "ms");
            if (l == 0)
            {
                report.Add($"per-event latency, {lanes[l].Name}, p99", nginxP99, "ms");
            }
            else if (lanes[l].Name is LatencyScenario.LocalWorkerd or LatencyScenario.Portkey)
            {
                report.Add($"per-event latency, {lanes[l].Name}, p99", Percentiles.Of(latencies[l], 99), "ms");
            }
            else
            {
                report.Add($"per-event latency, {lanes[l].Name}, p99", Percentiles.Of(latencies[l], 99), "ms", nginxP99 + 0.2, string.Create(CultureInfo.InvariantCulture, $"<= nginx + 0.2 ms ({nginxP99 + 0.2:0.###} ms)"));
            }
        }
    }

    /// <summary>One stream's per-event latencies in ms: the reading clock minus the stamp in each event's text.</summary>
    private static async Task<List<double>> ReadStampsAsync(HttpClient http, Uri url, string body, CancellationToken ct)
    {
        var latencies = new List<double>();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            var at = line.IndexOf("\"@", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var digits = line.AsSpan(at + 2);
            var end = digits.IndexOf(' ');
            if (end > 0 && long.TryParse(digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var stamp))
            {
                latencies.Add((now - stamp) * 1000.0 / System.Diagnostics.Stopwatch.Frequency);
            }
        }

        return latencies;
    }

    /// <summary>Runs <paramref name="count"/> streams, <paramref name="concurrency"/> at a time; returns how many ended properly.</summary>
    private static async Task<int> RunBatchAsync(HttpClient http, Uri url, string body, string end, int count, int concurrency, CancellationToken ct)
    {
        var completed = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (_, token) =>
        {
            if (await ReadToEndAsync(http, url, body, end, token))
            {
                Interlocked.Increment(ref completed);
            }
        });
        return completed;
    }

    /// <summary>The cheapest client that still checks the answer ended: bytes read into one buffer, the tail searched for its end.</summary>
    private static async Task<bool> ReadToEndAsync(HttpClient http, Uri url, string body, string end, CancellationToken cancellationToken)
    {
        // A stream that never ends counts as failed rather than hanging the run.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        var ct = limit.Token;
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            return false;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[16 * 1024];
        var tail = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(tail), ct)) > 0)
        {
            // Keep the last 512 bytes at the front: the end marker may straddle two reads, and an event follows it.
            var length = tail + read;
            var keep = Math.Min(512, length);
            buffer.AsSpan(length - keep, keep).CopyTo(buffer);
            tail = keep;
        }

        return Encoding.ASCII.GetString(buffer, 0, tail).Contains(end, StringComparison.Ordinal);
    }
}
