using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>The paths a new user takes, exactly as the README prints them: the default in-process chat, serve, signals, start-up errors.</summary>
public sealed class UserPathTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Default_chat_on_a_terminal_survives_Ctrl_C_and_answers_the_next_question()
    {
        using var _ = Scenario.Timed("user path: default relay chat, Ctrl+C, next answer");

        // No key and no --edge: the README's way, with the in-process edge and its simulator at their real pacing.
        const string Long = "Write a 600 word story";
        var first = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User(Long)]).Tokens;
        await using var relay = RelayProcess.Start(["chat"], terminal: true);
        await relay.WaitForStdoutAsync(s => s.Contains("> ", StringComparison.Ordinal), Scenario.Exit);
        await relay.TypeAsync(Long + "\r");
        await relay.WaitForStdoutAsync(s => s.Contains(first[0] + first[1] + first[2], StringComparison.Ordinal), Scenario.Exit);
        await relay.TypeAsync("\u0003");
        await relay.WaitForStdoutAsync(s => s.Contains("interrupted", StringComparison.Ordinal) && Scenario.Prompts(s) >= 2, Scenario.Exit);
        Assert.DoesNotContain(Scenario.Flat(string.Concat(first)), Scenario.Flat(RelayProcess.Visible(relay.Stdout)), StringComparison.Ordinal);

        // The next question is answered in full: the in-process edge did not take the Ctrl+C as a shutdown.
        const string Short = "Write a 12 word story";
        var history = new List<ChatMessage> { ChatMessage.User(Short) };
        await relay.TypeAsync(Short + "\r");
        await relay.WaitForStdoutAsync(s => s.Contains(" / 12 out tokens", StringComparison.Ordinal), Scenario.Exit);
        await relay.TypeAsync("/usage\r");
        await relay.WaitForStdoutAsync(s => Scenario.Prompts(s) >= 4, Scenario.Exit);
        await relay.TypeAsync("\u0004");
        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.DoesNotContain("OVERLOADED", relay.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("shutting down", relay.Stdout, StringComparison.Ordinal);
        var screen = Scenario.Flat(RelayProcess.Visible(relay.Stdout));
        Assert.Contains(Scenario.Flat(first[0] + first[1]), screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stray_appsettings_json_in_the_working_directory_is_not_read()
    {
        var dir = Directory.CreateTempSubdirectory("relay-cwd-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), """{"Relay":{"MaxStreamBytes":1},"Kestrel":{"Endpoints":{"x":{"Url":"http://127.0.0.1:1"}}}}""", Ct);
            await using var relay = RelayProcess.Start(["ask", "-q", "Write a 20 word story"], workingDirectory: dir);
            Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
            Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Write a 20 word story")]).Text + "\n", relay.Stdout);
            Assert.Equal("", relay.Stderr); // -q hides the simulator line too
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Serve_shuts_down_gracefully_on_a_signal_and_ends_open_streams_with_STREAM_INTERRUPTED(string signal)
    {
        var port = ExternalServers.FreePort();
        var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

        // The host's standard shutdown timeout setting, short so the test is quick.
        await using var relay = RelayProcess.Start(["serve", "--urls", url], new Dictionary<string, string?> { ["shutdownTimeoutSeconds"] = "3" });
        await relay.WaitForStderrAsync(s => s.Contains("edge listening", StringComparison.Ordinal), Scenario.Exit);
        Assert.Contains("answers come from the built-in simulator", relay.Stderr, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using (var page = await http.GetAsync("/", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode); // README: relay serve, then open the chat page
        }

        Assert.DoesNotContain("Request starting", relay.Stderr, StringComparison.Ordinal); // not a line per request (only with -v)

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/stream")
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"Write a 5000 word story"}]}""", Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        string? line;
        while ((line = await body.ReadLineAsync(Ct)) is not null && line != "event: delta")
        {
        }

        await relay.SignalAsync(signal);
        var rest = await body.ReadToEndAsync(Ct);
        Assert.Contains("event: error", rest, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"STREAM_INTERRUPTED\"", rest, StringComparison.Ordinal);
        Assert.Equal(0, await relay.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("HUP", 129)]
    public async Task SIGTERM_and_SIGHUP_end_ask_without_cancelling_the_stream_at_the_edge(string signal, int exitCode)
    {
        await using var chain = await Chain.StartAsync(cancellationToken: Ct);
        await chain.KnobsAsync($"tokens=60;gate={signal}@10");
        var home = new Dictionary<string, string?> { ["RELAY_HOME"] = Directory.CreateTempSubdirectory("relay-signal-").FullName };
        await using var relay = RelayProcess.Start(Scenario.Ask(chain, "Tell me about signals", "--json"), home);
        await chain.GateReachedAsync(signal);
        await relay.WaitForStdoutAsync(s => s.Contains("\"event\":\"delta\"", StringComparison.Ordinal), Scenario.Exit);

        await relay.SignalAsync(signal);
        Assert.Equal(exitCode, await relay.WaitForExitAsync(Scenario.Exit));

        // No DELETE was sent: the stream is still there to be reattached, and the upstream was not aborted.
        var start = JsonDocument.Parse(relay.Stdout.Split('\n')[0]).RootElement;
        var streamId = start.GetProperty("stream_id").GetString();
        await chain.ReleaseAsync(signal);
        using var http = new HttpClient { BaseAddress = chain.EdgeDirectUrl };
        var replay = await http.GetStringAsync($"v1/chat/stream/{streamId}", Ct);
        Assert.Contains("event: done", replay, StringComparison.Ordinal);
        Assert.Equal(0, (await chain.StatsAsync()).GetProperty("aborted_by_client").GetInt64());

        // The log left it 'streaming', so relay attach finds it and prints the whole answer.
        await using var attach = RelayProcess.Start(["attach", "-q"], home);
        Assert.Equal(0, await attach.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(Scenario.Answer("Tell me about signals", 60) + "\n", attach.Stdout);
    }

    [Fact]
    public async Task A_wrong_edge_fails_after_at_most_two_quick_retries()
    {
        var started = Stopwatch.GetTimestamp();
        var url = $"http://127.0.0.1:{ExternalServers.FreePort().ToString(CultureInfo.InvariantCulture)}";
        await using var relay = RelayProcess.Start(["ask", "--edge", url, "hi"]);
        Assert.Equal(1, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.Contains($"error NETWORK_ERROR: cannot reach the edge at {url}/", relay.Stderr, StringComparison.Ordinal);
        Assert.True(Scenario.Count(relay.Stderr, "reconnecting in") <= 2, relay.Stderr);
        TestContext.Current.SendDiagnosticMessage($"wrong --edge failed after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.00} s");
    }

    public static TheoryData<string, string, int> StartupErrors() => new()
    {
        { "relay ask, bad setting", "RELAY_MAX_STREAMS", 2 },
        { "relay serve, port in use", "port", 2 },
        { "edge, bad setting", "RELAY_MAX_STREAMS", 1 },
        { "edge, port in use", "port", 1 },
        { "simulator, bad setting", "Simulator:TokenInterval", 1 },
        { "simulator, port in use", "port", 1 },
    };

    [Theory]
    [MemberData(nameof(StartupErrors))]
    public async Task Start_up_errors_are_one_line_that_names_the_setting_or_address_and_never_a_stack_trace(string what, string names, int exitCode)
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var busyUrl = $"http://127.0.0.1:{((IPEndPoint)busy.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}";
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ExternalServers.Find("dotnet") ?? "dotnet";
        var edgeDll = Path.Combine(AppContext.BaseDirectory, "Relay.Edge.dll");
        var simDll = Path.Combine(AppContext.BaseDirectory, "Relay.Simulator.dll");
        var badMax = new Dictionary<string, string?> { ["RELAY_MAX_STREAMS"] = "abc" };
        await using var process = what switch
        {
            "relay ask, bad setting" => RelayProcess.Start(["ask", "hi"], badMax),
            "relay serve, port in use" => RelayProcess.Start(["serve", "--urls", busyUrl]),
            "edge, bad setting" => RelayProcess.Start([edgeDll, "--urls", $"http://127.0.0.1:{ExternalServers.FreePort().ToString(CultureInfo.InvariantCulture)}"], badMax, executable: dotnet),
            "edge, port in use" => RelayProcess.Start([edgeDll, "--urls", busyUrl], executable: dotnet),
            "simulator, bad setting" => RelayProcess.Start([simDll, "--urls", "http://127.0.0.1:0", "--Simulator:TokenInterval=abc"], executable: dotnet),
            _ => RelayProcess.Start([simDll, "--urls", busyUrl], executable: dotnet),
        };

        Assert.Equal(exitCode, await process.WaitForExitAsync(Scenario.Exit));
        var lines = process.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.Contains("built-in simulator", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.Contains(names == "port" ? busyUrl : names, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Stdout + process.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", process.Stdout + process.Stderr, StringComparison.Ordinal);
    }
}
