using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary><c>relay chat</c>'s line editor on a real pty: keys as a terminal sends them, history that outlives the process.</summary>
public sealed class ChatEditorTests
{
    private const string Up = "\u001b[A";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Chat_edits_lines_keeps_history_across_runs_and_Ctrl_D_leaves_on_a_fresh_line()
    {
        await using var chain = await Chain.StartAsync(cancellationToken: Ct);
        await chain.KnobsAsync("tokens=3");
        var home = new Dictionary<string, string?> { ["RELAY_HOME"] = Directory.CreateTempSubdirectory("relay-editor-").FullName };
        var answer = Scenario.Answer("first question", 3);

        await using (var relay = RelayProcess.Start(["chat", "--edge", chain.EdgeUrl], home, terminal: true))
        {
            await relay.WaitForStdoutAsync(s => s.Contains("> ", StringComparison.Ordinal), Scenario.Exit);
            await relay.TypeAsync("first question\r");
            await relay.WaitForStdoutAsync(s => s.Contains(" / 3 out tokens", StringComparison.Ordinal), Scenario.Exit);

            // Ctrl+U takes back what was typed; Ctrl+A goes to the start of the line.
            await relay.TypeAsync("never sent\u0015usage\u0001/\r");
            await relay.WaitForStdoutAsync(s => s.Contains("1 answers", StringComparison.Ordinal), Scenario.Exit);
            await relay.TypeAsync("\u0004");
            Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
            Assert.DoesNotContain("never sent", RelayProcess.Visible(relay.Stdout), StringComparison.Ordinal);
            Assert.EndsWith("\r\n", relay.Stdout, StringComparison.Ordinal); // the shell's prompt comes on a line of its own
        }

        // A new chat: Up, Up brings the first question back from the history file, and Enter asks it again.
        await using (var again = RelayProcess.Start(["chat", "--edge", chain.EdgeUrl], home, terminal: true))
        {
            await again.WaitForStdoutAsync(s => s.Contains("> ", StringComparison.Ordinal), Scenario.Exit);
            await again.TypeAsync(Up + Up);
            await again.WaitForStdoutAsync(s => RelayProcess.Visible(s).EndsWith("> first question", StringComparison.Ordinal), Scenario.Exit);
            await again.TypeAsync("\r");
            await again.WaitForStdoutAsync(s => s.Contains(" / 3 out tokens", StringComparison.Ordinal), Scenario.Exit);
            await again.TypeAsync("\u0004");
            Assert.Equal(0, await again.WaitForExitAsync(Scenario.Exit));
            Assert.Contains(Scenario.Flat(answer), Scenario.Flat(RelayProcess.Visible(again.Stdout)), StringComparison.Ordinal);
        }
    }
}
