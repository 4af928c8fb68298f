using System.Buffers;

namespace Relay.Edge.OpenAi;

/// <summary>
/// One OpenAI <c>data:</c> payload as up to three pieces written back to back: a text delta is the chunk's
/// precomputed head, the held event's JSON string copied as it is, and a constant tail, so relaying a token
/// parses and builds no JSON.
/// </summary>
internal readonly record struct OpenAiChunk(ReadOnlyMemory<byte> Head, ReadOnlyMemory<byte> Middle = default, ReadOnlyMemory<byte> Tail = default)
{
    /// <summary>Writes the payload (an <see cref="System.Net.ServerSentEvents.SseFormatter"/> item formatter).</summary>
    public void WriteTo(IBufferWriter<byte> buffer)
    {
        buffer.Write(Head.Span);
        buffer.Write(Middle.Span);
        buffer.Write(Tail.Span);
    }
}
