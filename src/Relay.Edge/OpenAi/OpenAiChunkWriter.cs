using System.Buffers;
using System.Text.Json;
using Relay.Contracts;
using Relay.Edge.Streams;

namespace Relay.Edge.OpenAi;

/// <summary>
/// Rebuilds OpenAI <c>chat.completion.chunk</c>s from our events (never raw upstream bytes): the role on the
/// first delta only, text in <c>delta.content</c>, reasoning in <c>delta.reasoning</c>, tool calls in
/// <c>delta.tool_calls</c>, a final chunk with <c>finish_reason</c>, then the usage chunk (<c>choices: []</c>)
/// when asked for. An error becomes <c>{"error":{...}}</c>.
/// </summary>
internal sealed class OpenAiChunkWriter(string streamId, long created, bool includeUsage)
{
    private string _model = "";
    private Usage? _usage;

    public string Id { get; } = "chatcmpl-" + streamId;

    /// <summary>The chunks (each one <c>data:</c> payload) that <paramref name="e"/> becomes; none for some.</summary>
    public IEnumerable<byte[]> Chunks(StoredEvent e)
    {
        switch (e.Name)
        {
            case StreamEventNames.Start:
                _model = ((StartEvent)e.ToStreamEvent(streamId)).Model;
                yield return Chunk(w => { w.WriteString("role", "assistant"); w.WriteString("content", ""); }, null);
                break;
            case StreamEventNames.Delta:
                var text = ((DeltaEvent)e.ToStreamEvent(streamId)).Text;
                yield return Chunk(w => w.WriteString("content", text), null);
                break;
            case StreamEventNames.Reasoning:
                var reasoning = ((ReasoningEvent)e.ToStreamEvent(streamId)).Text;
                yield return Chunk(w => w.WriteString("reasoning", reasoning), null);
                break;
            case StreamEventNames.ToolCall:
                var call = (ToolCallEvent)e.ToStreamEvent(streamId);
                yield return Chunk(w => WriteToolCall(w, call), null);
                break;
            case StreamEventNames.Usage:
                _usage = ((UsageEvent)e.ToStreamEvent(streamId)).Usage;
                break;
            case StreamEventNames.Done:
                yield return Chunk(_ => { }, ((DoneEvent)e.ToStreamEvent(streamId)).FinishReason);
                if (includeUsage && _usage is { } usage)
                {
                    yield return UsageChunk(usage);
                }

                break;
            case StreamEventNames.Error:
                yield return OpenAiErrors.Body(((ErrorEvent)e.ToStreamEvent(streamId)).Error);
                break;
        }
    }

    public static void WriteUsage(Utf8JsonWriter w, Usage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.PromptTokens);
        w.WriteNumber("completion_tokens", usage.CompletionTokens);
        w.WriteNumber("total_tokens", usage.TotalTokens);
        if (usage.ReasoningTokens is { } r)
        {
            w.WriteStartObject("completion_tokens_details");
            w.WriteNumber("reasoning_tokens", r);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteToolCall(Utf8JsonWriter w, ToolCallEvent call)
    {
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", call.Index);
        if (call.ToolCallId is not null)
        {
            w.WriteString("id", call.ToolCallId);
            w.WriteString("type", "function");
        }

        w.WriteStartObject("function");
        if (call.Name is not null)
        {
            w.WriteString("name", call.Name);
        }

        w.WriteString("arguments", call.Arguments ?? "");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private byte[] Chunk(Action<Utf8JsonWriter> delta, string? finishReason) => Write(w =>
    {
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
        delta(w);
        w.WriteEndObject();
        if (finishReason is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finishReason);
        }

        w.WriteEndObject();
        w.WriteEndArray();
    });

    private byte[] UsageChunk(Usage usage) => Write(w =>
    {
        w.WriteStartArray("choices");
        w.WriteEndArray();
        WriteUsage(w, usage);
    });

    private byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, StreamEventSerializer.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", Id);
            w.WriteString("object", "chat.completion.chunk");
            w.WriteNumber("created", created);
            w.WriteString("model", _model);
            body(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
