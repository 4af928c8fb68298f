using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Relay.Contracts;
using Relay.Edge.Streams;
using Relay.Testing;

namespace Relay.Edge.Tests;

public sealed class AuthAndHostingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    public async Task The_edge_process_completes_socket_work_on_the_socket_threads_unless_the_operator_says_0(string? setting)
    {
        var settings = setting is null ? [] : new Dictionary<string, string?> { [SocketCompletions.Variable] = setting };
        await using var edge = await EdgeProcess.StartAsync(settings, cancellationToken: Ct);

        // The runtime's rule: one socket thread per core when completions run inline, else one for up to 45 cores.
        var socketThreads = Directory.GetDirectories($"/proc/{edge.ProcessId}/task")
            .Count(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == ".NET Sockets");
        Assert.Equal(setting is null ? Environment.ProcessorCount : 1, socketThreads);
    }

    [Fact]
    public async Task With_tokens_every_v1_route_needs_one_and_streams_belong_to_their_token()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_TOKENS"] = "alpha, beta" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=3";
        using var anonymous = servers.CreateClient();
        using var wrong = servers.CreateClient("gamma");
        using var alpha = servers.CreateClient("alpha");
        using var beta = servers.CreateClient("beta");

        using (var missing = await anonymous.SendAsync(Sse.Post(), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Contains("UNAUTHORIZED", await missing.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var bad = await wrong.SendAsync(Sse.Post(), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        }

        using (var ok = await alpha.SendAsync(Sse.Post(streamId: "owned-by-alpha"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            await Sse.ReadAllAsync(ok, Ct);
        }

        using (var other = await beta.SendAsync(Sse.Resume("owned-by-alpha", null), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }

        using (var otherDelete = await beta.DeleteAsync("v1/chat/stream/owned-by-alpha", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, otherDelete.StatusCode);
        }

        using (var conflict = await beta.SendAsync(Sse.Post(streamId: "owned-by-alpha"), Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        }

        using (var mine = await alpha.SendAsync(Sse.Resume("owned-by-alpha", null), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        }

        using var health = await anonymous.GetAsync("health", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Without_tokens_any_bearer_token_is_accepted()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=1";
        using var client = servers.CreateClient("sk-whatever");
        using var response = await client.SendAsync(Sse.Post(), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_finished_stream_is_freed_after_the_grace_period_on_the_edges_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var servers = await RelayServers.StartAsync(edgeServices: s => s.AddSingleton<TimeProvider>(time), cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=2";
        var manager = servers.Edge.Services.GetRequiredService<StreamManager>();
        var graceStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        manager.GraceStarted += id =>
        {
            if (id == "expires-1x")
            {
                graceStarted.TrySetResult();
            }
        };
        using var http = servers.CreateClient();
        using (var response = await http.SendAsync(Sse.Post(streamId: "expires-1x"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            await Sse.ReadAllAsync(response, Ct);
        }

        await graceStarted.Task.WaitAsync(Ct);
        time.Advance(TimeSpan.FromSeconds(29));
        using (var still = await http.SendAsync(Sse.Resume("expires-1x", null), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
            await Sse.ReadAllAsync(still, Ct);
        }

        time.Advance(TimeSpan.FromSeconds(31));
        using var gone = await http.SendAsync(Sse.Resume("expires-1x", null), Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_generation_past_the_maximum_time_ends_with_UPSTREAM_TIMEOUT_and_cancels_the_upstream()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var servers = await RelayServers.StartAsync(edgeServices: s => s.AddSingleton<TimeProvider>(time), cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=100;stall=2";
        using var http = servers.CreateClient();
        using var response = await http.SendAsync(Sse.Post(), HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var events = Relay.Contracts.Sse.SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(Ct), cancellationToken: Ct).GetAsyncEnumerator(Ct);
        var deltas = 0;
        while (deltas < 2 && await events.MoveNextAsync())
        {
            deltas += events.Current.EventType == "delta" ? 1 : 0;
        }

        time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("usage", events.Current.EventType); // the two tokens were spent: counted by the edge
        Assert.Contains("\"estimated\":true", events.Current.Data, StringComparison.Ordinal);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("error", events.Current.EventType);
        Assert.Contains("UPSTREAM_TIMEOUT", events.Current.Data, StringComparison.Ordinal);
        await servers.Simulator.WaitForAbortsAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(2), Ct);
    }

    [Fact]
    public async Task A_quiet_stream_gets_a_ping_comment()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["Relay:PingInterval"] = "00:00:00.050" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=10;stall=1";
        using var http = new HttpClient(new SocketsHttpHandler { ResponseDrainTimeout = TimeSpan.Zero }) { BaseAddress = servers.Edge.Url };
        using var response = await http.SendAsync(Sse.Post(), HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        string? line;
        while ((line = await reader.ReadLineAsync(Ct)) is not null && line != ": ping")
        {
        }

        Assert.Equal(": ping", line);
    }

    [Fact]
    public async Task On_shutdown_open_streams_end_with_STREAM_INTERRUPTED_so_clients_go_elsewhere()
    {
        var servers = await RelayServers.StartAsync(edgeServices: s => s.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1)), cancellationToken: Ct);
        await using var simulator = servers.Simulator;
        servers.Simulator.DefaultKnobs = "tokens=10;stall=1";
        using var http = servers.CreateClient();
        using var response = await http.SendAsync(Sse.Post(), HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var events = Relay.Contracts.Sse.SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(Ct), cancellationToken: Ct).GetAsyncEnumerator(Ct);
        while (await events.MoveNextAsync() && events.Current.EventType != "delta")
        {
        }

        var stopping = servers.Edge.DisposeAsync().AsTask();
        var last = events.Current;
        while (await events.MoveNextAsync())
        {
            last = events.Current;
        }

        Assert.Equal("error", last.EventType);
        Assert.Contains("STREAM_INTERRUPTED", last.Data, StringComparison.Ordinal);
        Assert.Contains("\"retryable\":true", last.Data, StringComparison.Ordinal);
        await stopping;
    }

    [Theory]
    [InlineData("RELAY_RESUME_GRACE", "soon")]
    [InlineData("RELAY_MAX_STREAMS", "-3")]
    [InlineData("OPENROUTER_BASE_URL", "ftp://nope")]
    public async Task Invalid_configuration_fails_at_start_naming_the_setting(string name, string value)
    {
        CleanEnvironment.Apply();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => EdgeHost.StartAsync(new Dictionary<string, string?> { [name] = value }, cancellationToken: Ct));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_no_key_and_no_base_url_the_embedded_simulator_answers_and_is_ready()
    {
        CleanEnvironment.Apply();
        var logs = new List<string>();
        await using var edge = await EdgeHost.StartAsync(
            new Dictionary<string, string?> { ["RELAY_DEFAULT_MODEL"] = "anthropic/claude-sonnet-4" },
            logging: l => l.AddProvider(new ListLoggerProvider(logs)),
            cancellationToken: Ct);
        Assert.Contains("built-in simulator", logs[0], StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = edge.Url };
        using var ready = await http.GetAsync("health/ready", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var response = await http.SendAsync(Sse.Post(maxTokens: 3), HttpCompletionOption.ResponseHeadersRead, Ct);
        var events = await Sse.ReadAllAsync(response, Ct);
        Assert.Equal("anthropic/claude-sonnet-4", Assert.IsType<StartEvent>(events[0]).Model);
        Assert.IsType<DoneEvent>(events[^1]);
    }

    [Fact]
    public async Task Readiness_fails_when_the_upstream_refuses_the_key()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = null;
        using var http = servers.CreateClient();
        using var ready = await http.GetAsync("health/ready", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        await using var dead = await EdgeHost.StartAsync(new Dictionary<string, string?> { ["OPENROUTER_BASE_URL"] = "http://127.0.0.1:9/api/v1" }, cancellationToken: Ct);
        using var deadHttp = new HttpClient { BaseAddress = dead.Url };
        using var notReady = await deadHttp.GetAsync("health/ready", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
    }

    [Fact]
    public async Task More_generations_than_RELAY_MAX_STREAMS_get_503_OVERLOADED_with_Retry_After()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_MAX_STREAMS"] = "1" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=5;gate=hold-max@2";
        using var http = servers.CreateClient();
        using var first = await http.SendAsync(Sse.Post(), HttpCompletionOption.ResponseHeadersRead, Ct);
        using var second = await http.SendAsync(Sse.Post("another"), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
        Assert.Contains("OVERLOADED", await second.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        servers.Simulator.Gates.Release("hold-max");
        await Sse.ReadAllAsync(first, Ct);
    }

    [Fact]
    public async Task A_stream_that_outgrows_its_bound_ends_with_STREAM_TOO_LARGE()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["Relay:MaxStreamBytes"] = "65536" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=20000";
        using var http = servers.CreateClient();
        using var response = await http.SendAsync(Sse.Post(), HttpCompletionOption.ResponseHeadersRead, Ct);
        var events = await Sse.ReadAllAsync(response, Ct);
        Assert.Equal(StreamErrorCode.StreamTooLarge, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
    }

    [Fact]
    public void A_thousand_token_answer_is_held_in_under_50_KB()
    {
        var buffer = new StreamBuffer(4 * 1024 * 1024);
        buffer.Append(new StartEvent("abcdefghijklmnopqrstu", "openai/gpt-4o-mini", "OpenAI"));
        foreach (var token in Relay.Simulator.SimulatedAnswer.For("openai/gpt-4o-mini", [ChatMessage.User("x")], tokens: 1000).Tokens)
        {
            buffer.Append(new DeltaEvent(token));
        }

        buffer.Append(new DoneEvent("stop"));
        Assert.InRange(buffer.HeldBytes, 1, 50 * 1024);
    }

    private sealed class ListLoggerProvider(List<string> lines) : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines)
                {
                    lines.Add(formatter(state, exception));
                }
            }
        }
    }
}
