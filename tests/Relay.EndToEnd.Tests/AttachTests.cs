using System.Net;
using System.Text.Json;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>An answer outlives its client process: <c>relay ask</c> SIGKILLed mid-answer, then <c>relay attach</c>.</summary>
public sealed class AttachTests
{
    private const string Prompt = "Tell me about rivers";
    private const int Tokens = 120;
    private const int Held = 50; // tokens shown before the simulator holds the answer

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_killed_ask_comes_back_with_attach_rest_gives_the_remainder_and_attach_by_id_the_whole_answer()
    {
        var env = NewHome();
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = $"tokens={Tokens};gate=hold@{Held + 1}";
        var expected = Scenario.Answer(Prompt, Tokens);

        var (recorded, shown) = await KillMidAnswerAsync(servers, env);
        Assert.StartsWith(recorded.GetProperty("answer").GetString()!, expected, StringComparison.Ordinal);
        servers.Simulator.Gates.Release("hold");

        // The newest unfinished exchange, at the edge recorded with it: exactly what the dead process had not shown.
        await using (var rest = RelayProcess.Start(["attach", "--rest"], env))
        {
            Assert.Equal(0, await rest.WaitForExitAsync(Scenario.Exit));
            Assert.Equal(expected + "\n", shown + rest.Stdout);
            Assert.Contains($"{Tokens} out tokens", rest.Stderr, StringComparison.Ordinal);
        }

        // By stream id: the whole answer, replayed from its start.
        await using (var whole = RelayProcess.Start(["attach", recorded.GetProperty("stream_id").GetString()!], env))
        {
            Assert.Equal(0, await whole.WaitForExitAsync(Scenario.Exit));
            Assert.Equal(expected + "\n", whole.Stdout);
            Assert.Contains($"{Tokens} out tokens", whole.Stderr, StringComparison.Ordinal);
        }

        var row = await LastRowAsync(env);
        Assert.Equal("complete", row.GetProperty("status").GetString());
        Assert.Equal(expected, row.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task Attach_after_the_grace_period_prints_the_recorded_part_and_STREAM_NOT_FOUND()
    {
        var env = NewHome();
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_RESUME_GRACE"] = "0.5" }, cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = $"tokens={Tokens};gate=hold@{Held + 1}";
        var (recorded, _) = await KillMidAnswerAsync(servers, env);

        // Nobody came back within the grace period: the edge stops the upstream and forgets the stream.
        await servers.Simulator.WaitForAbortsAsync(1, Ct);
        using var http = servers.CreateClient();
        var gone = $"v1/chat/stream/{recorded.GetProperty("stream_id").GetString()}";
        while (true)
        {
            // The removal follows the generation's end at once; until then the stream still answers.
            using var probe = await http.GetAsync(gone, HttpCompletionOption.ResponseHeadersRead, Ct);
            if (probe.StatusCode == HttpStatusCode.NotFound)
            {
                break;
            }
        }

        await using var attach = RelayProcess.Start(["attach"], env);
        Assert.Equal(1, await attach.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(recorded.GetProperty("answer").GetString() + "\n", attach.Stdout);
        Assert.Contains("error STREAM_NOT_FOUND", attach.Stderr, StringComparison.Ordinal);
        Assert.Contains("hint: the edge did not keep this answer", attach.Stderr, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> NewHome() =>
        new() { ["RELAY_HOME"] = Directory.CreateTempSubdirectory("relay-attach-").FullName };

    /// <summary>
    /// Runs ask until the simulator holds the answer after <see cref="Held"/> tokens and the screen shows them, then SIGKILLs
    /// it; returns the log's row and what the screen showed. The resume point is written before the next event is read,
    /// and the next is held: the kill cannot land between showing an event and recording it.
    /// </summary>
    private static async Task<(JsonElement Row, string Shown)> KillMidAnswerAsync(RelayServers servers, Dictionary<string, string?> env)
    {
        var held = string.Concat(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User(Prompt)], tokens: Tokens).Tokens.Take(Held));
        await using var ask = RelayProcess.Start(["ask", "--edge", servers.Edge.Url.ToString(), Prompt], env);
        await servers.Simulator.Gates.WaitReachedAsync("hold", Ct);
        await ask.WaitForStdoutAsync(s => s == held, Scenario.Exit);

        // The screen is written before the record: wait for the record of the last shown event (seq 1 is the start), and
        // for the answer's text, which the log writes at most once a second.
        var row = await LastRowAsync(env);
        while (row.GetProperty("last_event_id").GetString() is not { } last || !last.EndsWith($":{Held + 1}", StringComparison.Ordinal)
            || row.GetProperty("answer").GetString() != held)
        {
            row = await LastRowAsync(env);
        }

        await ask.SignalAsync("KILL");
        await ask.WaitForExitAsync(Scenario.Exit);
        Assert.Equal("streaming", row.GetProperty("status").GetString());
        return (row, ask.Stdout);
    }

    private static async Task<JsonElement> LastRowAsync(Dictionary<string, string?> env)
    {
        await using var log = RelayProcess.Start(["log", "--json", "-n", "1"], env);
        Assert.Equal(0, await log.WaitForExitAsync(Scenario.Exit));
        return JsonDocument.Parse(log.Stdout).RootElement.Clone();
    }
}
