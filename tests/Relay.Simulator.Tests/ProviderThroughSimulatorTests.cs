using System.Text;
using Relay.Contracts;
using Relay.Providers;

namespace Relay.Simulator.Tests;

public sealed class ProviderThroughSimulatorTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    public static TheoryData<string> Models() => [.. SimulatedModel.All.Select(m => m.Id)];

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Every_model_streams_exactly_its_answer_then_usage_then_done(string model)
    {
        var events = await Collect(sim.Provider("tokens=40"), SimulatorFixture.Request(model));
        var expected = SimulatedAnswer.For(model, SimulatorFixture.Request(model).Messages, tokens: 40);
        Assert.Equal(expected.Text, string.Concat(events.OfType<DeltaEvent>().Select(d => d.Text)));
        Assert.Equal(expected.Reasoning, string.Concat(events.OfType<ReasoningEvent>().Select(d => d.Text)));
        var start = Assert.IsType<StartEvent>(events[0]);
        Assert.Equal(model, start.Model);
        Assert.Equal(SimulatedModel.Find(model)!.Provider, start.Provider);
        Assert.Equal(40 + expected.ReasoningTokens.Count, Assert.IsType<UsageEvent>(events[^2]).Usage.CompletionTokens);
        Assert.Equal("stop", Assert.IsType<DoneEvent>(events[^1]).FinishReason);
    }

    [Fact]
    public async Task The_reasoning_model_streams_reasoning_before_content()
    {
        var events = await Collect(sim.Provider("tokens=20"), SimulatorFixture.Request("deepseek/deepseek-r1"));
        var firstDelta = events.FindIndex(e => e is DeltaEvent);
        Assert.True(events.FindIndex(e => e is ReasoningEvent) is > 0 and var r && r < firstDelta);
        Assert.DoesNotContain(events[firstDelta..], e => e is ReasoningEvent);
    }

    [Theory]
    [InlineData("usage=a")]
    [InlineData("usage=b")]
    [InlineData("usage=c")]
    [InlineData("eol=crlf")]
    [InlineData("eol=cr")]
    [InlineData("write=1")]
    [InlineData("write=7;eol=crlf")]
    [InlineData("comments=5;midcomments=3")]
    [InlineData("nodone")]
    public async Task Transport_and_usage_knobs_never_change_the_answer(string knobs)
    {
        var request = SimulatorFixture.Request();
        var events = await Collect(sim.Provider("tokens=30;" + knobs), request);
        Assert.Equal(SimulatedAnswer.For(request.Model!, request.Messages, tokens: 30).Text, string.Concat(events.OfType<DeltaEvent>().Select(d => d.Text)));
        Assert.IsType<DoneEvent>(events[^1]);
    }

    [Fact]
    public async Task The_stamp_knob_makes_each_token_the_monotonic_time_it_was_written()
    {
        var before = System.Diagnostics.Stopwatch.GetTimestamp();
        var events = await Collect(sim.Provider("tokens=12;interval=1ms;stamp=1"), SimulatorFixture.Request());
        var after = System.Diagnostics.Stopwatch.GetTimestamp();
        var stamps = events.OfType<DeltaEvent>().Select(d =>
        {
            Assert.Matches("^@[0-9]+ $", d.Text);
            return long.Parse(d.Text.AsSpan(1, d.Text.Length - 2), System.Globalization.CultureInfo.InvariantCulture);
        }).ToList();
        Assert.Equal(12, stamps.Count);
        Assert.All(stamps, t => Assert.InRange(t, before, after));
        Assert.Equal(stamps.Order(), stamps);
        Assert.Equal(12, Assert.IsType<UsageEvent>(events[^2]).Usage.CompletionTokens);
    }

    [Fact]
    public async Task Usage_none_finishes_without_a_usage_event()
    {
        var events = await Collect(sim.Provider("tokens=5;usage=none"), SimulatorFixture.Request());
        Assert.DoesNotContain(events, e => e is UsageEvent);
        Assert.IsType<DoneEvent>(events[^1]);
    }

    [Theory]
    [InlineData('a', "UPSTREAM_UNAVAILABLE")]
    [InlineData('b', "UPSTREAM_UNAVAILABLE")]
    [InlineData('c', "UPSTREAM_UNAVAILABLE")]
    [InlineData('d', "UPSTREAM_ERROR")]
    [InlineData('e', "STREAM_INTERRUPTED")]
    public async Task Each_mid_stream_error_shape_reaches_the_provider_as_its_code(char shape, string code)
    {
        var events = await Collect(sim.Provider($"tokens=20;error=midstream-{shape}@6"), SimulatorFixture.Request());
        Assert.Equal(5, events.OfType<DeltaEvent>().Count());
        Assert.Equal(code, Assert.IsType<ErrorEvent>(events[^1]).Error.WireName);
    }

    [Theory]
    [InlineData(401, "UPSTREAM_AUTH_FAILED")]
    [InlineData(402, "INSUFFICIENT_CREDITS")]
    [InlineData(429, "RATE_LIMITED")]
    [InlineData(503, "UPSTREAM_UNAVAILABLE")]
    public async Task A_status_knob_is_a_pre_stream_error_with_retry_after(int status, string code)
    {
        var events = await Collect(sim.Provider($"status={status};retry_after=3"), SimulatorFixture.Request());
        var error = Assert.IsType<ErrorEvent>(Assert.Single(events)).Error;
        Assert.Equal(code, error.WireName);
        Assert.Equal(3000, error.RetryAfterMs);
    }

    [Fact]
    public async Task A_failed_model_answers_503_and_its_models_fall_back_like_OpenRouter()
    {
        var failed = await Collect(sim.Provider("tokens=3;fail_model=openai/gpt-4o-mini"), SimulatorFixture.Request());
        Assert.Equal(StreamErrorCode.UpstreamUnavailable, Assert.IsType<ErrorEvent>(Assert.Single(failed)).Error.Code);

        // The provider passes models through; the first that exists and is up answers, and the chunks name it.
        var request = SimulatorFixture.Request() with { Models = ["nobody/nothing", "google/gemini-2.5-flash"] };
        var events = await Collect(sim.Provider("tokens=3;fail_model=openai/gpt-4o-mini"), request);
        Assert.Equal("google/gemini-2.5-flash", Assert.IsType<StartEvent>(events[0]).Model);
        Assert.Equal(SimulatedAnswer.For("google/gemini-2.5-flash", request.Messages, tokens: 3).Text, string.Concat(events.OfType<DeltaEvent>().Select(d => d.Text)));
    }

    [Fact]
    public async Task A_status_count_fails_only_the_first_requests_since_the_knobs_were_set()
    {
        await using var host = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero, DefaultKnobs = "tokens=2;status=503;status_count=2" }, TestContext.Current.CancellationToken);
        var provider = new OpenRouterProvider(new HttpClient(), Microsoft.Extensions.Options.Options.Create(new OpenRouterOptions { BaseUrl = host.BaseUrl.ToString() }));
        var outcomes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            outcomes.Add((await Collect(provider, SimulatorFixture.Request()))[^1].WireName);
        }

        host.DefaultKnobs = "tokens=2;status=503;status_count=1"; // setting the knobs starts the count again
        outcomes.Add((await Collect(provider, SimulatorFixture.Request()))[^1].WireName);
        Assert.Equal(["error", "error", "done", "error"], outcomes);
    }

    [Fact]
    public async Task An_unknown_model_is_MODEL_NOT_FOUND()
    {
        var events = await Collect(sim.Provider(), SimulatorFixture.Request("nobody/nothing"));
        Assert.Equal(StreamErrorCode.ModelNotFound, Assert.IsType<ErrorEvent>(Assert.Single(events)).Error.Code);
    }

    [Fact]
    public async Task A_reset_after_n_bytes_is_STREAM_INTERRUPTED()
    {
        var events = await Collect(sim.Provider("tokens=50;reset=900"), SimulatorFixture.Request());

        // A reset may discard bytes the client had not read yet, headers included: then it is a failed connect.
        Assert.Contains(Assert.IsType<ErrorEvent>(events[^1]).Error.Code, new[] { StreamErrorCode.StreamInterrupted, StreamErrorCode.UpstreamUnavailable });
        Assert.DoesNotContain(events, e => e is DoneEvent);
    }

    [Fact]
    public async Task A_malformed_event_is_MALFORMED_EVENT_and_an_oversized_one_EVENT_TOO_LARGE()
    {
        var malformed = await Collect(sim.Provider("tokens=10;malformed=@4"), SimulatorFixture.Request());
        Assert.Equal(StreamErrorCode.MalformedEvent, Assert.IsType<ErrorEvent>(malformed[^1]).Error.Code);
        Assert.Equal(3, malformed.OfType<DeltaEvent>().Count());
        var oversized = await Collect(sim.Provider("tokens=10;oversized=@4"), SimulatorFixture.Request());
        Assert.Equal(StreamErrorCode.EventTooLarge, Assert.IsType<ErrorEvent>(oversized[^1]).Error.Code);
    }

    [Fact]
    public async Task A_tool_call_streams_in_fragments_and_finishes_with_tool_calls()
    {
        var events = await Collect(sim.Provider("tools=1"), SimulatorFixture.Request());
        var calls = events.OfType<ToolCallEvent>().ToList();
        Assert.Equal("call_sim_1", calls[0].ToolCallId);
        Assert.Equal("{\"city\":\"Paris\"}", string.Concat(calls.Select(c => c.Arguments)));
        Assert.Equal("tool_calls", Assert.IsType<DoneEvent>(events[^1]).FinishReason);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task The_whole_answer_has_the_same_words_as_the_stream(string model)
    {
        var request = SimulatorFixture.Request(model, maxTokens: 25);
        var whole = await sim.Provider().GenerateAsync(request, TestContext.Current.CancellationToken);
        var streamed = await Collect(sim.Provider(), request);
        Assert.Equal(string.Concat(streamed.OfType<DeltaEvent>().Select(d => d.Text)), whole.Text);
        Assert.Equal(string.Concat(streamed.OfType<ReasoningEvent>().Select(d => d.Text)), whole.Reasoning ?? "");
        Assert.Equal(Assert.IsType<UsageEvent>(streamed[^2]).Usage, whole.Usage);
    }

    [Fact]
    public async Task The_gate_holds_a_token_until_released_so_flushing_is_proved_without_timing()
    {
        var provider = sim.Provider("tokens=10;gate=flush-proof@5");
        await using var events = provider.GenerateStreamAsync(SimulatorFixture.Request(), TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        var deltas = 0;
        while (deltas < 4 && await events.MoveNextAsync())
        {
            deltas += events.Current is DeltaEvent ? 1 : 0;
        }

        // Four deltas arrived while token 5 is still held: each was flushed on its own.
        await sim.Host.Gates.WaitReachedAsync("flush-proof", TestContext.Current.CancellationToken);
        Assert.Equal(4, deltas);
        sim.Host.Gates.Release("flush-proof");
        StreamEvent? last = null;
        while (await events.MoveNextAsync())
        {
            last = events.Current;
        }

        Assert.IsType<DoneEvent>(last);
    }

    [Fact]
    public async Task A_client_abort_is_noticed_and_counted()
    {
        var before = sim.Host.GetStats().AbortedByClient;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var provider = sim.Provider("tokens=100;stall=3");
        await foreach (var e in provider.GenerateStreamAsync(SimulatorFixture.Request(), cts.Token))
        {
            if (e is DeltaEvent)
            {
                await cts.CancelAsync();
            }
        }

        await sim.Host.WaitForAbortsAsync((int)before + 1, TestContext.Current.CancellationToken);
        var stats = sim.Host.GetStats();
        Assert.True(stats.AbortedByClient > before);
        Assert.True(stats.Aborts[^1].NoticedAfterMs >= 0);
    }

    [Fact]
    public async Task The_same_request_gives_the_same_answer_and_another_seed_another()
    {
        var messages = SimulatorFixture.Request().Messages;
        Assert.Equal(SimulatedAnswer.For("m", messages, seed: 1).Text, SimulatedAnswer.For("m", messages, seed: 1).Text);
        Assert.NotEqual(SimulatedAnswer.For("m", messages, seed: 1).Text, SimulatedAnswer.For("m", messages, seed: 2).Text);
        Assert.Equal(20_000, SimulatedAnswer.For("m", messages, maxTokens: 20_000, tokens: 20_000).Tokens.Count);
        var story = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Write a 200 word story")]);
        Assert.Equal(200, story.Tokens.Count);
        Assert.Contains(story.Tokens, t => Encoding.UTF8.GetByteCount(t) > t.Length);
    }

    private static async Task<List<StreamEvent>> Collect(Relay.Providers.OpenRouterProvider provider, ChatRequest request)
    {
        var events = new List<StreamEvent>();
        await foreach (var e in provider.GenerateStreamAsync(request, TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }

        return events;
    }
}
