using System.Buffers;
using System.Text.Json;
using Relay.Contracts;
using Relay.Edge.Streams;

namespace Relay.Edge.OpenAi;

/// <summary>
/// Rebuilds OpenAI <c>chat.completion.chunk</c>s from our events (never raw upstream bytes): the role on the
/// first delta only, text in <c>delta.content</c>, reasoning in <c>delta.reasoning</c>, tool calls in
/// <c>delta.tool_calls</c>, a final chunk with <c>finish_reason</c>, then the usage chunk (<c>choices: []</c>)
/// when asked for. An error becomes <c>{"error":{...}}</c>. Text and reasoning, nearly every event, are spliced:
/// the held <c>{"text":"..."}</c> already has the string JSON-escaped as the chunk wants it.
/// </summary>
internal sealed class OpenAiChunkWriter(string streamId, long created, bool includeUsage)
{
    private static readonly byte[] TextTail = """},"finish_reason":null}]}"""u8.ToArray();

    private string _model = "";
    private Usage? _usage;
    private byte[]? _contentHead;
    private byte[]? _reasoningHead;

    public string Id { get; } = "chatcmpl-" + streamId;

    /// <summary>Adds the chunks that <paramref name="e"/> becomes (none for some) to <paramref name="into"/>.</summary>
    public void Chunks(StoredEvent e, List<OpenAiChunk> into)
    {
        switch (e.Name)
        {
            case StreamEventNames.Start:
                _model = ((StartEvent)e.ToStreamEvent(streamId)).Model;
                into.Add(new(Chunk(w => { w.WriteString("role", "assistant"); w.WriteString("content", ""); }, null)));
                break;
            case StreamEventNames.Delta:
                into.Add(new(_contentHead ??= TextHead("content"), RawText(e.Data), TextTail));
                break;
            case StreamEventNames.Reasoning:
                into.Add(new(_reasoningHead ??= TextHead("reasoning"), RawText(e.Data), TextTail));
                break;
            case StreamEventNames.ToolCall:
                var call = (ToolCallEvent)e.ToStreamEvent(streamId);
                into.Add(new(Chunk(w => WriteToolCall(w, call), null)));
                break;
            case StreamEventNames.Usage:
                _usage = ((UsageEvent)e.ToStreamEvent(streamId)).Usage;
                break;
            case StreamEventNames.Done:
                into.Add(new(Chunk(_ => { }, ((DoneEvent)e.ToStreamEvent(streamId)).FinishReason)));
                if (includeUsage && _usage is { } usage)
                {
                    into.Add(new(UsageChunk(usage)));
                }

                break;
            case StreamEventNames.Error:
                into.Add(new(OpenAiErrors.Body(((ErrorEvent)e.ToStreamEvent(streamId)).Error)));
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

    /// <summary>The <c>"text"</c> string of a held delta or reasoning event, quotes and escapes included.</summary>
    private static ReadOnlyMemory<byte> RawText(ReadOnlyMemory<byte> data)
    {
        var reader = new Utf8JsonReader(data.Span);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isText = reader.ValueTextEquals("text"u8);
            reader.Read();
            if (isText && reader.TokenType == JsonTokenType.String)
            {
                // ValueSpan is the raw (still escaped) text between the quotes, which start at TokenStartIndex.
                return data.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
            }

            reader.Skip();
        }

        throw new InvalidOperationException("A held text event has no text.");
    }

    /// <summary>Everything of a text chunk before its string: <c>{...,"choices":[{"index":0,"delta":{"content":</c>.</summary>
    private byte[] TextHead(string property)
    {
        var buffer = new ArrayBufferWriter<byte>(192);
        using (var w = new Utf8JsonWriter(buffer, StreamEventSerializer.WriterOptions))
        {
            WriteHead(w);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            w.WritePropertyName(property);
        }

        return buffer.WrittenSpan.ToArray();
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
            WriteHead(w);
            body(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void WriteHead(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", created);
        w.WriteString("model", _model);
    }
}
