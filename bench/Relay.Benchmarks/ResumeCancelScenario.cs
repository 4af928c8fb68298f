using System.Diagnostics;
using Relay.Client;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// Resume: from the moment the client sees its connection cut to the first new event, minus the backoff wait it
/// was told. Cancel: from DELETE, and from SIGINT to a <c>relay ask</c> process, to the simulator noticing the abort.
/// </summary>
internal static class ResumeCancelScenario
{
    private static readonly ChatRequest Story = new() { Messages = [ChatMessage.User("Tell me a story")] };

    public static async Task RunAsync(Report report, bool quick, CancellationToken ct)
    {
        await using var servers = await RelayServers.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.FromMilliseconds(2) }, new Dictionary<string, string?> { ["RELAY_RATE_LIMIT"] = "0" }, cancellationToken: ct);
        await ResumeAsync(report, quick, servers, ct);
        await CancelAsync(report, quick, servers, ct);
    }

    private static async Task ResumeAsync(Report report, bool quick, RelayServers servers, CancellationToken ct)
    {
        servers.Simulator.DefaultKnobs = "tokens=200";
        await using var proxy = new FaultProxy(servers.Edge.Url);
        using var http = new HttpClient { BaseAddress = proxy.Url };
        http.DefaultRequestHeaders.ConnectionClose = true;
        var client = new EdgeClient(http);
        var overheads = new List<double>();
        var random = new Random(7);
        for (var i = 0; i < (quick ? 5 : 50); i++)
        {
            proxy.Next(FaultBehavior.ResetAfter(random.Next(2_000, 8_000)));
            long? cut = null;
            double waited = 0;
            var measured = false;
            await foreach (var e in client.StreamChatAsync(Story, ct))
            {
                if (e is ReconnectingEvent r && cut is null)
                {
                    cut = Stopwatch.GetTimestamp();
                    waited = r.DelayMs;
                }
                else if (cut is { } at && e is DeltaEvent && !measured)
                {
                    overheads.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds - waited);
                    measured = true;
                }
            }
        }

        report.Add("resume: cut seen to first new event, minus the backoff wait, p50", Percentiles.Of(overheads, 50), "ms");
        report.Add("resume: same, p99", Percentiles.Of(overheads, 99), "ms");
    }

    private static async Task CancelAsync(Report report, bool quick, RelayServers servers, CancellationToken ct)
    {
        using var http = servers.CreateClient();
        var client = new EdgeClient(http);
        var latencies = new List<double>();
        for (var i = 0; i < (quick ? 3 : 30); i++)
        {
            var gate = $"cancel-{i}";
            servers.Simulator.DefaultKnobs = $"tokens=100;gate={gate}@5";
            var id = StreamIds.New();
            await using var stream = client.StreamChatAsync(Story with { StreamId = id }, ct).GetAsyncEnumerator(ct);
            await stream.MoveNextAsync();
            await servers.Simulator.Gates.WaitReachedAsync(gate, ct);
            var aborts = servers.Simulator.GetStats().Aborts.Count;
            var start = Stopwatch.GetTimestamp();
            await client.CancelAsync(id, ct);
            await servers.Simulator.WaitForAbortsAsync(aborts + 1, ct);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            servers.Simulator.Gates.Release(gate);
        }

        report.Add("cancel: DELETE to upstream abort, p50", Percentiles.Of(latencies, 50), "ms", 50);
        report.Add("cancel: DELETE to upstream abort, max", latencies.Max(), "ms", 50);

        // Ctrl+C: SIGINT to a separate `relay ask` process (the time includes starting `kill`).
        var relay = RelayExecutable();
        if (relay is null)
        {
            report.Note("relay is not built beside src/Relay.Cli: the Ctrl+C figure was skipped.");
            return;
        }

        var interrupts = new List<double>();
        for (var i = 0; i < (quick ? 2 : 10); i++)
        {
            var gate = $"sigint-{i}";
            servers.Simulator.DefaultKnobs = $"tokens=100;gate={gate}@5";
            var aborts = servers.Simulator.GetStats().Aborts.Count;
            using var process = Process.Start(new ProcessStartInfo(relay.Value.Exe, [.. relay.Value.Prefix, "ask", "--edge", servers.Edge.Url.ToString(), "Tell me a story"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            })!;
            process.StandardInput.Close();
            _ = process.StandardOutput.ReadToEndAsync(ct);
            _ = process.StandardError.ReadToEndAsync(ct);
            await servers.Simulator.Gates.WaitReachedAsync(gate, ct);
            var start = Stopwatch.GetTimestamp();
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(ct);
            }

            await servers.Simulator.WaitForAbortsAsync(aborts + 1, ct);
            interrupts.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            await process.WaitForExitAsync(ct);
            servers.Simulator.Gates.Release(gate);
        }

        report.Add("cancel: Ctrl+C (SIGINT to relay) to upstream abort, p50", Percentiles.Of(interrupts, 50), "ms", 50);
        report.Add("cancel: Ctrl+C to upstream abort, max", interrupts.Max(), "ms", 50);
    }

    /// <summary>The built relay executable beside src/Relay.Cli, or null.</summary>
    internal static (string Exe, string[] Prefix)? RelayExecutable()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Relay.slnx")))
        {
            root = root.Parent;
        }

        foreach (var configuration in new[] { "Release", "Debug" })
        {
            var dir = Path.Combine(root?.FullName ?? ".", "src", "Relay.Cli", "bin", configuration, "net10.0");
            if (File.Exists(Path.Combine(dir, "relay")))
            {
                return (Path.Combine(dir, "relay"), []);
            }
        }

        return null;
    }
}
