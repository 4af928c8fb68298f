using System.Text.Json;
using Relay.Contracts;

namespace Relay.Providers;

/// <summary>Writes a <see cref="ChatRequest"/> as OpenRouter's (OpenAI's) chat completions request body.</summary>
internal static class OpenRouterRequestWriter
{
    public static byte[] Write(ChatRequest request, bool stream)
    {
        using var buffer = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(buffer, StreamEventSerializer.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("model", request.Model);
            if (request.Models is { Count: > 0 } models)
            {
                // OpenRouter's fallbacks: it tries them in order when the model cannot answer.
                w.WriteStartArray("models");
                foreach (var m in models)
                {
                    w.WriteStringValue(m);
                }

                w.WriteEndArray();
            }

            w.WriteStartArray("messages");
            foreach (var m in request.Messages)
            {
                WriteMessage(w, m);
            }

            w.WriteEndArray();
            w.WriteBoolean("stream", stream);
            if (stream)
            {
                // Both spellings: OpenRouter deprecated them but a third party says usage comes only when asked.
                w.WriteStartObject("stream_options");
                w.WriteBoolean("include_usage", true);
                w.WriteEndObject();
            }

            w.WriteStartObject("usage");
            w.WriteBoolean("include", true);
            w.WriteEndObject();
            WriteOptional(w, "max_tokens", request.MaxTokens);
            WriteOptional(w, "temperature", request.Temperature);
            WriteOptional(w, "top_p", request.TopP);
            WriteOptional(w, "seed", request.Seed);
            if (request.Stop is { Count: > 0 } stop)
            {
                w.WriteStartArray("stop");
                foreach (var s in stop)
                {
                    w.WriteStringValue(s);
                }

                w.WriteEndArray();
            }

            if (!string.IsNullOrEmpty(request.ReasoningEffort))
            {
                w.WriteStartObject("reasoning");
                w.WriteString("effort", request.ReasoningEffort);
                w.WriteEndObject();
            }

            if (request.Tools is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } tools)
            {
                w.WritePropertyName("tools");
                tools.WriteTo(w);
            }

            if (request.ToolChoice is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } choice)
            {
                w.WritePropertyName("tool_choice");
                choice.WriteTo(w);
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteMessage(Utf8JsonWriter w, ChatMessage m)
    {
        w.WriteStartObject();
        w.WriteString("role", m.Role switch
        {
            ChatRole.System => "system",
            ChatRole.Assistant => "assistant",
            ChatRole.Tool => "tool",
            _ => "user",
        });
        if (m.Parts is { } parts)
        {
            w.WritePropertyName("content");
            JsonSerializer.Serialize(w, parts, RelayJsonContext.Default.IReadOnlyListContentPart);
        }
        else
        {
            w.WriteString("content", m.Content);
        }

        if (m.ToolCalls is { Count: > 0 } calls)
        {
            w.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", call.Id);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", call.Name);
                w.WriteString("arguments", call.Arguments);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (m.ToolCallId is not null)
        {
            w.WriteString("tool_call_id", m.ToolCallId);
        }

        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }
}
