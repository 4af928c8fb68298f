using System.Diagnostics;
using Relay.Edge;
using Relay.Simulator;

namespace Relay.Benchmarks;

/// <summary>
/// How many concurrent streams one edge serves at 20 ms pacing while every gap stays under twice the pacing
/// (the simulator and the load generator share the machine), and 5,000 held streams at 1 token a second.
/// </summary>
internal static class ConcurrencyScenario
{
    private const string Question = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

    public static async Task RunAsync(Report report, Plots plots, bool quick, CancellationToken ct)
    {
        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.FromMilliseconds(20) }, ct);
        await using var edge = await EdgeHost.StartAsync(new Dictionary<string, string?> { ["OPENROUTER_BASE_URL"] = sim.BaseUrl.ToString(), ["RELAY_MAX_STREAMS"] = "100000", ["RELAY_RATE_LIMIT"] = "0" }, cancellationToken: ct);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { Timeout = Timeout.InfiniteTimeSpan };
        var url = new Uri(edge.Url, "v1/chat/stream");

        sim.DefaultKnobs = "tokens=150;comments=0";

        // Warm up (JIT, connection pool, thread pool) so the first level is not charged for it.
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => StreamProbe.RunAsync(http, url, Question, "delta", ct)));
        int[] levels = quick ? [50, 100] : [100, 150, 200, 300, 400, 600, 800, 1000, 1500, 2000];
        var (xs, ys) = (new List<double>(), new List<double>());
        var best = 0;
        foreach (var n in levels)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var memory = GC.GetTotalMemory(forceFullCollection: true);
            // Arrivals spread over one second (as real users arrive), then all n streams run together for seconds.
            var results = await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1000.0 * i / n), ct);
                return await StreamProbe.RunAsync(http, url, Question, "delta", ct);
            }));
            process.Refresh();
            var gaps = results.SelectMany(r => r.GapsMs).ToList();
            var p99 = Percentiles.Of(gaps, 99);
            var cpuPerStream = (process.TotalProcessorTime - cpu).TotalMilliseconds / n;
            Console.WriteLine($"  {n} streams at 20 ms: gap {Percentiles.Describe(gaps, "ms")}, CPU {cpuPerStream:0.0} ms per 150-token stream (simulator, edge and client together), heap growth {(GC.GetTotalMemory(false) - memory) / 1024.0 / n:0.0} KB per stream");
            xs.Add(n);
            ys.Add(p99);
            if (p99 < 40 && results.All(r => r.GapsMs.Count == 149))
            {
                best = n;
                report.Add($"CPU per 150-token stream at {n} concurrent (simulator, edge and load generator)", cpuPerStream, "ms");
            }
            else
            {
                break;
            }
        }

        plots.Curve("concurrency", "Inter-chunk gap p99 against concurrent streams (20 ms pacing, one edge)", "concurrent streams", "gap p99 (ms)", xs, ys, 40);
        report.AddAtLeast("concurrent streams with gap p99 under 40 ms at 20 ms pacing", best, "streams", quick ? 50 : 1000);

        // Held streams: 5 tokens at 1 token a second each, all open at once. Each holds four sockets in this
        // process (client, edge in and out, simulator), so the open-file limit must allow it (ulimit -n).
        var held = quick ? 200 : 5000;
        var files = OpenFileLimit();
        if (held * 4 + 1000 > files)
        {
            report.Note($"Open-file limit {files} allows only {(files - 1000) / 4} held streams here (run under `ulimit -n 65536`).");
            held = (int)((files - 1000) / 4);
        }

        sim.DefaultKnobs = "tokens=5;interval=1s;comments=0";
        var heldResults = await Task.WhenAll(Enumerable.Range(0, held).Select(_ => StreamProbe.RunAsync(http, url, Question, "delta", ct)));
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
