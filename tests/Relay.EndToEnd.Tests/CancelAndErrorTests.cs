using System.Diagnostics;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>Scenarios 7 and 9: Ctrl+C mid-answer, and every error a user can meet end to end.</summary>
public sealed class CancelAndErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SIGINT_to_ask_exits_130_and_the_upstream_sees_the_abort_within_2_seconds()
    {
        using var _ = Scenario.Timed("scenario 7a (SIGINT to relay ask)");
        await using var chain = await Chain.StartAsync(cancellationToken: Ct);
        await chain.KnobsAsync("tokens=80;gate=sigint@20");
        await using var relay = RelayProcess.Start(Scenario.Ask(chain, "Tell me about forests"));
        await chain.GateReachedAsync("sigint");
        await relay.WaitForStdoutAsync(s => s.Length > 0, Scenario.Exit);

        var sent = Stopwatch.GetTimestamp();
        await relay.InterruptAsync();
        var stats = await chain.AbortsReachedAsync(1, TimeSpan.FromSeconds(2));
        var noticed = Stopwatch.GetElapsedTime(sent);
        Assert.Equal(130, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(1, stats.GetProperty("aborted_by_client").GetInt64());
        Assert.Contains("interrupted", relay.Stderr, StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage($"SIGINT to upstream abort: {noticed.TotalMilliseconds:0} ms");
        await chain.ReleaseAsync("sigint");
    }

    [Fact]
    public async Task Ctrl_C_in_chat_on_a_terminal_returns_to_the_prompt_and_the_next_question_is_answered()
    {
        using var _ = Scenario.Timed("scenario 7b (Ctrl+C in relay chat on a pty)");
        await using var chain = await Chain.StartAsync(cancellationToken: Ct);
        await chain.KnobsAsync("tokens=80;gate=chat@20");
        await using var relay = RelayProcess.Start(["chat", "--edge", chain.EdgeUrl], terminal: true);
        await relay.WaitForStdoutAsync(s => s.Contains("> ", StringComparison.Ordinal), Scenario.Exit);
        await relay.TypeAsync("Tell me a long story\r");
        await chain.GateReachedAsync("chat");
        var first = Relay.Simulator.SimulatedAnswer.For(Relay.Simulator.SimulatedModel.DefaultId, [Contracts.ChatMessage.User("Tell me a long story")], tokens: 80).Tokens[0];
        await relay.WaitForStdoutAsync(s => s.Contains(first, StringComparison.Ordinal), Scenario.Exit);

        await chain.KnobsAsync("tokens=12");
        await relay.TypeAsync("\u0003");
        await relay.WaitForStdoutAsync(s => Scenario.Prompts(s) >= 2, Scenario.Exit);
        await chain.AbortsReachedAsync(1, TimeSpan.FromSeconds(2));
        await chain.ReleaseAsync("chat");

        // The second answer (its text depends on the whole conversation) comes in full, with its usage, and the prompt again.
        await relay.TypeAsync("And a short one\r");
        await relay.WaitForStdoutAsync(s => s.Contains(" / 12 out tokens", StringComparison.Ordinal) && s[s.IndexOf(" / 12 out tokens", StringComparison.Ordinal)..].Contains("> ", StringComparison.Ordinal), Scenario.Exit);
        await relay.TypeAsync("\u0004");
        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.Contains("interrupted", relay.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unauthorized", "UNAUTHORIZED", "hint: pass --token or set RELAY_TOKEN to one of the edge's RELAY_TOKENS")]
    [InlineData("status=402", "INSUFFICIENT_CREDITS", "hint: add credits to the OpenRouter account of the edge's key")]
    [InlineData("model", "MODEL_NOT_FOUND", "hint: list the models with `relay models`")]
    [InlineData("status=429;retry_after=1", "RATE_LIMITED", "hint: retry after 1 s")] // after the edge's 2 retries of 1 s
    [InlineData("tokens=40;error=midstream-a@10", "UPSTREAM_UNAVAILABLE", "hint: retry in a moment")]
    [InlineData("tokens=40;oversized=@10", "EVENT_TOO_LARGE", null)]
    [InlineData("tokens=40;malformed=@10", "MALFORMED_EVENT", null)]
    public async Task Every_end_to_end_error_is_shown_with_its_code_message_hint_and_exit_code(string fault, string code, string? hint)
    {
        using var _ = Scenario.Timed($"scenario 9 ({code})");
        var tokens = fault == "unauthorized" ? new Dictionary<string, string?> { ["RELAY_TOKENS"] = "tok-e2e" } : null;
        await using var chain = await Chain.StartAsync(edgeSettings: tokens, cancellationToken: Ct);
        await chain.KnobsAsync(fault is "unauthorized" or "model" ? "tokens=40" : fault);
        string[] options = fault == "model" ? ["-m", "nobody/no-such-model"] : [];
        await using var relay = RelayProcess.Start(Scenario.Ask(chain, "Fail please", options));

        Assert.Equal(1, await relay.WaitForExitAsync(Scenario.Exit));
        var lines = relay.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var error = Assert.Single(lines, l => l.StartsWith("error ", StringComparison.Ordinal));
        Assert.Matches($"^error {code}: \\S.+$", error);
        if (hint is null)
        {
            Assert.DoesNotContain(lines, l => l.StartsWith("hint: ", StringComparison.Ordinal));
        }
        else
        {
            Assert.Contains(hint, lines);
        }

        // Mid-stream failures keep the text that came before them on stdout.
        if (fault.Contains('@', StringComparison.Ordinal))
        {
            Assert.StartsWith(relay.Stdout.TrimEnd('\n'), Scenario.Answer("Fail please", 40), StringComparison.Ordinal);
            Assert.NotEqual("", relay.Stdout.TrimEnd('\n'));
        }
        else
        {
            Assert.Equal("", relay.Stdout);
        }
    }
}
