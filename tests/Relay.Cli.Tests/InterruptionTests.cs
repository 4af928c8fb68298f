using Relay.Contracts;
using Relay.Edge;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Cli.Tests;

public sealed class InterruptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly IReadOnlyList<ChatMessage> Question = [ChatMessage.User("Tell me something")];

    [Fact]
    public async Task Ctrl_c_during_ask_cancels_the_upstream_prints_usage_and_exits_130()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=100;stall=3";
        var answer = SimulatedAnswer.For(SimulatedModel.DefaultId, Question, tokens: 100);
        using var interrupt = new InterruptSignal(register: false);
        var stdout = new SignalingWriter(answer.Tokens[0] + answer.Tokens[1] + answer.Tokens[2]);
        var running = CliRun.RunAsync(["ask", "Tell me something", "--edge", servers.Edge.Url.ToString()], interrupt: interrupt, stdout: stdout);
        await stdout.Seen.WaitAsync(Ct);
        interrupt.Raise();
        var run = await running;
        Assert.Equal(130, run.ExitCode);
        Assert.Equal(answer.Tokens[0] + answer.Tokens[1] + answer.Tokens[2] + "\n", run.Out);

        // The edge's count of what was generated, estimated since the upstream was cut off: the prompt at 4 characters a
        // token plus 4 for the message, the answer at 4 characters a token but never fewer than its 3 chunks.
        var spent = answer.Tokens[0] + answer.Tokens[1] + answer.Tokens[2];
        Assert.Contains($"~{4 + (("Tell me something".Length + 3) / 4)} in / ~{Math.Max(3, (spent.Length + 3) / 4)} out tokens", run.Error, StringComparison.Ordinal);
        Assert.Contains("interrupted", run.Error, StringComparison.Ordinal);
        await servers.Simulator.WaitForAbortsAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(2), Ct);
    }

    [Fact]
    public async Task Ctrl_c_in_chat_stops_that_answer_and_the_session_goes_on()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=100;stall=2";
        var first = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("one")], tokens: 100);
        using var interrupt = new InterruptSignal(register: false);
        var stdout = new SignalingWriter(first.Tokens[0] + first.Tokens[1]);
        var input = new BlockingReader();
        var (console, _, stderr) = TestConsole.Create();
        console = new CliConsole { In = input, Out = stdout, Error = stderr, InputRedirected = true };
        var running = new RelayApp(console, interrupt, new ImmediateTimeProvider(), LogLocation.Disabled).RunAsync(["chat", "--edge", servers.Edge.Url.ToString()], Ct);
        input.Send("one");
        await stdout.Seen.WaitAsync(Ct);
        interrupt.Raise();
        await servers.Simulator.WaitForAbortsAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(2), Ct);
        servers.Simulator.DefaultKnobs = "tokens=3";
        input.Send("two");
        input.Send(null);
        Assert.Equal(0, await running);
        var history = new List<ChatMessage> { ChatMessage.User("one"), ChatMessage.Assistant(first.Tokens[0] + first.Tokens[1] + ChatSession.InterruptedMarker), ChatMessage.User("two") };
        var second = SimulatedAnswer.For(SimulatedModel.DefaultId, history, tokens: 3).Text;
        Assert.EndsWith(second + "\n", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resets_at_seeded_offsets_between_cli_and_edge_still_give_the_exact_answer()
    {
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = "tokens=200";
        await using var proxy = new FaultProxy(servers.Edge.Url);
        var expected = SimulatedAnswer.For(SimulatedModel.DefaultId, Question, tokens: 200).Text + "\n";
        var clean = await CliRun.RunAsync(["ask", "Tell me something", "-q", "--edge", proxy.Url.ToString()]);
        Assert.Equal(expected, clean.Out);
        var total = proxy.ResponseBytes;
        var random = new Random(9);
        for (var run = 0; run < 10; run++)
        {
            proxy.Next(FaultBehavior.ResetAfter(random.NextInt64(1, total)));
            var before = proxy.Connections;
            var cut = await CliRun.RunAsync(["ask", "Tell me something", "--edge", proxy.Url.ToString()]);
            Assert.Equal(0, cut.ExitCode);
            Assert.Equal(expected, cut.Out);
            Assert.True(proxy.Connections - before >= 2, "a resume happened");
            Assert.Contains("connection lost, reconnecting in", cut.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_restart_on_a_terminal_erases_the_partial_answer_and_streams_the_new_one()
    {
        await using var chain = await UpstreamFaultChain.StartAsync();
        var expected = SimulatedAnswer.For(SimulatedModel.DefaultId, Question, tokens: 60).Text;
        var run = await CliRun.RunAsync(["ask", "Tell me something", "-q", "--raw", "--edge", chain.Edge.Url.ToString()], terminal: true);
        Assert.Equal(0, run.ExitCode);
        var erase = run.Out.LastIndexOf("\u001b[J", StringComparison.Ordinal);
        Assert.True(erase > 0, "the partial answer was erased");
        Assert.Equal(expected + "\n", run.Out[(erase + 3)..]);
    }

    [Fact]
    public async Task Off_a_terminal_a_lost_stream_after_text_exits_1_without_writing_text_twice()
    {
        await using var chain = await UpstreamFaultChain.StartAsync();
        var expected = SimulatedAnswer.For(SimulatedModel.DefaultId, Question, tokens: 60).Text;
        var run = await CliRun.RunAsync(["ask", "Tell me something", "--edge", chain.Edge.Url.ToString()]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error STREAM_INTERRUPTED", run.Error, StringComparison.Ordinal);
        Assert.StartsWith(run.Out.TrimEnd('\n'), expected, StringComparison.Ordinal);
        Assert.True(run.Out.Length > 1);
    }

    [Fact]
    public async Task With_no_edge_the_cli_hosts_one_with_the_built_in_simulator()
    {
        CleanEnvironment.Apply();
        var run = await CliRun.RunAsync(["ask", "Write a 5 word story", "-m", "deepseek/deepseek-r1", "--show-reasoning"]);
        Assert.Equal(0, run.ExitCode);
        var answer = SimulatedAnswer.For("deepseek/deepseek-r1", [ChatMessage.User("Write a 5 word story")]);
        Assert.Equal(answer.Text + "\n", run.Out);
        Assert.Contains("built-in simulator", run.Error, StringComparison.Ordinal);
        Assert.Contains(answer.Reasoning, run.Error, StringComparison.Ordinal);
    }

    /// <summary>Simulator, a fault proxy that resets the first upstream connection after 3,000 bytes, and an edge behind it.</summary>
    private sealed record UpstreamFaultChain(EdgeHost Edge, FaultProxy Upstream, SimulatorHost Simulator) : IAsyncDisposable
    {
        public static async Task<UpstreamFaultChain> StartAsync()
        {
            CleanEnvironment.Apply();
            var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero, DefaultKnobs = "tokens=60" }, Ct);
            var upstream = new FaultProxy(simulator.RootUrl);
            upstream.Next(FaultBehavior.ResetAfter(3000));
            var edge = await EdgeHost.StartAsync(new Dictionary<string, string?> { ["OPENROUTER_BASE_URL"] = new Uri(upstream.Url, "api/v1/").ToString() }, cancellationToken: Ct);
            return new UpstreamFaultChain(edge, upstream, simulator);
        }

        public async ValueTask DisposeAsync()
        {
            await Edge.DisposeAsync();
            await Upstream.DisposeAsync();
            await Simulator.DisposeAsync();
        }
    }

    /// <summary>stdin fed line by line by the test; null ends it.</summary>
    private sealed class BlockingReader : TextReader
    {
        private readonly System.Threading.Channels.Channel<string?> _lines = System.Threading.Channels.Channel.CreateUnbounded<string?>();

        public void Send(string? line) => _lines.Writer.TryWrite(line);

        public override string? ReadLine() => _lines.Reader.ReadAsync().AsTask().GetAwaiter().GetResult();
    }
}
