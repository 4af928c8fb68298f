using System.Diagnostics;
using Relay.Simulator;

namespace Relay.Benchmarks;

/// <summary>The simulator alone: events a second unpaced, and 5,000 streams held at 1 token a second.</summary>
internal static class SimulatorScenario
{
    private const string Question = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true}";

    public static async Task RunAsync(Report report, bool quick, CancellationToken ct)
    {
        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero }, ct);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { Timeout = Timeout.InfiniteTimeSpan };
        var url = new Uri(sim.BaseUrl, "chat/completions");
        var streams = quick ? 20 : 200;
        var tokens = quick ? 200 : 2000;
        sim.DefaultKnobs = $"tokens={tokens};comments=0";
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => StreamProbe.RunAsync(http, url, Question, "message", ct)));
        report.AddAtLeast($"simulator events/s ({streams} unpaced streams, client in the same process)", streams * (double)tokens / sw.Elapsed.TotalSeconds, "events/s", 100_000);

        var held = quick ? 500 : 5000;
        sim.DefaultKnobs = "tokens=5;interval=1s;comments=0";
        var results = await Task.WhenAll(Enumerable.Range(0, held).Select(_ => StreamProbe.RunAsync(http, url, Question, "message", ct)));
        report.AddAtLeast("simulator streams held at 1 token/s, all served", results.Count(r => r.FirstTokenMs >= 0), "streams", held);
        report.Add($"simulator gap p99 over {held} held streams", Percentiles.Of(results.SelectMany(r => r.GapsMs).ToList(), 99), "ms", 2000);
    }
}
