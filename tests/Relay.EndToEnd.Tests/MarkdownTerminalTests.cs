using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>Answers on a terminal render as Markdown; --raw and pipes keep the exact text.</summary>
public sealed class MarkdownTerminalTests
{
    private const string Prompt = "Show me some code";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ask_on_a_terminal_renders_the_answer_as_Markdown_with_coloured_code()
    {
        // README: dotnet run --project src/Relay.Cli -- ask "Show me some code" (no key, no edge: in process, real pacing).
        using var _ = Scenario.Timed("README: ask \"Show me some code\" on a terminal");
        await using var relay = RelayProcess.Start(["ask", Prompt], terminal: true);
        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));

        var screen = RelayProcess.Visible(relay.Stdout);
        Assert.Contains("Streaming in short", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("## Streaming", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("**stream**", screen, StringComparison.Ordinal);
        Assert.Contains("• the edge relays every event", screen, StringComparison.Ordinal);
        Assert.Contains("  1. wait", screen, StringComparison.Ordinal);
        Assert.Contains("│ A dropped connection costs a moment, not the answer.", screen, StringComparison.Ordinal);
        Assert.Contains("│ 東京   │      7 │ 🎉 wide │", screen, StringComparison.Ordinal);
        Assert.Contains("    Console.Write(e.Text); // flushed per token", screen, StringComparison.Ordinal);
        Assert.Contains("\u001b[3", relay.Stdout[relay.Stdout.IndexOf("```csharp", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Contains(" / 150 out tokens", screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_on_a_terminal_and_a_pipe_give_the_exact_text()
    {
        await using var chain = await Chain.StartAsync(cancellationToken: Ct);
        var answer = Scenario.Answer(Prompt, 150);

        await using var raw = RelayProcess.Start([.. Scenario.Ask(chain, Prompt, "--no-log", "--raw", "-q")], terminal: true);
        Assert.Equal(0, await raw.WaitForExitAsync(Scenario.Exit));
        // .NET switches the keypad to application mode on a terminal (ESC[?1h ESC=): a mode, not text.
        Assert.Equal(answer.ReplaceLineEndings("\r\n") + "\r\n", raw.Stdout.Replace("\u001b[?1h\u001b=", "", StringComparison.Ordinal));

        await using var piped = RelayProcess.Start([.. Scenario.Ask(chain, Prompt, "--no-log")]);
        Assert.Equal(0, await piped.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(answer + "\n", piped.Stdout);
    }
}
