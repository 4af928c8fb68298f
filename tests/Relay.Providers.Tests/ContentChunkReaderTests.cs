using System.Text;
using Relay.Contracts;

namespace Relay.Providers.Tests;

/// <summary>
/// The forward-only reader of plain content chunks must give exactly what the full mapping gives, and leave every
/// other chunk to it.
/// </summary>
public sealed class ContentChunkReaderTests
{
    private const string First = """{"id":"gen-1","provider":"OpenAI","model":"openai/gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""";

    /// <summary>Chunks the reader takes, with the content it reads (null: none).</summary>
    public static TheoryData<string, string?> Taken() => new()
    {
        { """{"id":"gen-1","provider":"OpenAI","model":"m","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"content":"Hello","role":"assistant"},"finish_reason":null,"native_finish_reason":null}]}""", "Hello" },
        { """{"choices":[{"delta":{"role":"assistant","content":"Ol\u00e1 \"q\" \\ \n"}}]}""", "Olá \"q\" \\ \n" },
        { """{"choices":[{"delta":{"content":"😊 日本"},"logprobs":null,"index":0}],"system_fingerprint":null}""", "😊 日本" },
        { """ { "choices" : [ { "delta" : { "content" : "spaced" } } ] , "usage" : null } """, "spaced" },
        { """{"choices":[{"delta":{"content":"","role":"assistant"},"finish_reason":null}]}""", "" },
        { """{"choices":[{"delta":{"content":null,"refusal":null}}],"error":null}""", null },
        { """{"meta":{"nested":[1,{"a":"b"}]},"choices":[{"delta":{"content":"after nested"}}]}""", "after nested" },
        { """{"choices":[{"delta":{"\u0063ontent":"escaped name"}}]}""", "escaped name" },
    };

    /// <summary>Chunks left to the full mapping.</summary>
    public static TheoryData<string> Left() =>
    [
        """{"choices":[{"delta":{"content":"x"},"finish_reason":"stop"}]}""",
        """{"choices":[{"delta":{"content":"x"},"native_finish_reason":"error"}]}""",
        """{"choices":[{"delta":{"content":""},"finish_reason":"error","error":{"message":"boom","code":502}}]}""",
        """{"error":{"message":"boom","code":502}}""",
        """{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}""",
        """{"choices":[{"delta":{"content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}""",
        """{"choices":[{"delta":{"content":"","reasoning":"think"}}]}""",
        """{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.text","text":"t"}]}}]}""",
        """{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":""}}]}}]}""",
        """{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}""",
        """{"choices":[{"delta":{"content":"a","content":"b"}}]}""",
        """{"choices":[{"delta":{"content":"a"}}],"choices":[]}""",
        """{"choices":[{"delta":{"content":1}}]}""",
        """{"choices":[{"delta":null}]}""",
        """{"choices":[7]}""",
        """{"choices":{}}""",
        """{"id":"no choices"}""",
        """[{"choices":[]}]""",
        """{"choices":[{"delta":{"content":"x"}}]} {}""",
        """{"choices":[{"delta":{"content":"x"}}]""",
        """{"choices":[{"delta":{"content":"x"}}]}]""",
    ];

    [Theory]
    [MemberData(nameof(Taken))]
    public void Plain_content_chunks_are_read_in_one_pass(string chunk, string? content)
    {
        Assert.True(ContentChunkReader.TryRead(Encoding.UTF8.GetBytes(chunk), out var read));
        Assert.Equal(content, read);
    }

    [Theory]
    [MemberData(nameof(Taken))]
    public void A_taken_chunk_maps_to_what_the_full_mapping_gives(string chunk, string? content)
    {
        _ = content;

        // A non-null property the reader does not know, which the full mapping ignores, sends the same chunk there.
        var forced = chunk.Replace("\"delta\":{", "\"delta\":{\"x_relay_test\":1,", StringComparison.Ordinal)
            .Replace("\"delta\" : {", "\"delta\" : {\"x_relay_test\":1,", StringComparison.Ordinal);
        Assert.NotEqual(chunk, forced);
        Assert.False(ContentChunkReader.TryRead(Encoding.UTF8.GetBytes(forced), out _));

        var (fast, fastMapper) = Map(chunk);
        var (full, fullMapper) = Map(forced);
        Assert.Equal(Describe(full), Describe(fast));
        Assert.Equal(fullMapper.ContentEvents, fastMapper.ContentEvents);
        Assert.Equal(fullMapper.Finished, fastMapper.Finished);
    }

    [Theory]
    [MemberData(nameof(Left))]
    public void Other_chunks_are_left_to_the_full_mapping(string chunk)
    {
        Assert.False(ContentChunkReader.TryRead(Encoding.UTF8.GetBytes(chunk), out _));
    }

    [Fact]
    public void The_first_chunk_still_names_the_model_and_provider()
    {
        var (events, mapper) = Map(null);
        Assert.Equal("start openai/gpt-4o-mini OpenAI", Describe(events));
        Assert.Equal("openai/gpt-4o-mini", mapper.Model);
    }

    [Fact]
    public void A_finish_after_fast_read_content_still_completes_the_answer()
    {
        var mapper = new OpenRouterChunkMapper("requested", new SecretRedactor(null));
        var output = new List<StreamEvent>();
        foreach (var chunk in new[] { First, """{"choices":[{"delta":{"content":"Hi"}}]}""", """{"choices":[{"delta":{"content":""},"finish_reason":"stop"}]}""", "[DONE]" })
        {
            mapper.OnData(Encoding.UTF8.GetBytes(chunk), output);
        }

        Assert.Equal("start openai/gpt-4o-mini OpenAI | delta Hi | done stop", Describe(output));
    }

    /// <summary>Maps the first chunk, then <paramref name="chunk"/>; returns the events of <paramref name="chunk"/> alone.</summary>
    private static (List<StreamEvent> Events, OpenRouterChunkMapper Mapper) Map(string? chunk)
    {
        var mapper = new OpenRouterChunkMapper("requested", new SecretRedactor(null));
        var output = new List<StreamEvent>();
        mapper.OnData(Encoding.UTF8.GetBytes(First), output);
        if (chunk is null)
        {
            return (output, mapper);
        }

        output.Clear();
        mapper.OnData(Encoding.UTF8.GetBytes(chunk), output);
        return (output, mapper);
    }

    private static string Describe(List<StreamEvent> events) => TestProvider.Describe(events);
}
