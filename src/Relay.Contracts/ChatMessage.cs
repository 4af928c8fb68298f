using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary>One message of a conversation.</summary>
/// <param name="Role">Who wrote it.</param>
/// <param name="Content">
/// The text; may be null on an assistant message that only calls tools. On a message with <see cref="Parts"/>, the text
/// of its text parts.
/// </param>
/// <remarks>
/// On the wire <c>content</c> is a string, or, for a message that carries images, an array of <see cref="ContentPart"/>
/// as OpenAI's API has it. An array of text parts only is read as the string they make.
/// </remarks>
[JsonConverter(typeof(ChatMessageJsonConverter))]
public sealed record ChatMessage(ChatRole Role, string? Content)
{
    /// <summary>The content's parts, when it has more than text (images); null for a text message.</summary>
    public IReadOnlyList<ContentPart>? Parts { get; init; }

    /// <summary>Tool calls made by an assistant message.</summary>
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }

    /// <summary>On a <see cref="ChatRole.Tool"/> message, the id of the call it answers.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>A system message.</summary>
    public static ChatMessage System(string content) => new(ChatRole.System, content);

    /// <summary>A user message.</summary>
    public static ChatMessage User(string content) => new(ChatRole.User, content);

    /// <summary>An assistant message.</summary>
    public static ChatMessage Assistant(string content) => new(ChatRole.Assistant, content);

    /// <summary>A message of parts: text parts (each with its text) make a text message; anything else keeps its parts.</summary>
    public static ChatMessage FromParts(ChatRole role, IReadOnlyList<ContentPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var text = string.Concat(parts.Where(p => p?.Type == ContentPart.TextType).Select(p => p.Text));
        return parts.All(p => p is { Type: ContentPart.TextType, Text: not null }) ? new(role, text) : new(role, text) { Parts = parts };
    }
}
