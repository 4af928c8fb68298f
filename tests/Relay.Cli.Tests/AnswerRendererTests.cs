using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Cli.Tests;

public sealed class AnswerRendererTests
{
    private static readonly Usage SomeUsage = new() { PromptTokens = 20, CompletionTokens = 292, TotalTokens = 312, CostUsd = 0.00041m };

    [Fact]
    public async Task Redirected_stdout_gets_exactly_the_text_plus_one_final_newline()
    {
        var (console, stdout, stderr) = TestConsole.Create();
        var outcome = await new AnswerRenderer(console, new RenderOptions(), TimeProvider.System)
            .RenderAsync(Events(new StartEvent("s", "openai/gpt-4o-mini", "OpenAI"), new DeltaEvent("Hello"), new DeltaEvent(", world"), new UsageEvent(SomeUsage), new DoneEvent("stop")), TestContext.Current.CancellationToken);

        Assert.Equal("Hello, world\n", stdout.ToString());
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal("Hello, world", outcome.Text);
        Assert.StartsWith("openai/gpt-4o-mini · 20 in / 292 out tokens · $0.00041 · first token", stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_ending_in_a_newline_gets_no_second_one()
    {
        var (console, stdout, _) = TestConsole.Create();
        await new AnswerRenderer(console, new RenderOptions { Quiet = true }, TimeProvider.System)
            .RenderAsync(Events(new DeltaEvent("line\n"), new DoneEvent("stop")), TestContext.Current.CancellationToken);
        Assert.Equal("line\n", stdout.ToString());
    }

    [Fact]
    public async Task The_usage_line_reports_first_token_time_and_rate_from_the_clock()
    {
        var time = new FakeTimeProvider();
        var (console, _, stderr) = TestConsole.Create();
        await new AnswerRenderer(console, new RenderOptions(), time).RenderAsync(Timed(time), TestContext.Current.CancellationToken);
        Assert.Equal("m · 20 in / 292 out tokens · $0.00041 · first token 180 ms · 146 tok/s" + Environment.NewLine, stderr.ToString());

        static async IAsyncEnumerable<StreamEvent> Timed(FakeTimeProvider time)
        {
            yield return new StartEvent("s", "m", null);
            time.Advance(TimeSpan.FromMilliseconds(180));
            yield return new DeltaEvent("a");
            time.Advance(TimeSpan.FromSeconds(2));
            yield return new UsageEvent(SomeUsage);
            yield return new DoneEvent("stop");
            await Task.CompletedTask;
        }
    }

    [Fact]
    public async Task An_error_event_prints_code_message_and_hint_and_exits_1()
    {
        var (console, stdout, stderr) = TestConsole.Create();
        var outcome = await new AnswerRenderer(console, new RenderOptions(), TimeProvider.System)
            .RenderAsync(Events(new ErrorEvent(StreamError.Create(StreamErrorCode.RateLimited, "slow down", TimeSpan.FromSeconds(3)))), TestContext.Current.CancellationToken);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal("", stdout.ToString());
        Assert.Equal("error RATE_LIMITED: slow down\nhint: retry after 3 s\n", stderr.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Json_mode_writes_one_parseable_line_per_event_and_nothing_else()
    {
        var (console, stdout, stderr) = TestConsole.Create();
        await new AnswerRenderer(console, new RenderOptions { Json = true }, TimeProvider.System).RenderAsync(
            Events(new StartEvent("s", "m", "p") { EventId = "s:1" }, new DeltaEvent("hi") { EventId = "s:2" }, new ReconnectingEvent(1, 8, 250), new RestartedEvent(), new DoneEvent("stop") { EventId = "s:3" }),
            TestContext.Current.CancellationToken);
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("delta", second.RootElement.GetProperty("event").GetString());
        Assert.Equal("s:2", second.RootElement.GetProperty("id").GetString());
        Assert.Equal("hi", second.RootElement.GetProperty("text").GetString());
        using var third = JsonDocument.Parse(lines[2]);
        Assert.Equal("reconnecting", third.RootElement.GetProperty("event").GetString());
        Assert.Equal(250, third.RootElement.GetProperty("delay_ms").GetInt64());
        Assert.Equal("""{"event":"restarted"}""", lines[3]);
        Assert.DoesNotContain("reconnecting", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reasoning_goes_to_stderr_only_when_asked_or_on_a_terminal()
    {
        var (console, stdout, stderr) = TestConsole.Create();
        await new AnswerRenderer(console, new RenderOptions { ShowReasoning = true, Quiet = true }, TimeProvider.System)
            .RenderAsync(Events(new ReasoningEvent("think"), new DeltaEvent("answer"), new DoneEvent("stop")), TestContext.Current.CancellationToken);
        Assert.Equal("answer\n", stdout.ToString());
        Assert.Equal("think\n", stderr.ToString().ReplaceLineEndings("\n"));

        var (quietConsole, _, quietErr) = TestConsole.Create();
        await new AnswerRenderer(quietConsole, new RenderOptions { Quiet = true }, TimeProvider.System)
            .RenderAsync(Events(new ReasoningEvent("think"), new DeltaEvent("answer"), new DoneEvent("stop")), TestContext.Current.CancellationToken);
        Assert.Equal("", quietErr.ToString());
    }

    [Fact]
    public async Task On_a_terminal_a_restart_erases_the_partial_answer_and_streams_the_new_one()
    {
        var (console, stdout, _) = TestConsole.Create(terminal: true, width: 10);
        var outcome = await new AnswerRenderer(console, new RenderOptions { Quiet = true }, TimeProvider.System).RenderAsync(
            Events(new DeltaEvent("0123456789abc\nde"), new RestartedEvent(), new DeltaEvent("fresh"), new DoneEvent("stop")),
            TestContext.Current.CancellationToken);

        // 13 characters wrap to 2 rows on a 10-column terminal, then one more line: up 2 rows, clear to the end.
        Assert.Equal("0123456789abc\nde\u001b[2F\u001b[Jfresh\n", stdout.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("fresh", outcome.Text);
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(17, false)]
    [InlineData(41, false)]
    [InlineData(80, false)]
    [InlineData(10, true)]
    [InlineData(17, true)]
    [InlineData(80, true)]
    public async Task A_restart_with_wide_characters_leaves_the_screen_exactly_as_a_fresh_answer_would(int width, bool raw)
    {
        // Simulated answers carry CJK and emoji (two columns each); the terminal model takes its widths from Unicode's data.
        // The Markdown answer brings a table, a list, a quote and code, drawn wider or narrower than written.
        var partial = string.Concat(Enumerable.Range(0, 6).Select(i => SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User($"Write a story {i}")], tokens: 60).Text))
            + "\n\n" + SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Show me some code")], tokens: 200).Text;
        Assert.Contains("東京", partial, StringComparison.Ordinal);
        Assert.Contains("🪁", partial, StringComparison.Ordinal);
        Assert.Contains("| 東京 |", partial, StringComparison.Ordinal);
        const string Fresh = "fresh **東京** 🪁\n\n| a | b |\n|---|---|\n| 1 | 2 |";
        var restarted = await Screen(Events(new DeltaEvent(partial), new RestartedEvent(), new DeltaEvent(Fresh), new DoneEvent("stop")));
        var fresh = await Screen(Events(new DeltaEvent(Fresh), new DoneEvent("stop")));
        Assert.Equal(fresh, restarted);
        Assert.StartsWith(TerminalScreen.Render("the line above stays\n", width), restarted, StringComparison.Ordinal);

        async Task<string> Screen(IAsyncEnumerable<StreamEvent> events)
        {
            var (console, stdout, _) = TestConsole.Create(terminal: true, width: width);
            await stdout.WriteAsync("the line above stays\n");
            await new AnswerRenderer(console, new RenderOptions { Quiet = true, Raw = raw }, TimeProvider.System).RenderAsync(events, TestContext.Current.CancellationToken);
            return TerminalScreen.Render(stdout.ToString(), width);
        }
    }

    [Fact]
    public async Task Off_a_terminal_a_restart_writes_no_escape_and_says_so_on_stderr()
    {
        var (console, stdout, stderr) = TestConsole.Create();
        await new AnswerRenderer(console, new RenderOptions(), TimeProvider.System).RenderAsync(
            Events(new ReconnectingEvent(2, 8, 1200), new RestartedEvent(), new DeltaEvent("fresh"), new DoneEvent("stop")),
            TestContext.Current.CancellationToken);
        Assert.Equal("fresh\n", stdout.ToString());
        Assert.Contains("connection lost, reconnecting in 1.2 s, attempt 2 of 8", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("answer restarted", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_terminal_the_reconnect_status_is_erased_before_the_answer_goes_on()
    {
        var (console, stdout, stderr) = TestConsole.Create(terminal: true);
        await new AnswerRenderer(console, new RenderOptions { Quiet = false }, TimeProvider.System).RenderAsync(
            Events(new DeltaEvent("a"), new ReconnectingEvent(1, 8, 250), new DeltaEvent("b"), new DoneEvent("stop")),
            TestContext.Current.CancellationToken);
        Assert.Equal("ab\n", stdout.ToString().ReplaceLineEndings("\n"));
        var err = stderr.ToString();
        Assert.Contains("\u001b7", err, StringComparison.Ordinal);
        Assert.True(err.IndexOf("\u001b8\u001b[K", StringComparison.Ordinal) > err.IndexOf("attempt 1 of 8", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_interrupted_answer_shows_the_usage_the_edge_counted_marked_estimated()
    {
        using var cts = new CancellationTokenSource();
        var (console, _, stderr) = TestConsole.Create();
        string? settledAfter = null;
        var outcome = await new AnswerRenderer(console, new RenderOptions(), TimeProvider.System).RenderAsync(
            CancelAfterFirst(cts, TestContext.Current.CancellationToken),
            cts.Token,
            last =>
            {
                settledAfter = last;
                return Task.FromResult<Usage?>(new Usage { PromptTokens = 9, CompletionTokens = 7, TotalTokens = 16, Estimated = true });
            });
        Assert.Equal("s:2", settledAfter);
        Assert.Equal(7, outcome.Usage!.CompletionTokens);
        Assert.StartsWith("m · ~9 in / ~7 out tokens · ", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("interrupted", stderr.ToString(), StringComparison.Ordinal);

        static async IAsyncEnumerable<StreamEvent> CancelAfterFirst(CancellationTokenSource cts, [EnumeratorCancellation] CancellationToken ct = default)
        {
            yield return new StartEvent("s", "m", null) { EventId = "s:1" };
            yield return new DeltaEvent("part") { EventId = "s:2" };
            await cts.CancelAsync();
            ct.ThrowIfCancellationRequested();
        }
    }

    [Fact]
    public async Task Cancelling_mid_answer_is_an_interruption_with_exit_130_and_the_usage_so_far()
    {
        using var cts = new CancellationTokenSource();
        var (console, stdout, stderr) = TestConsole.Create();
        var outcome = await new AnswerRenderer(console, new RenderOptions(), TimeProvider.System).RenderAsync(CancelAfterFirst(cts, TestContext.Current.CancellationToken), cts.Token);
        Assert.True(outcome.Interrupted);
        Assert.Equal(130, outcome.ExitCode);
        Assert.Equal("part\n", stdout.ToString());
        Assert.Contains("~1 out tokens", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("interrupted", stderr.ToString(), StringComparison.Ordinal);

        static async IAsyncEnumerable<StreamEvent> CancelAfterFirst(CancellationTokenSource cts, [EnumeratorCancellation] CancellationToken ct = default)
        {
            yield return new StartEvent("s", "m", null);
            yield return new DeltaEvent("part");
            await cts.CancelAsync();
            ct.ThrowIfCancellationRequested();
            yield return new DeltaEvent("never");
        }
    }

    [Theory]
    [InlineData("abc", 10, 1)]
    [InlineData("0123456789", 10, 1)]
    [InlineData("0123456789a", 10, 2)]
    [InlineData("a\nb\n", 10, 3)]
    [InlineData("🎉🎉", 2, 2)]
    [InlineData("東京", 4, 1)]
    [InlineData("a東京", 4, 2)]
    public void Rows_count_wrapped_lines(string text, int width, int rows) =>
        Assert.Equal(rows, TerminalRows.Of(text, width));

    private static async IAsyncEnumerable<StreamEvent> Events(params StreamEvent[] events)
    {
        foreach (var e in events)
        {
            yield return e;
        }

        await Task.CompletedTask;
    }
}
