using System.Diagnostics;
using System.Globalization;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// How many concurrent streams one edge serves at 20 ms pacing while every gap stays under twice the pacing, beside nginx
/// on the same ramp (the simulator, the edge, nginx and this load generator each their own process, sharing the
/// machine's cores), and 5,000 held streams at 1 token a second.
/// </summary>
internal static class ConcurrencyScenario
{
    private const string Question = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

    public static async Task RunAsync(Report report, Plots plots, bool quick, CancellationToken ct)
    {
        var levels = quick ? new[] { 50, 100 } : [100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500];
        await using var servers = await BenchServers.StartAsync(levels[^1] * 4, withRedis: false, ct);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        var edgePid = servers.Edge.ProcessId;
        var lanes = new List<(string Name, Uri Url, string Body, string Delta, Func<double> Cpu)>
        {
            ("edge", new Uri(servers.Edge.Url, "v1/chat/stream"), Question, "delta", () => ProcessCpu.TotalMs(edgePid)),
        };
        if (servers.Nginx is { } nginx)
        {
            lanes.Insert(0, ("nginx", new Uri(nginx.Url, "api/v1/chat/completions"), Question[..^1] + ",\"stream\":true}", "message", () => ProcessCpu.TotalMs(nginx.ProcessId, withChildren: true)));
        }
        else
        {
            report.Note($"The concurrency ramp ran without its nginx lane: {ExternalServers.Missing("nginx")}.");
        }

        // Warm up (JIT, connection pools, thread pools) so the first level is not charged for it.
        await servers.KnobsAsync(http, "tokens=150;interval=20ms;comments=0", ct);
        foreach (var lane in lanes)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => StreamProbe.RunAsync(http, lane.Url, lane.Body, lane.Delta, ct)));
        }

        // The same ramp through each lane, interleaved level by level, until a lane's gap p99 reaches twice the pacing.
        var best = lanes.Select(_ => 0).ToArray();
        var failed = lanes.Select(_ => false).ToArray();
        var curves = lanes.Select(_ => (Xs: new List<double>(), Ys: new List<double>())).ToArray();
        var cpuAtLevel = new Dictionary<int, string>();
        foreach (var n in levels)
        {
            for (var l = 0; l < lanes.Count; l++)
            {
                if (failed[l])
                {
                    continue;
                }

                var lane = lanes[l];
                var processes = new (string Name, Func<double> Cpu)[]
                {
                    (lane.Name, lane.Cpu),
                    ("simulator", () => ProcessCpu.TotalMs(servers.SimulatorPid)),
                    ("load generator", () => ProcessCpu.TotalMs(Environment.ProcessId)),
                };
                var before = processes.Select(p => p.Cpu()).ToArray();
                var clock = Stopwatch.StartNew();

                // Arrivals spread over one second (as real users arrive), then all n streams run together for seconds.
                var results = await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(1000.0 * i / n), ct);
                    return await StreamProbe.RunAsync(http, lane.Url, lane.Body, lane.Delta, ct);
                }));
                var wall = clock.Elapsed.TotalMilliseconds;
                var cores = processes.Select((p, i) => $"{p.Name} {(p.Cpu() - before[i]) / wall:0.00}").ToList();
                var gaps = results.SelectMany(r => r.GapsMs).ToList();
                var p99 = Percentiles.Of(gaps, 99);
                Console.WriteLine($"  {lane.Name}, {n} streams at 20 ms: gap {Percentiles.Describe(gaps, "ms")}; cores busy: {string.Join(", ", cores)}");
                curves[l].Xs.Add(n);
                curves[l].Ys.Add(p99);
                if (p99 < 40 && results.All(r => r.GapsMs.Count == 149))
                {
                    best[l] = n;
                    if (lane.Name == "edge")
                    {
                        cpuAtLevel[n] = string.Join(", ", cores);
                    }
                }
                else
                {
                    failed[l] = true;
                }
            }

            if (failed.All(f => f))
            {
                break;
            }
        }

        plots.Curves("concurrency", "Inter-chunk gap p99 against concurrent streams (20 ms pacing)", "concurrent streams", "gap p99 (ms)", lanes.Select((lane, l) => (lane.Name, curves[l].Xs, curves[l].Ys)).ToList(), 40);
        var edgeBest = best[^1];
        if (lanes.Count > 1)
        {
            report.Add("concurrent streams with gap p99 under 40 ms at 20 ms pacing, nginx", best[0], "streams");
            report.AddAtLeast("concurrent streams with gap p99 under 40 ms at 20 ms pacing, edge", edgeBest, "streams", Math.Ceiling(0.8 * best[0]), string.Create(CultureInfo.InvariantCulture, $">= 80 % of nginx's ({Math.Ceiling(0.8 * best[0]):0} streams)"));
        }
        else
        {
            report.AddAtLeast("concurrent streams with gap p99 under 40 ms at 20 ms pacing, edge", edgeBest, "streams", quick ? 50 : 1000);
        }

        if (cpuAtLevel.TryGetValue(edgeBest, out var busy))
        {
            report.Note($"At the edge's limit ({edgeBest} streams), cores busy per process: {busy} (2 cores in all).");
        }

        // Held streams: 5 tokens at 1 token a second each, all open at once. Each holds four sockets in this
        // process (client, edge in and out, simulator), so the open-file limit must allow it (ulimit -n).
        var held = quick ? 200 : 5000;
        var files = OpenFileLimit();
        if (held * 4 + 1000 > files)
        {
            report.Note($"Open-file limit {files} allows only {(files - 1000) / 4} held streams here (run under `ulimit -n 65536`).");
            held = (int)((files - 1000) / 4);
        }

        await servers.KnobsAsync(http, "tokens=5;interval=1s;comments=0", ct);
        var heldResults = await Task.WhenAll(Enumerable.Range(0, held).Select(_ => StreamProbe.RunAsync(http, lanes[^1].Url, lanes[^1].Body, "delta", ct)));
        var heldGaps = heldResults.SelectMany(r => r.GapsMs).ToList();
        report.AddAtLeast($"streams held through the edge at 1 token/s, all served", heldResults.Count(r => r.GapsMs.Count == 4), "streams", held);
        report.Add($"gap p99 over {held} held streams through the edge", Percentiles.Of(heldGaps, 99), "ms", 2000);
    }

    private static long OpenFileLimit()
    {
        var line = File.Exists("/proc/self/limits") ? File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal)) : null;
        var soft = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        return long.TryParse(soft, out var n) ? n : long.MaxValue;
    }
}
