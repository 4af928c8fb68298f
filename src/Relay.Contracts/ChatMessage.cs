namespace Relay.Contracts;

/// <summary>One message of a conversation.</summary>
/// <param name="Role">Who wrote it.</param>
/// <param name="Content">The text; may be null on an assistant message that only calls tools.</param>
public sealed record ChatMessage(ChatRole Role, string? Content)
{
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
}
