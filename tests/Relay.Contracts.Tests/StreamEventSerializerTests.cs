using System.Text;
using System.Text.Json;

namespace Relay.Contracts.Tests;

public sealed class StreamEventSerializerTests
{
    public static TheoryData<string, StreamEvent, string> Shapes() => new()
    {
        { "start", new StartEvent("abc", "openai/gpt-4o-mini", "OpenAI"), """{"stream_id":"abc","model":"openai/gpt-4o-mini","provider":"OpenAI"}""" },
        { "delta", new DeltaEvent("héllo 世界 🎉"), """{"text":"héllo 世界 \uD83C\uDF89"}""" },
        { "reasoning", new ReasoningEvent("think"), """{"text":"think"}""" },
        { "tool_call", new ToolCallEvent(0, "call_1", "get_weather", "{\"city\""), """{"index":0,"id":"call_1","name":"get_weather","arguments":"{\"city\""}""" },
        { "usage", new UsageEvent(new Usage { PromptTokens = 20, CompletionTokens = 292, TotalTokens = 312, ReasoningTokens = 0, CachedTokens = 4, CostUsd = 0.00041m }), """{"prompt_tokens":20,"completion_tokens":292,"total_tokens":312,"reasoning_tokens":0,"cached_tokens":4,"cost_usd":0.00041}""" },
        { "done", new DoneEvent("stop"), """{"finish_reason":"stop"}""" },
        { "error", new ErrorEvent(StreamError.Create(StreamErrorCode.StreamInterrupted)), """{"code":"STREAM_INTERRUPTED","message":"The upstream stream ended before the answer was complete.","retryable":true,"retry_after_ms":null}""" },
        { "reconnecting", new ReconnectingEvent(2, 8, 1200), """{"attempt":2,"max_attempts":8,"delay_ms":1200}""" },
        { "restarted", new RestartedEvent(), "{}" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Each_event_has_its_wire_name_and_data_shape(string wireName, StreamEvent e, string json)
    {
        Assert.Equal(wireName, e.WireName);
        Assert.Equal(json, Encoding.UTF8.GetString(StreamEventSerializer.SerializeData(e)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Each_event_round_trips_with_its_id(string wireName, StreamEvent e, string json)
    {
        var back = StreamEventSerializer.Deserialize(wireName, json, "abc:7");
        Assert.Equal("abc:7", back.EventId);
        Assert.Equal(json, Encoding.UTF8.GetString(StreamEventSerializer.SerializeData(back)));
        Assert.Equal(e.IsTerminal, back.IsTerminal);
    }

    [Theory]
    [InlineData("delta", """{"text":""}""")]
    [InlineData("reasoning", "{}")]
    [InlineData("done", "{}")]
    [InlineData("start", """{"model":"m"}""")]
    [InlineData("error", """{"code":"CANCELLED"}""")]
    [InlineData("delta", "not json")]
    [InlineData("usage", """{"prompt_tokens":"ten"}""")]
    [InlineData("error", """{"code":"NO_SUCH_CODE","message":"x","retryable":false}""")]
    [InlineData("surprise", "{}")]
    [InlineData("delta", "null")]
    public void Malformed_events_are_MALFORMED_EVENT(string wireName, string data)
    {
        var ex = Assert.Throws<StreamErrorException>(() => StreamEventSerializer.Deserialize(wireName, data));
        Assert.Equal(StreamErrorCode.MalformedEvent, ex.Error.Code);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Each_event_reads_the_same_from_its_UTF8_bytes(string wireName, StreamEvent e, string json)
    {
        var fromText = StreamEventSerializer.Deserialize(wireName, json, "abc:7");
        var fromBytes = StreamEventSerializer.Deserialize(wireName, Encoding.UTF8.GetBytes(json), "abc:7");
        Assert.Equal(fromText, fromBytes);
        Assert.Equal(e with { EventId = "abc:7" }, fromBytes);
    }

    [Theory]
    [InlineData("""{"text":"a\nb \u00e9\"q\""}""", "a\nb é\"q\"")] // escapes are undone
    [InlineData("""{ "text" : "spaced" }""", "spaced")]
    [InlineData("""{"text":"x","extra":1}""", "x")] // more than the text: the serializer reads it, and ignores the rest
    [InlineData("""{"extra":1,"text":"y"}""", "y")]
    public void A_delta_reads_the_same_whichever_path_its_shape_takes(string json, string text)
    {
        var e = Assert.IsType<DeltaEvent>(StreamEventSerializer.Deserialize("delta", Encoding.UTF8.GetBytes(json), "s:1"));
        Assert.Equal(text, e.Text);
        Assert.Equal("s:1", e.EventId);
    }

    [Theory]
    [InlineData("""{"text":""}""")]
    [InlineData("""{"text":5}""")]
    [InlineData("""{"text":"a"} x""")]
    [InlineData("""{"text":"a",}""")]
    [InlineData("""{"text":"a\q"}""")]
    [InlineData("[]")]
    public void A_malformed_delta_from_bytes_is_MALFORMED_EVENT(string json)
    {
        var ex = Assert.Throws<StreamErrorException>(() => StreamEventSerializer.Deserialize("delta", Encoding.UTF8.GetBytes(json)));
        Assert.Equal(StreamErrorCode.MalformedEvent, ex.Error.Code);
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_read_as_U_FFFD_as_a_text_decoder_would()
    {
        byte[] data = [.. "{\"text\":\"a"u8, 0xFF, .. "b\"}"u8];
        Assert.Equal("a\uFFFDb", Assert.IsType<DeltaEvent>(StreamEventSerializer.Deserialize("delta", data)).Text);
    }

    [Fact]
    public void Control_characters_stay_escaped_so_a_data_line_never_breaks()
    {
        var json = Encoding.UTF8.GetString(StreamEventSerializer.SerializeData(new DeltaEvent("a\nb\r\u0000")));
        Assert.Equal("""{"text":"a\nb\r\u0000"}""", json);
    }

    [Fact]
    public void Only_done_and_error_are_terminal()
    {
        Assert.True(new DoneEvent("stop").IsTerminal);
        Assert.True(new ErrorEvent(StreamError.Create(StreamErrorCode.Cancelled)).IsTerminal);
        Assert.False(new DeltaEvent("x").IsTerminal);
    }

    [Fact]
    public void Requests_use_snake_case_and_accept_every_field()
    {
        const string json = """
            {"model":"m","messages":[{"role":"system","content":"s"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","name":"f","arguments":"{}"}]},{"role":"tool","content":"r","tool_call_id":"c"}],
             "max_tokens":5,"temperature":0.5,"top_p":0.9,"stop":["x"],"reasoning_effort":"high","seed":3,"tools":[{"type":"function"}],"tool_choice":"auto","stream_id":"abcdefgh"}
            """;
        var request = JsonSerializer.Deserialize(json, RelayJsonContext.Default.ChatRequest)!;
        Assert.Equal(3, request.Messages.Count);
        Assert.Equal(ChatRole.Tool, request.Messages[2].Role);
        Assert.Equal("c", request.Messages[2].ToolCallId);
        Assert.Equal("f", request.Messages[1].ToolCalls![0].Name);
        Assert.Equal(5, request.MaxTokens);
        Assert.Equal("high", request.ReasoningEffort);
        Assert.Equal(JsonValueKind.Array, request.Tools!.Value.ValueKind);
        Assert.Equal("abcdefgh", request.StreamId);
        var back = JsonSerializer.Serialize(request, RelayJsonContext.Default.ChatRequest);
        Assert.Contains("\"max_tokens\":5", back, StringComparison.Ordinal);
        Assert.Contains("\"role\":\"system\"", back, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>(() => StreamEventSerializer.SerializeData(null!));
        Assert.Throws<ArgumentNullException>(() => StreamEventSerializer.Deserialize(null!, "{}"));
        Assert.Throws<ArgumentNullException>(() => StreamEventSerializer.Deserialize("delta", (string)null!));
    }
}
