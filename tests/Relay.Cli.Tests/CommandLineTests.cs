using System.Text.Json;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Cli.Tests;

public sealed class CommandLineTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static readonly IReadOnlyList<ChatMessage> Question = [ChatMessage.User("Tell me something")];

    private string[] Args(params string[] args) => [.. args, "--edge", cli.Servers.Edge.Url.ToString()];

    [Theory]
    [InlineData("ask", "--bogus")]
    [InlineData("ask", "q", "--max-tokens", "0")]
    [InlineData("ask", "q", "--temperature", "5")]
    [InlineData("nope")]
    [InlineData("ask", "q", "--edge", "ftp://x")]
    public async Task Usage_errors_exit_2(params string[] args)
    {
        var run = await CliRun.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Contains("error", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_and_version_work()
    {
        var help = await CliRun.RunAsync(["--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("ask", help.Out, StringComparison.Ordinal);
        Assert.Contains("chat", help.Out, StringComparison.Ordinal);
        var version = await CliRun.RunAsync(["--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"\d+\.\d+\.\d+", version.Out);
    }

    [Fact]
    public async Task Ask_writes_exactly_the_answer_to_stdout_and_the_usage_line_to_stderr()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=40";
        var run = await CliRun.RunAsync(Args("ask", "Tell me something"));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, Question, tokens: 40).Text + "\n", run.Out);
        Assert.Matches(@"^openai/gpt-4o-mini · \d+ in / 40 out tokens · \$[\d.]+ · first token \d+ ms · \d+ tok/s\n$", run.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Stdin_comes_before_the_prompt_and_the_system_prompt_goes_first()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=10";
        var run = await CliRun.RunAsync(Args("ask", "review this", "-s", "be brief", "-q"), input: "diff --git a b\n");
        var expected = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.System("be brief"), ChatMessage.User("diff --git a b\n\nreview this")], tokens: 10).Text;
        Assert.Equal(expected + "\n", run.Out);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task Relay_alone_prints_the_help_and_exits_0()
    {
        var run = await CliRun.RunAsync([]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("ask", run.Out, StringComparison.Ordinal);
        Assert.Contains("serve", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_help_lists_only_what_serve_takes()
    {
        var run = await CliRun.RunAsync(["serve", "--help"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--urls", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("--edge", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("--token", run.Out, StringComparison.Ordinal);
        var ask = await CliRun.RunAsync(["ask", "--help"]);
        Assert.Contains("--edge", ask.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_without_an_edge_says_it_checked_the_in_process_edge_and_its_upstream()
    {
        var run = await CliRun.RunAsync(["health"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("edge: in-process", run.Out, StringComparison.Ordinal);
        Assert.Contains("upstream: the built-in simulator", run.Out, StringComparison.Ordinal);
        Assert.Contains("ready: ok", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_cut_by_max_tokens_says_so_in_the_usage_line()
    {
        cli.Servers.Simulator.DefaultKnobs = null;
        var run = await CliRun.RunAsync(Args("ask", "Explain tides", "--max-tokens", "4"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("finish reason length", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_prompt_at_all_is_a_usage_error()
    {
        var run = await CliRun.RunAsync(Args("ask"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no prompt", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_mode_writes_one_parseable_object_per_event()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=5";
        var run = await CliRun.RunAsync(Args("ask", "Tell me something", "--json", "-m", "google/gemini-2.5-flash"));
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("start", events[0].GetProperty("event").GetString());
        Assert.Equal("google/gemini-2.5-flash", events[0].GetProperty("model").GetString());
        Assert.Equal(5, events.Count(e => e.GetProperty("event").GetString() == "delta"));
        Assert.Equal("done", events[^1].GetProperty("event").GetString());
        Assert.All(events, e => Assert.Matches(@"^[A-Za-z0-9_-]{21}:\d+$", e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task No_stream_gives_the_same_text_as_streaming()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=30";
        var streamed = await CliRun.RunAsync(Args("ask", "Tell me something", "-q"));
        var whole = await CliRun.RunAsync(Args("ask", "Tell me something", "--no-stream"));
        Assert.Equal(streamed.Out, whole.Out);
        Assert.Contains("30 out tokens", whole.Error, StringComparison.Ordinal);
        var json = await CliRun.RunAsync(Args("ask", "Tell me something", "--no-stream", "--json"));
        Assert.Equal(streamed.Out.TrimEnd('\n'), JsonDocument.Parse(json.Out).RootElement.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("status=402", "error INSUFFICIENT_CREDITS", "hint: add credits")]
    [InlineData("status=429;retry_after=30", "error RATE_LIMITED", "hint: retry after 30 s")]
    [InlineData("tokens=5;error=midstream-a@3", "error UPSTREAM_UNAVAILABLE", "")]
    [InlineData("tokens=5;malformed=@3", "error MALFORMED_EVENT", "")]
    public async Task Errors_are_shown_with_code_message_and_hint_and_exit_1(string knobs, string line, string hint)
    {
        cli.Servers.Simulator.DefaultKnobs = knobs;
        var run = await CliRun.RunAsync(Args("ask", "Tell me something", "--no-reconnect"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(line, run.Error, StringComparison.Ordinal);
        Assert.Contains(hint, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("error", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Whole_answer_errors_exit_1()
    {
        cli.Servers.Simulator.DefaultKnobs = "status=402";
        var run = await CliRun.RunAsync(Args("ask", "Tell me something", "--no-stream"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error INSUFFICIENT_CREDITS", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_model_says_how_to_list_models()
    {
        cli.Servers.Simulator.DefaultKnobs = null;
        var run = await CliRun.RunAsync(Args("ask", "x", "-m", "nobody/nothing"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error MODEL_NOT_FOUND", run.Error, StringComparison.Ordinal);
        Assert.Contains("relay models", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_in_process_error_is_one_clean_error_line_without_the_edges_log_above_it()
    {
        var run = await CliRun.RunAsync(["ask", "x", "-m", "nobody/nothing"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error MODEL_NOT_FOUND", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1/")]
    public async Task An_edge_url_ending_in_v1_as_for_the_OpenAI_SDKs_is_taken_as_the_edge(string suffix)
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=5";
        var run = await CliRun.RunAsync(["ask", "Tell me something", "--edge", cli.Servers.Edge.Url + suffix]);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Tell me something")], tokens: 5).Text + "\n", run.Out);
    }

    [Theory]
    [InlineData("http://h:8787", "http://h:8787/")]
    [InlineData("http://h:8787/v1", "http://h:8787/")]
    [InlineData("https://h/relay/v1/", "https://h/relay/")]
    [InlineData("https://h/relay", "https://h/relay/")]
    [InlineData("http://h/v1x", "http://h/v1x/")]
    public void The_edge_url_is_its_root_ending_in_a_slash(string given, string root) =>
        Assert.Equal(root, ConnectionSettings.Root(new Uri(given)).ToString());

    [Fact]
    public async Task Models_lists_one_id_a_line_off_a_terminal_and_a_table_on_one()
    {
        var plain = await CliRun.RunAsync(Args("models"));
        Assert.Equal(SimulatedModel.All.Select(m => m.Id), plain.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var table = await CliRun.RunAsync(Args("models"), terminal: true);
        Assert.Contains("anthropic/claude-sonnet-4", table.Out, StringComparison.Ordinal);
        Assert.Contains("provider", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_prints_live_and_ready_and_exits_1_when_not_ready()
    {
        var ok = await CliRun.RunAsync(Args("health"));
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal("live: ok\nready: ok\n", ok.Out.ReplaceLineEndings("\n"));
        var down = await CliRun.RunAsync(["health", "--edge", "http://127.0.0.1:9/"]);
        Assert.Equal(1, down.ExitCode);
        Assert.StartsWith("live: fail\nready: fail (", down.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_reads_one_prompt_per_line_keeps_history_and_runs_slash_commands()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=6";
        var run = await CliRun.RunAsync(Args("chat", "-q"), input: "first question\n/model anthropic/claude-sonnet-4\n\nsecond question\n/usage\n/exit\nnever asked\n");
        Assert.Equal(0, run.ExitCode);
        var first = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("first question")], tokens: 6).Text;
        var history = new List<ChatMessage> { ChatMessage.User("first question"), ChatMessage.Assistant(first), ChatMessage.User("second question") };
        var second = SimulatedAnswer.For("anthropic/claude-sonnet-4", history, tokens: 6).Text;
        Assert.Equal(first + "\n" + second + "\n", run.Out);
        Assert.Contains("model: anthropic/claude-sonnet-4", run.Error, StringComparison.Ordinal);
        Assert.Contains("2 answers", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_refuses_a_model_the_edge_does_not_offer_and_names_the_default_it_answered_with()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=3";
        var run = await CliRun.RunAsync(Args("chat", "-q"), input: "/model\n/model nobody/nothing\nhi\n/model\n");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("model: the edge's default (named after the first answer)", run.Error, StringComparison.Ordinal);
        Assert.Contains("unknown model nobody/nothing: the edge does not offer it (relay models lists them); still the edge's default", run.Error, StringComparison.Ordinal);
        Assert.Contains($"model: {SimulatedModel.DefaultId} (the edge's default)", run.Error, StringComparison.Ordinal);
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("hi")], tokens: 3).Text + "\n", run.Out);
    }
}

public sealed class CliFixture : IAsyncLifetime
{
    public RelayServers Servers { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Servers = await RelayServers.StartAsync();

    public async ValueTask DisposeAsync() => await Servers.DisposeAsync();
}
