using System.Diagnostics;
using System.Globalization;
using Relay.Contracts;
using Relay.Edge;
using Relay.Edge.Streams;
using Relay.Simulator;

namespace Relay.Benchmarks;

/// <summary>
/// What one 10,000-token stream costs: the bytes the edge's buffer holds, the edge's managed heap and working set
/// after a warm-up stream, and the CLI's working set (a separate relay process) against the 10 MB budget and our
/// 2 MB goal.
/// </summary>
internal static class MemoryScenario
{
    private const string Question = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

    public static async Task RunAsync(Report report, string root, bool quick, CancellationToken ct)
    {
        var tokens = quick ? 1_000 : 10_000;
        Held(report, 1_000, 50);
        Held(report, 10_000, 2);

        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero }, ct);
        await using var edge = await EdgeHost.StartAsync(new Dictionary<string, string?> { ["OPENROUTER_BASE_URL"] = sim.BaseUrl.ToString(), ["RELAY_RATE_LIMIT"] = "0" }, cancellationToken: ct);
        using var http = new HttpClient();
        var url = new Uri(edge.Url, "v1/chat/stream");

        // The edge: heap and working set in this process around one stream, after a warm-up one (the stream stays held for its grace period).
        // Each stream stays held (grace period), so five in a row show the cost of one: the median of their growths.
        sim.DefaultKnobs = $"tokens={tokens};comments=0";
        await StreamProbe.RunAsync(http, url, Question, "delta", ct);
        var process = Process.GetCurrentProcess();
        var (heaps, sets) = (new List<double>(), new List<double>());
        for (var i = 0; i < 5; i++)
        {
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            process.Refresh();
            var workingSet = process.WorkingSet64;
            await StreamProbe.RunAsync(http, url, Question, "delta", ct);
            heaps.Add((GC.GetTotalMemory(forceFullCollection: true) - heap) / 1024.0 / 1024.0);
            process.Refresh();
            sets.Add((process.WorkingSet64 - workingSet) / 1024.0 / 1024.0);
        }

        report.Add($"edge managed heap growth per {tokens:N0}-token stream held (median of 5)", Percentiles.Of(heaps, 50), "MB", 2, "<= 2 MB goal (10 MB promised)");
        report.Add($"edge process working-set growth per {tokens:N0}-token stream (median of 5)", Percentiles.Of(sets, 50), "MB", 10, "<= 10 MB promised");

        await CliAsync(report, root, edge.Url, sim, tokens, quick, ct);
    }

    private static void Held(Report report, int tokens, double limitUnits)
    {
        var buffer = new StreamBuffer(16 * 1024 * 1024);
        buffer.Append(new StartEvent(StreamIds.New(), "openai/gpt-4o-mini", "OpenAI"));
        foreach (var token in SimulatedAnswer.For("openai/gpt-4o-mini", [ChatMessage.User("x")], tokens: tokens).Tokens)
        {
            buffer.Append(new DeltaEvent(token));
        }

        buffer.Append(new UsageEvent(new Usage { PromptTokens = 5, CompletionTokens = tokens, TotalTokens = tokens + 5 }));
        buffer.Append(new DoneEvent("stop"));
        if (tokens < 10_000)
        {
            report.Add($"bytes held for a {tokens:N0}-token stream", buffer.HeldBytes / 1024.0, "KB", limitUnits);
        }
        else
        {
            report.Add($"bytes held for a {tokens:N0}-token stream", buffer.HeldBytes / 1024.0 / 1024.0, "MB", limitUnits, "<= 2 MB goal (10 MB promised)");
        }
    }

    /// <summary>
    /// The CLI as its own process (relay chat, prompts piped in; the installed tool, the build output in a quick run):
    /// resident memory after two short answers, then its peak (VmHWM) over a long, unpaced answer, what the growth is made
    /// of, and the peak over a second long answer (what the first paid once is not paid again). Its managed heap is not
    /// visible from outside, so only the working set is shown.
    /// </summary>
    private static async Task CliAsync(Report report, string root, Uri edgeUrl, SimulatorHost sim, int tokens, bool quick, CancellationToken ct)
    {
        var relay = quick ? ResumeCancelScenario.RelayExecutable() : await InstalledTool.GetAsync(root, ct);
        if (relay is null)
        {
            report.Note("relay is not built: the CLI memory figure was skipped.");
            return;
        }

        sim.DefaultKnobs = "tokens=200;comments=0";

        // As a user runs it, conversation log included, but in a folder of its own (never the machine's own log).
        var home = Directory.CreateTempSubdirectory("relay-bench-home-").FullName;
        var start = new ProcessStartInfo(relay.Value.Exe, [.. relay.Value.Prefix, "chat", "--edge", edgeUrl.ToString()])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["RELAY_HOME"] = home;
        if (Environment.GetEnvironmentVariable("RELAY_BENCH_CLI_LOG") is { } log)
        {
            start.Environment["RELAY_LOG"] = log;
        }

        using var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync(ct);
        var answers = System.Threading.Channels.Channel.CreateUnbounded<string>();
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(ct) is { } line)
            {
                if (line.Contains(" out tokens", StringComparison.Ordinal))
                {
                    await answers.Writer.WriteAsync(line, ct);
                }
            }
        }, ct);

        // Two short answers first: the CLI reads a question only once the last answer is written to the log, so after the
        // second one the log's first write (SQLite's code and page cache) is behind us and not counted as the long answer's.
        foreach (var warmUp in new[] { "Warm up", "Warm up again" })
        {
            await process.StandardInput.WriteLineAsync(warmUp);
            await process.StandardInput.FlushAsync(ct);
            await answers.Reader.ReadAsync(ct);
        }

        var before = Status(process.Id, "VmRSS");
        var (anonBefore, fileBefore) = (Status(process.Id, "RssAnon"), Status(process.Id, "RssFile"));
        sim.DefaultKnobs = $"tokens={tokens};comments=0";
        await process.StandardInput.WriteLineAsync("Now a long one");
        await process.StandardInput.FlushAsync(ct);
        await answers.Reader.ReadAsync(ct);
        var peak = Status(process.Id, "VmHWM");
        var (anonAfter, fileAfter) = (Status(process.Id, "RssAnon"), Status(process.Id, "RssFile"));

        // The next long answer on its own: writing 5 to clear_refs resets the peak (VmHWM) to the current working set.
        await File.WriteAllTextAsync($"/proc/{process.Id}/clear_refs", "5", ct);
        var beforeNext = Status(process.Id, "VmRSS");
        await process.StandardInput.WriteLineAsync("Another long one");
        await process.StandardInput.FlushAsync(ct);
        await answers.Reader.ReadAsync(ct);
        var peakNext = Status(process.Id, "VmHWM");
        process.StandardInput.Close();
        await process.WaitForExitAsync(ct);
        Directory.Delete(home, recursive: true);
        report.Add($"CLI peak working-set growth over a {tokens:N0}-token answer (relay process)", (peak - before) / 1024.0, "MB", 2, "<= 2 MB goal (10 MB promised)");

        // What the growth is made of, once the answer is shown: anonymous memory (the heap, SQLite's cache) and pages of the
        // executable's own code that this answer ran for the first time (clean, shared with the file, dropped under pressure).
        report.Add($"of which anonymous memory, after the {tokens:N0}-token answer", (anonAfter - anonBefore) / 1024.0, "MB");
        report.Add($"of which the executable's code paged in, after the {tokens:N0}-token answer", (fileAfter - fileBefore) / 1024.0, "MB");
        report.Add($"CLI peak working-set growth over the next {tokens:N0}-token answer", (peakNext - beforeNext) / 1024.0, "MB");
    }

    private static long Status(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture); // kB
    }
}
