using System.Diagnostics;
using Relay.Benchmarks;
using Relay.Contracts;
using Relay.Edge.Streams;
using Relay.Simulator;
using Relay.Testing;

// Side-by-side figures on loopback against the simulator. Usage: [ttft|memory|simulator|redis|all] [--quick]
var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var quick = args.Contains("--quick");
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(quick ? 2 : 15));
var ct = cts.Token;
Console.WriteLine($"Relay benchmarks on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}");
var report = new Report();

if (scenario is "ttft" or "all")
{
    // Interleaved, one stream at a time: straight to the simulator, then through the edge.
    await using var servers = await RelayServers.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.FromMilliseconds(1) }, cancellationToken: ct);
    using var http = new HttpClient();
    var tokens = quick ? 100 : 1000;
    servers.Simulator.DefaultKnobs = $"tokens={tokens}";
    const string Question = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something\"}]";
    var direct = new List<double>();
    var edge = new List<double>();
    var directGaps = new List<double>();
    var edgeGaps = new List<double>();
    var runs = quick ? 5 : 30;
    for (var i = 0; i < runs + 2; i++)
    {
        var d = await StreamProbe.RunAsync(http, new Uri(servers.Simulator.BaseUrl, "chat/completions"), Question + ",\"stream\":true}", "message", ct);
        var e = await StreamProbe.RunAsync(http, new Uri(servers.Edge.Url, "v1/chat/stream"), Question + "}", "delta", ct);
        if (i >= 2)
        {
            direct.Add(d.FirstTokenMs);
            edge.Add(e.FirstTokenMs);
            directGaps.AddRange(d.GapsMs);
            edgeGaps.AddRange(e.GapsMs);
        }
    }

    Console.WriteLine($"ttft, {tokens}-token streams, simulator ttft 0, interval 1 ms:");
    Console.WriteLine($"  direct to simulator: {Percentiles.Describe(direct, "ms")}");
    Console.WriteLine($"  through the edge:    {Percentiles.Describe(edge, "ms")}");
    Console.WriteLine($"  inter-chunk gap direct: {Percentiles.Describe(directGaps, "ms")}");
    Console.WriteLine($"  inter-chunk gap edge:   {Percentiles.Describe(edgeGaps, "ms")}");
    report.Add("first token, straight to the simulator, p50", Percentiles.Of(direct, 50), "ms");
    report.Add("first token through the edge, p50", Percentiles.Of(edge, 50), "ms", 500, "<= 500 ms end to end");
    report.Add("added first-token latency, p50", Percentiles.Of(edge, 50) - Percentiles.Of(direct, 50), "ms", null, "<= nginx's + 0.5 ms (nginx not measured yet)");
    report.Add("added first-token latency, p99", Percentiles.Of(edge, 99) - Percentiles.Of(direct, 99), "ms", null, "<= nginx's + 0.5 ms (nginx not measured yet)");
    report.Add("added inter-chunk gap, p99", Percentiles.Of(edgeGaps, 99) - Percentiles.Of(directGaps, 99), "ms", 0.1);
    report.Add("inter-chunk gap through the edge, p99.9", Percentiles.Of(edgeGaps, 99.9), "ms", 100);
}

if (scenario is "memory" or "all")
{
    var buffer = new StreamBuffer(4 * 1024 * 1024);
    buffer.Append(new StartEvent(StreamIds.New(), "openai/gpt-4o-mini", "OpenAI"));
    foreach (var token in SimulatedAnswer.For("openai/gpt-4o-mini", [ChatMessage.User("x")], tokens: 1000).Tokens)
    {
        buffer.Append(new DeltaEvent(token));
    }

    buffer.Append(new UsageEvent(new Usage { PromptTokens = 5, CompletionTokens = 1000, TotalTokens = 1005 }));
    buffer.Append(new DoneEvent("stop"));
    report.Add("bytes held for a 1,000-token stream", buffer.HeldBytes / 1024.0, "KB", 50);
    var big = new StreamBuffer(4 * 1024 * 1024);
    foreach (var token in SimulatedAnswer.For("openai/gpt-4o-mini", [ChatMessage.User("x")], tokens: 10_000).Tokens)
    {
        big.Append(new DeltaEvent(token));
    }

    report.Add("bytes held for a 10,000-token stream", big.HeldBytes / 1024.0 / 1024.0, "MB", 2, "<= 2 MB goal (10 MB promised)");
}

if (scenario is "simulator" or "all")
{
    await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero });
    using var http = new HttpClient();
    var streams = quick ? 20 : 200;
    var tokens = quick ? 200 : 2000;
    sim.DefaultKnobs = $"tokens={tokens};comments=0";
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => StreamProbe.RunAsync(http, new Uri(sim.BaseUrl, "chat/completions"), "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true}", "message", ct)));
    report.AddAtLeast($"simulator events/s ({streams} unpaced streams, client in the same process)", streams * (double)tokens / sw.Elapsed.TotalSeconds, "events/s", 100_000);

    var held = quick ? 500 : 5000;
    sim.DefaultKnobs = "tokens=5;interval=1s;comments=0";
    using var heldHttp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue });
    sw.Restart();
    var results = await Task.WhenAll(Enumerable.Range(0, held).Select(_ => StreamProbe.RunAsync(heldHttp, new Uri(sim.BaseUrl, "chat/completions"), "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true}", "message", ct)));
    var gaps = results.SelectMany(r => r.GapsMs).ToList();
    gaps.Sort();
    report.AddAtLeast($"simulator streams held at 1 token/s, all served", results.Count(r => r.FirstTokenMs >= 0), "streams", held);
    report.Add($"gap p99 over {held} held streams", Percentiles.Of(gaps, 99), "ms", 2000);
}

if (scenario is "redis" or "all")
{
    await RedisScenario.RunAsync(report, quick, ct);
}

report.Note("Not measured yet (issue 11): nginx side by side, /v1/chat/completions, concurrency at 20 ms pacing, resume and cancel latency, the CLI's memory, BenchmarkDotNet micro-benchmarks, plots.");
if (!quick && scenario == "all")
{
    report.Write(Path.Combine(FindRoot(), "docs", "performance.md"));
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Relay.slnx")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
