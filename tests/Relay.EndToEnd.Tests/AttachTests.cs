using System.Net;
using System.Text.Json;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>An answer outlives its client process: <c>relay ask</c> SIGKILLed mid-answer, then <c>relay attach</c>.</summary>
public sealed class AttachTests
{
    private const string Prompt = "Tell me about rivers";
    private const int Tokens = 120;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_killed_ask_comes_back_with_attach_rest_gives_the_remainder_and_attach_by_id_the_whole_answer()
    {
        var env = NewHome();
        await using var servers = await RelayServers.StartAsync(cancellationToken: Ct);
        servers.Simulator.DefaultKnobs = $"tokens={Tokens};gate=hold@50";
        var expected = Scenario.Answer(Prompt, Tokens);

        var recorded = await KillMidAnswerAsync(servers, env);
        Assert.StartsWith(recorded.GetProperty("answer").GetString()!, expected, StringComparison.Ordinal);
        servers.Simulator.Gates.Release("hold");

        // The newest unfinished exchange, at the edge recorded with it: only what the dead process had not shown.
        await using (var rest = RelayProcess.Start(["attach", "--rest"], env))
        {
            Assert.Equal(0, await rest.WaitForExitAsync(Scenario.Exit));
            Assert.Equal(expected[recorded.GetProperty("answer").GetString()!.Length..] + "\n", rest.Stdout);
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
        servers.Simulator.DefaultKnobs = $"tokens={Tokens};gate=hold@50";
        var recorded = await KillMidAnswerAsync(servers, env);

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

    /// <summary>Runs ask until the simulator holds the answer and the log has what was shown, then SIGKILLs it.</summary>
    private static async Task<JsonElement> KillMidAnswerAsync(RelayServers servers, Dictionary<string, string?> env)
    {
        await using var ask = RelayProcess.Start(["ask", "--edge", servers.Edge.Url.ToString(), Prompt], env);
        await servers.Simulator.Gates.WaitReachedAsync("hold", Ct);
        await ask.WaitForStdoutAsync(s => s.Length > 0, Scenario.Exit);

        // The log is written at most once a second while an answer streams: wait until it caught up with the screen.
        var row = await LastRowAsync(env);
        while (row.GetProperty("answer").GetString() != ask.Stdout || row.GetProperty("last_event_id").ValueKind == JsonValueKind.Null)
        {
            row = await LastRowAsync(env);
        }

        await ask.SignalAsync("KILL");
        await ask.WaitForExitAsync(Scenario.Exit);
        Assert.Equal("streaming", row.GetProperty("status").GetString());
        return row;
    }

    private static async Task<JsonElement> LastRowAsync(Dictionary<string, string?> env)
    {
        await using var log = RelayProcess.Start(["log", "--json", "-n", "1"], env);
        Assert.Equal(0, await log.WaitForExitAsync(Scenario.Exit));
        return JsonDocument.Parse(log.Stdout).RootElement.Clone();
    }
}
