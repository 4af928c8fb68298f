using System.Text.Json;
using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary>
/// A <see cref="ChatMessage"/> as JSON: <c>role</c>, <c>content</c> (a string, or an array of parts), <c>tool_calls</c>,
/// <c>tool_call_id</c>. Written by hand only because <c>content</c> takes two shapes; everything inside it goes through
/// <see cref="RelayJsonContext"/>.
/// </summary>
internal sealed class ChatMessageJsonConverter : JsonConverter<ChatMessage>
{
    public override ChatMessage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A message must be a JSON object.");
        }

        var role = default(ChatRole);
        string? content = null;
        IReadOnlyList<ContentPart>? parts = null;
        IReadOnlyList<ToolCall>? calls = null;
        string? callId = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "role":
                    role = reader.TokenType == JsonTokenType.String && reader.GetString() is "system" or "user" or "assistant" or "tool"
                        ? JsonSerializer.Deserialize(ref reader, RelayJsonContext.Default.ChatRole)
                        : throw new JsonException("role: must be system, user, assistant or tool.");
                    break;
                case "content" when reader.TokenType == JsonTokenType.StartArray:
                    parts = JsonSerializer.Deserialize(ref reader, RelayJsonContext.Default.IReadOnlyListContentPart);
                    break;
                case "content":
                    content = reader.TokenType == JsonTokenType.Null ? null
                        : reader.TokenType == JsonTokenType.String ? reader.GetString()
                        : throw new JsonException("content must be a string or an array of parts.");
                    break;
                case "tool_calls":
                    calls = JsonSerializer.Deserialize(ref reader, RelayJsonContext.Default.IReadOnlyListToolCall);
                    break;
                case "tool_call_id":
                    callId = reader.TokenType == JsonTokenType.Null ? null
                        : reader.TokenType == JsonTokenType.String ? reader.GetString()
                        : throw new JsonException("tool_call_id: must be a string.");
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        var message = parts is null ? new ChatMessage(role, content) : ChatMessage.FromParts(role, parts);
        return message with { ToolCalls = calls, ToolCallId = callId };
    }

    public override void Write(Utf8JsonWriter writer, ChatMessage value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("role");
        JsonSerializer.Serialize(writer, value.Role, RelayJsonContext.Default.ChatRole);
        if (value.Parts is { } parts)
        {
            writer.WritePropertyName("content");
            JsonSerializer.Serialize(writer, parts, RelayJsonContext.Default.IReadOnlyListContentPart);
        }
        else if (value.Content is not null)
        {
            writer.WriteString("content", value.Content);
        }

        if (value.ToolCalls is not null)
        {
            writer.WritePropertyName("tool_calls");
            JsonSerializer.Serialize(writer, value.ToolCalls, RelayJsonContext.Default.IReadOnlyListToolCall);
        }

        if (value.ToolCallId is not null)
        {
            writer.WriteString("tool_call_id", value.ToolCallId);
        }

        writer.WriteEndObject();
    }
}
