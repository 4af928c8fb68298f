using System.Diagnostics;
using Relay.Benchmarks;
using Relay.Contracts;
using Relay.Edge.Streams;
using Relay.Simulator;
using Relay.Testing;

// Side-by-side figures on loopback against the simulator. Usage: [ttft|memory|simulator|all] [--quick]
var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var quick = args.Contains("--quick");
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(quick ? 2 : 15));
var ct = cts.Token;
Console.WriteLine($"Relay benchmarks on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}");

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
    Console.WriteLine($"memory held for a 1,000-token stream: {buffer.HeldBytes / 1024.0:0.0} KB (target 50 KB)");
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
    Console.WriteLine($"simulator throughput: {streams} concurrent unpaced streams x {tokens} tokens: {streams * (double)tokens / sw.Elapsed.TotalSeconds:0} events/s (client in the same process)");

    var held = quick ? 500 : 5000;
    sim.DefaultKnobs = "tokens=5;interval=1s;comments=0";
    using var heldHttp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue });
    sw.Restart();
    var results = await Task.WhenAll(Enumerable.Range(0, held).Select(_ => StreamProbe.RunAsync(heldHttp, new Uri(sim.BaseUrl, "chat/completions"), "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true}", "message", ct)));
    var gaps = results.SelectMany(r => r.GapsMs).ToList();
    Console.WriteLine($"simulator held streams: {held} concurrent at 1 token/s, all served: {results.All(r => r.FirstTokenMs >= 0)}, gap {Percentiles.Describe(gaps, "ms")}, wall {sw.Elapsed.TotalSeconds:0.0} s");
}
