using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Relay.Testing;

namespace Relay.Edge.Tests;

public sealed class OperationsTests
{
    private const string CanaryKey = "sk-or-v1-CANARYKEY0123456789";
    private const string CanaryToken = "tok-CANARY-987654321";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_response_names_the_instance_that_served_it()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_INSTANCE_ID"] = "edge-7" }, cancellationToken: Ct);
        using var http = servers.CreateClient();
        foreach (var path in new[] { "health", "health/ready", "v1/models", "v1/chat/stream/unknown", "no/such/route" })
        {
            using var response = await http.GetAsync(path, Ct);
            Assert.Equal("edge-7", response.Headers.GetValues("X-Relay-Instance").Single());
        }

        // Without a setting each instance picks a distinct id of its own.
        await using var other = await RelayServers.StartAsync(cancellationToken: Ct);
        using var otherHttp = other.CreateClient();
        using var a = await otherHttp.GetAsync("health", Ct);
        Assert.Matches("^[a-z0-9._-]+-[0-9a-f]{6}$", a.Headers.GetValues("X-Relay-Instance").Single());
    }

    [Fact]
    public async Task Metrics_are_served_in_prometheus_text()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=5";
        using var http = servers.CreateClient();
        using (var stream = await http.SendAsync(Sse.Post(streamId: "metrics-one"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            await Sse.ReadAllAsync(stream, Ct);
        }

        using (var resumed = await http.SendAsync(Sse.Resume("metrics-one", "metrics-one:2"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            await Sse.ReadAllAsync(resumed, Ct);
        }

        var metrics = await http.GetStringAsync("metrics", Ct);
        Assert.Contains("relay_streams_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("outcome=\"done\"", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_stream_first_token_milliseconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_stream_inter_chunk_milliseconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_resumes_total", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_bytes_out_bytes_total", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_streams_active", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_and_tokens_appear_in_no_log_response_header_or_metric()
    {
        CleanEnvironment.Apply();
        await using var sim = await Relay.Simulator.SimulatorHost.StartAsync(new Relay.Simulator.SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero }, Ct);
        var logs = new StringBuilder();
        await using var edge = await EdgeHost.StartAsync(
            new Dictionary<string, string?> { ["OPENROUTER_BASE_URL"] = sim.BaseUrl.ToString(), ["OPENROUTER_API_KEY"] = CanaryKey, ["RELAY_TOKENS"] = CanaryToken },
            logging: l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(new StringLoggerProvider(logs)),
            cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = edge.Url };
        http.DefaultRequestHeaders.Authorization = new("Bearer", CanaryToken);
        var seen = new StringBuilder();
        foreach (var knobs in new[] { "tokens=5", "status=401", "tokens=5;error=midstream-a@2" })
        {
            sim.DefaultKnobs = knobs;
            using var response = await http.SendAsync(Sse.Post(), Ct);
            seen.Append(response.Headers).Append(response.Content.Headers).Append(await response.Content.ReadAsStringAsync(Ct));
        }

        using var wrong = new HttpClient { BaseAddress = edge.Url };
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", CanaryToken + "x");
        using (var refused = await wrong.SendAsync(Sse.Post(), Ct))
        {
            seen.Append(refused.Headers).Append(await refused.Content.ReadAsStringAsync(Ct));
        }

        seen.Append(await http.GetStringAsync("metrics", Ct));
        seen.Append(await http.GetStringAsync("v1/models", Ct));
        var everything = seen.ToString() + logs;
        Assert.Contains("UPSTREAM_AUTH_FAILED", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(CanaryKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(CanaryToken, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ten_thousand_mutated_requests_get_no_5xx_and_leave_the_edge_healthy()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_RATE_LIMIT"] = "0" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=1";
        using var http = servers.CreateClient();
        var seeds = new[]
        {
            """{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"temperature":0.5,"stream_id":"abcdefgh12"}""",
            """{"messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"hi"}]}],"stream":true,"stream_options":{"include_usage":true}}""",
        };
        var random = new Random(7);
        var reachedValidation = 0;
        var statuses = new Dictionary<int, int>();
        string? failed = null;
        await Parallel.ForAsync(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
        {
            string body;
            int r;
            lock (random)
            {
                body = Mutate(seeds[random.Next(seeds.Length)], random);
                r = random.Next(4);
            }

            var path = r switch { 0 => "v1/chat/stream", 1 => "v1/chat", 2 => "v1/chat/completions", _ => "v1/chat/stream" };
            using var content = new StringContent(body, Encoding.UTF8, r == 3 && i % 7 == 0 ? "text/plain" : "application/json");
            using var response = await http.PostAsync(path, content, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            lock (statuses)
            {
                statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                failed ??= (int)response.StatusCode >= 500 ? $"{(int)response.StatusCode} for POST {path} {body}" : null;
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict || (response.StatusCode == HttpStatusCode.BadRequest && !text.Contains("Invalid JSON", StringComparison.Ordinal)))
                {
                    reachedValidation++;
                }
            }
        });

        Assert.True(failed is null, failed);
        Assert.True(reachedValidation >= 3_000, $"only {reachedValidation} of 10,000 got past JSON parsing");
        using var ready = await http.GetAsync("health/ready", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    /// <summary>
    /// Half the time one scalar value is replaced by a hostile one (the JSON stays well formed, so validation
    /// is exercised); otherwise one or two characters are dropped, doubled or changed (the parser is).
    /// </summary>
    private static string Mutate(string seed, Random random)
    {
        var hostile = new[] { "null", "-1", "0", "1e309", "\"\"", "[]", "{}", "true", "\"\\u0000\"", "99999999999", "\"x\"", "[1,2]", "\"wizard\"", "3.5", "\"tool\"" };
        var s = new StringBuilder(seed);
        if (random.Next(2) == 0)
        {
            var scalars = System.Text.RegularExpressions.Regex.Matches(seed, @":(""[^""]*""|-?[0-9.]+|true|false|null)(?=[,}\]])");
            var m = scalars[random.Next(scalars.Count)];
            s.Remove(m.Index + 1, m.Length - 1).Insert(m.Index + 1, hostile[random.Next(hostile.Length)]);
            return s.ToString();
        }

        for (var e = random.Next(1, 3); e > 0 && s.Length > 0; e--)
        {
            var at = random.Next(s.Length);
            switch (random.Next(3))
            {
                case 0: s.Remove(at, 1); break;
                case 1: s.Insert(at, s[at]); break;
                default: s[at] = (char)random.Next(32, 127); break;
            }
        }

        return s.ToString();
    }

    private sealed class StringLoggerProvider(StringBuilder sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new SinkLogger(sink);

        public void Dispose()
        {
        }

        private sealed class SinkLogger(StringBuilder sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (sink)
                {
                    sink.AppendLine(formatter(state, exception)).AppendLine(exception?.ToString());
                }
            }
        }
    }
}
