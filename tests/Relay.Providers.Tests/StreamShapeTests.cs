using System.Text;
using Relay.Contracts;
using static Relay.Providers.Tests.Captures;

namespace Relay.Providers.Tests;

public sealed class StreamShapeTests
{
    private const string RealExpected = "start openai/gpt-5.4-nano-20260317 OpenAI | delta Olá | delta ! | delta  😊 | usage 19/7 | done stop";

    [Fact]
    public async Task The_real_capture_maps_to_start_content_usage_and_done()
    {
        var events = await TestProvider.Create(ScriptedHandler.Sse(RealStream)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(RealExpected, TestProvider.Describe(events));
        var usage = Assert.IsType<UsageEvent>(events[^2]).Usage;
        Assert.Equal(26, usage.TotalTokens);
        Assert.Equal(0.00001255m, usage.CostUsd);
        Assert.Equal(0, usage.ReasoningTokens);
        Assert.Equal(0, usage.CachedTokens);
        Assert.Equal("", Assert.IsType<StartEvent>(events[0]).StreamId);
    }

    public static TheoryData<string> LineEndings() => ["\n", "\r\n", "\r"];

    [Theory]
    [MemberData(nameof(LineEndings))]
    public async Task Split_at_every_byte_boundary_the_events_are_the_same(string eol)
    {
        var bytes = Encoding.UTF8.GetBytes(RealStream.Replace("\n", eol, StringComparison.Ordinal));
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var stream = new PiecewiseStream([bytes[..cut], bytes[cut..]]);
            var events = await TestProvider.Create(ScriptedHandler.Sse(stream)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(RealExpected, TestProvider.Describe(events));
        }
    }

    [Fact]
    public async Task One_byte_at_a_time_the_events_are_the_same()
    {
        var bytes = Encoding.UTF8.GetBytes(RealStream.Replace("\n", "\r\n", StringComparison.Ordinal));
        var stream = new PiecewiseStream(bytes.Select(b => new[] { b }));
        var events = await TestProvider.Create(ScriptedHandler.Sse(stream)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(RealExpected, TestProvider.Describe(events));
    }

    [Fact]
    public async Task A_chunk_that_is_not_valid_UTF8_is_decoded_with_replacement_characters_not_failed()
    {
        var bytes = Encoding.UTF8.GetBytes(Content("a~b") + Finish() + Done);
        bytes[Array.IndexOf(bytes, (byte)'~')] = 0xFF;
        var events = await TestProvider.Create(ScriptedHandler.Sse(new PiecewiseStream([bytes]))).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("a\uFFFDb", Assert.IsType<DeltaEvent>(events[1]).Text);
        Assert.Equal("stop", Assert.IsType<DoneEvent>(events[^1]).FinishReason);
    }

    [Theory]
    [InlineData("A: separate chunk, non-empty choices, null finish",
        """choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}],"usage":{{USAGE}}""")]
    [InlineData("B: OpenAI style, empty choices", """choices":[],"usage":{{USAGE}}""")]
    [InlineData("C: duplicated finish plus usage",
        """choices":[{"index":0,"delta":{"content":"","role":"assistant"},"finish_reason":"stop","native_finish_reason":"completed"}],"usage":{{USAGE}}""")]
    public async Task Every_usage_shape_comes_out_as_content_usage_then_done(string variant, string usageChunk)
    {
        var body = Content("a") + Finish() + Chunk(usageChunk.Replace("{{USAGE}}", UsageJson, StringComparison.Ordinal)) + Done;
        var events = await TestProvider.Create(ScriptedHandler.Sse(body)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(TestProvider.Describe(events) == "start openai/gpt-5.4-nano-20260317 OpenAI | delta a | usage 5/2 | done stop", variant);
    }

    [Fact]
    public async Task No_usage_at_all_still_finishes()
    {
        var events = await TestProvider.Create(ScriptedHandler.Sse(Content("a") + Finish() + Done)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("start openai/gpt-5.4-nano-20260317 OpenAI | delta a | done stop", TestProvider.Describe(events));
    }

    [Fact]
    public async Task A_missing_DONE_after_a_finish_is_still_a_complete_answer()
    {
        var events = await TestProvider.Create(ScriptedHandler.Sse(Content("a") + Finish())).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("done stop", TestProvider.Describe(events[^1..]));
    }

    [Fact]
    public async Task Comments_role_only_and_empty_choice_chunks_produce_no_events()
    {
        var body = ": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n" +
            Chunk("""choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]""") +
            Chunk("""choices":[]""") +
            ": OPENROUTER PROCESSING\n\n" + Content("x") + Finish() + Done;
        var events = await TestProvider.Create(ScriptedHandler.Sse(body)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("start openai/gpt-5.4-nano-20260317 OpenAI | delta x | done stop", TestProvider.Describe(events));
    }

    [Fact]
    public async Task Reasoning_comes_from_reasoning_or_from_reasoning_details_alone()
    {
        var body =
            Chunk("""choices":[{"index":0,"delta":{"content":"","role":"assistant","reasoning":"Think","reasoning_details":[{"type":"reasoning.text","text":"Think","format":"unknown","index":0}]},"finish_reason":null}]""") +
            Chunk("""choices":[{"index":0,"delta":{"content":"","role":"assistant","reasoning_details":[{"type":"reasoning.text","text":" more","format":"anthropic-claude-v1","index":0}]},"finish_reason":null}]""") +
            Chunk("""choices":[{"index":0,"delta":{"content":"","role":"assistant","reasoning_details":[{"type":"reasoning.text","signature":"Eq0E","format":"anthropic-claude-v1","index":0}]},"finish_reason":null}]""") +
            Content("Answer") + Finish() + Done;
        var events = await TestProvider.Create(ScriptedHandler.Sse(body)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("start openai/gpt-5.4-nano-20260317 OpenAI | reasoning Think | reasoning  more | delta Answer | done stop", TestProvider.Describe(events));
    }

    [Fact]
    public async Task Tool_call_fragments_are_emitted_and_a_later_stop_stays_tool_calls()
    {
        var body =
            Chunk("""choices":[{"index":0,"delta":{"content":null,"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"weather","arguments":""}}]},"finish_reason":null}]""") +
            Chunk("""choices":[{"index":0,"delta":{"content":null,"role":"assistant","tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]""") +
            Chunk("""choices":[{"index":0,"delta":{"content":null,"role":"assistant","tool_calls":[{"index":0,"function":{"arguments":""}}]},"finish_reason":null}]""") +
            Chunk("""choices":[{"index":0,"delta":{"content":null,"role":"assistant","tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"time","arguments":"{}"}}]},"finish_reason":null}]""") +
            Finish("tool_calls", "tool_use") + Finish("stop", "STOP") + Done;
        var events = await TestProvider.Create(ScriptedHandler.Sse(body)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(
            "start openai/gpt-5.4-nano-20260317 OpenAI | tool 0 call_1 weather  | tool 0   {\"city\": | tool 1 call_2 time {} | done tool_calls",
            TestProvider.Describe(events));
    }

    [Fact]
    public async Task Content_riding_on_the_finish_chunk_is_kept()
    {
        var body = Chunk("""choices":[{"index":0,"delta":{"content":"\"","role":"assistant"},"finish_reason":"stop","native_finish_reason":"STOP"}]""") + Done;
        var events = await TestProvider.Create(ScriptedHandler.Sse(body)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("start openai/gpt-5.4-nano-20260317 OpenAI | delta \" | done stop", TestProvider.Describe(events));
    }
}
