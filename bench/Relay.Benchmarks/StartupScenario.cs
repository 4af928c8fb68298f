using System.Diagnostics;
using Relay.Edge;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// CLI start-up as a user meets it: the tool as README installs it (<see cref="InstalledTool"/>, the native package; a
/// quick run uses the build output instead), a new <c>relay ask</c> process each time (the file
/// cache warm), from process start to the first byte of the answer on its stdout, median of the runs. Against an edge (<c>--edge</c>), the figure is that
/// minus the same edge's first token to a warm client; in-process (no key, no edge), minus the built-in simulator's own
/// time to first token.
/// </summary>
internal static class StartupScenario
{
    private const string Question = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Write a haiku\"}]}";

    public static async Task RunAsync(Report report, string root, bool quick, CancellationToken ct)
    {
        var runs = quick ? 3 : 20;
        var home = Directory.CreateTempSubdirectory("relay-bench-home-").FullName;
        try
        {
            (string Exe, string[] Prefix)? installed = quick ? null : await InstalledTool.GetAsync(root, ct);
            if ((installed ?? ResumeCancelScenario.RelayExecutable()) is not { } relay)
            {
                report.Note("relay is not built beside src/Relay.Cli: the start-up figures were skipped.");
                return;
            }

            // The same 300 ms first token the built-in simulator answers with, behind an edge in this process.
            var upstreamFirstToken = new SimulatorOptions().TimeToFirstToken;
            await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = upstreamFirstToken }, ct);
            await using var edge = await EdgeHost.StartAsync(new Dictionary<string, string?> { ["OPENROUTER_BASE_URL"] = sim.BaseUrl.ToString(), ["RELAY_RATE_LIMIT"] = "0" }, cancellationToken: ct);
            sim.DefaultKnobs = "tokens=20;comments=0";

            using var http = new HttpClient();
            var warm = new List<double>();
            var cold = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                // Interleaved, so a drifting machine moves both.
                warm.Add((await StreamProbe.RunAsync(http, new Uri(edge.Url, "v1/chat/stream"), Question, "delta", ct)).FirstTokenMs);
                cold.Add(await FirstByteMsAsync(relay, home, ["ask", "--edge", edge.Url.ToString(), "Write a haiku"], ct));
            }

            var inProcess = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                inProcess.Add(await FirstByteMsAsync(relay, home, ["ask", "Write a haiku"], ct));
            }

            Console.WriteLine($"CLI start-up, a new relay process per run ({(installed is null ? "the build output" : "the installed tool")}), median of {runs} (the file cache warm):");
            var warmMs = Percentiles.Of(warm, 50);
            report.Add("first token, warm client through the edge (upstream at 300 ms)", warmMs, "ms");
            report.Add("first token, cold relay ask --edge", Percentiles.Of(cold, 50), "ms");
            report.Add("start-up added by a cold relay ask --edge (over a warm client)", Percentiles.Of(cold, 50) - warmMs, "ms", 150);
            report.Add("first token, cold relay ask in-process (no key, no edge)", Percentiles.Of(inProcess, 50), "ms");
            report.Add("start-up added by a cold in-process relay ask (over the simulator's 300 ms)", Percentiles.Of(inProcess, 50) - upstreamFirstToken.TotalMilliseconds, "ms", 400);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>Starts relay with no key and no Relay settings, and times process start to its first byte on stdout.</summary>
    private static async Task<double> FirstByteMsAsync((string Exe, string[] Prefix) relay, string home, string[] arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(relay.Exe, [.. relay.Prefix, .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Clear();
        foreach (var (name, value) in CleanEnvironment.For(new Dictionary<string, string?> { ["RELAY_HOME"] = home }))
        {
            start.Environment[name] = value;
        }

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var first = new byte[1];
        var read = await process.StandardOutput.BaseStream.ReadAsync(first, ct);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (read == 0 || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"relay {string.Join(' ', arguments)} exited {process.ExitCode} without an answer: {await stderr}");
        }

        return elapsed;
    }
}
