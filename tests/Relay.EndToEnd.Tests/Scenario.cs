using System.Diagnostics;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>Shared bits of the scenarios: the expected answer and how long each scenario took (printed for the closing note).</summary>
internal static class Scenario
{
    public static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);

    public static string Answer(string prompt, int tokens, string model = SimulatedModel.DefaultId) =>
        SimulatedAnswer.For(model, [ChatMessage.User(prompt)], tokens: tokens).Text;

    public static string[] Ask(Chain chain, string prompt, params string[] options) => ["ask", "--edge", chain.EdgeUrl, .. options, prompt];

    /// <summary>Writes "scenario N took X s" to the test output when disposed.</summary>
    public static IDisposable Timed(string name)
    {
        var start = Stopwatch.GetTimestamp();
        return new Done(() => TestContext.Current.SendDiagnosticMessage($"{name}: {Stopwatch.GetElapsedTime(start).TotalSeconds:0.0} s"));
    }

    /// <summary>
    /// Flattens a screen or an output for comparison: wrapping, line breaks and spaces aside (a terminal row that ends
    /// where the text had a space shows no trailing space, so the space is lost at that wrap).
    /// </summary>
    public static string Flat(string s) =>
        s.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);

    /// <summary>The prompt rows a chat on a pty shows: its line editor redraws a prompt in place, so count the screen, not the bytes.</summary>
    public static int Prompts(string terminalOutput) =>
        RelayProcess.Visible(terminalOutput).Split('\n').Count(row => row.StartsWith('>'));

    /// <summary>How often <paramref name="part"/> occurs in <paramref name="text"/>.</summary>
    public static int Count(string text, string part)
    {
        var n = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private sealed class Done(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
