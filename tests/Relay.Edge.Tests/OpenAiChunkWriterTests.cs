using System.Buffers;
using System.Text.Json;
using Relay.Contracts;
using Relay.Edge.OpenAi;
using Relay.Edge.Streams;

namespace Relay.Edge.Tests;

/// <summary>Text chunks are spliced from the held event's JSON string: what a client parses must be the text itself.</summary>
public sealed class OpenAiChunkWriterTests
{
    [Theory]
    [InlineData("plain")]
    [InlineData("quote \" backslash \\ slash / </script>")]
    [InlineData("line\nbreak\ttab\r\u0001control")]
    [InlineData("Zoë 東京 🪁 \u2028 separator")]
    [InlineData(" ")]
    public void Text_and_reasoning_chunks_carry_the_exact_text_in_a_valid_chunk(string text)
    {
        var writer = new OpenAiChunkWriter("s-1", 1_700_000_000, includeUsage: false);
        var chunks = new List<OpenAiChunk>();
        writer.Chunks(Held(1, new StartEvent("s-1", "openai/gpt-4o \"mini\"", null)), chunks);
        writer.Chunks(Held(2, new DeltaEvent(text)), chunks);
        writer.Chunks(Held(3, new ReasoningEvent(text)), chunks);

        Assert.Equal(3, chunks.Count);
        using var content = Parse(chunks[1]);
        using var reasoning = Parse(chunks[2]);
        foreach (var (doc, field) in new[] { (content, "content"), (reasoning, "reasoning") })
        {
            var root = doc.RootElement;
            Assert.Equal("chatcmpl-s-1", root.GetProperty("id").GetString());
            Assert.Equal("chat.completion.chunk", root.GetProperty("object").GetString());
            Assert.Equal(1_700_000_000, root.GetProperty("created").GetInt64());
            Assert.Equal("openai/gpt-4o \"mini\"", root.GetProperty("model").GetString());
            var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
            Assert.Equal(0, choice.GetProperty("index").GetInt32());
            Assert.Equal(JsonValueKind.Null, choice.GetProperty("finish_reason").ValueKind);
            Assert.Equal(text, choice.GetProperty("delta").GetProperty(field).GetString());
        }
    }

    private static StoredEvent Held(long seq, StreamEvent e) => new(seq, e.WireName, StreamEventSerializer.SerializeData(e));

    private static JsonDocument Parse(OpenAiChunk chunk)
    {
        var buffer = new ArrayBufferWriter<byte>();
        chunk.WriteTo(buffer);
        Assert.DoesNotContain((byte)'\n', buffer.WrittenSpan.ToArray()); // a raw line break would split the data line
        return JsonDocument.Parse(buffer.WrittenMemory);
    }
}
