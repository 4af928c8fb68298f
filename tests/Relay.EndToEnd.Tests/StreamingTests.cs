using Relay.Simulator;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>Scenarios 1, 6 and 8: the answer as the user sees it, token by token, for every model, and whole.</summary>
public sealed class StreamingTests
{
    [Fact]
    public async Task A_200_word_story_streams_before_the_last_token_and_equals_the_simulators_answer()
    {
        using var _ = Scenario.Timed("scenario 1 (200 word story, realistic pacing)");
        await using var chain = await Chain.StartAsync(interval: TimeSpan.FromSeconds(1.0 / 60), firstToken: TimeSpan.FromMilliseconds(300), cancellationToken: TestContext.Current.CancellationToken);
        const string Prompt = "Write a 200 word story";
        await chain.KnobsAsync("tokens=260;gate=last@260");
        await using var relay = RelayProcess.Start(Scenario.Ask(chain, Prompt));

        // The simulator holds its last token; the story is already on stdout.
        await chain.GateReachedAsync("last");
        await relay.WaitForStdoutAsync(s => s.Length > 0, Scenario.Exit);
        var before = relay.Stdout;
        var answer = Scenario.Answer(Prompt, 260);
        Assert.StartsWith(before, answer, StringComparison.Ordinal);
        Assert.True(before.Length < answer.Length, "the whole answer was already out");
        Assert.Equal("", relay.Stderr);
        await chain.ReleaseAsync("last");

        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(answer + "\n", relay.Stdout);
        Assert.StartsWith(before, relay.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"^openai/gpt-4o-mini · \d+ in / 260 out tokens · \$[0-9.]+ · first token \d+ ms · \d+ tok/s\n$", relay.Stderr);
    }

    [Theory]
    [InlineData("openai/gpt-4o-mini")]
    [InlineData("anthropic/claude-sonnet-4")]
    [InlineData("google/gemini-2.5-flash")]
    [InlineData("deepseek/deepseek-r1")]
    public async Task Every_model_streams_its_answer_to_stdout_and_reasoning_only_to_stderr(string model)
    {
        using var _ = Scenario.Timed($"scenario 6 ({model})");
        await using var chain = await Chain.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await chain.KnobsAsync("tokens=40");
        await using var relay = RelayProcess.Start(Scenario.Ask(chain, "Explain tides", "-m", model, "--show-reasoning"));
        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));

        var answer = SimulatedAnswer.For(model, [Contracts.ChatMessage.User("Explain tides")], tokens: 40);
        Assert.Equal(answer.Text + "\n", relay.Stdout);
        Assert.Contains($"{model} · ", relay.Stderr, StringComparison.Ordinal);
        Assert.Equal(model == "deepseek/deepseek-r1", answer.Reasoning.Length > 0);
        if (answer.Reasoning.Length > 0)
        {
            Assert.Contains(answer.Reasoning, relay.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(answer.Reasoning, relay.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task No_stream_gives_the_same_text_as_streaming()
    {
        using var _ = Scenario.Timed("scenario 8 (--no-stream)");
        await using var chain = await Chain.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await chain.KnobsAsync("tokens=120");
        await using var streamed = RelayProcess.Start(Scenario.Ask(chain, "Describe a harbour"));
        Assert.Equal(0, await streamed.WaitForExitAsync(Scenario.Exit));
        await using var whole = RelayProcess.Start(Scenario.Ask(chain, "Describe a harbour", "--no-stream"));
        Assert.Equal(0, await whole.WaitForExitAsync(Scenario.Exit));

        Assert.Equal(Scenario.Answer("Describe a harbour", 120) + "\n", streamed.Stdout);
        Assert.Equal(streamed.Stdout, whole.Stdout);
        Assert.Contains("120 out tokens", whole.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_link_a_fast_one_and_a_stalled_upstream()
    {
        using var _ = Scenario.Timed("scenario 5 (slow link, fast link, stalled upstream)");
        await using var chain = await Chain.StartAsync(edgeSettings: new Dictionary<string, string?> { ["OpenRouter__IdleTimeout"] = "00:00:01" }, cancellationToken: TestContext.Current.CancellationToken);

        // 1 KB/s in small writes: a ~3 KB response takes seconds and arrives whole.
        await chain.KnobsAsync("tokens=30");
        chain.Client.Next(new FaultBehavior { BytesPerSecond = 1024 });
        await using (var slow = RelayProcess.Start(Scenario.Ask(chain, "Slowly")))
        {
            Assert.Equal(0, await slow.WaitForExitAsync(Scenario.Exit));
            Assert.Equal(Scenario.Answer("Slowly", 30) + "\n", slow.Stdout);
        }

        // Unpaced and long.
        await chain.KnobsAsync("tokens=2000;interval=0");
        await using (var fast = RelayProcess.Start(Scenario.Ask(chain, "Quickly")))
        {
            Assert.Equal(0, await fast.WaitForExitAsync(Scenario.Exit));
            Assert.Equal(Scenario.Answer("Quickly", 2000) + "\n", fast.Stdout);
        }

        // The upstream stops after 5 tokens: the edge's 1 s idle timeout ends it with UPSTREAM_TIMEOUT and its hint.
        await chain.KnobsAsync("tokens=30;stall=@5");
        await using var stalled = RelayProcess.Start(Scenario.Ask(chain, "Then stop"));
        Assert.Equal(1, await stalled.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(string.Concat(SimulatedAnswer.For(SimulatedModel.DefaultId, [Contracts.ChatMessage.User("Then stop")], tokens: 30).Tokens.Take(5)) + "\n", stalled.Stdout);
        Assert.Contains("UPSTREAM_TIMEOUT", stalled.Stderr, StringComparison.Ordinal);
        Assert.Contains("hint: the model stopped answering; retry, or try another model with -m", stalled.Stderr, StringComparison.Ordinal);
    }
}
