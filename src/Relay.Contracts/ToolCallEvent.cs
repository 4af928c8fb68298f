using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary><c>tool_call</c>: <c>{"index","id","name","arguments"}</c>, a fragment of one tool call.</summary>
/// <param name="Index">Which call of the answer the fragment belongs to.</param>
/// <param name="ToolCallId">The call's id; sent on its first fragment.</param>
/// <param name="Name">The function's name; sent on its first fragment.</param>
/// <param name="Arguments">A fragment of the arguments' JSON text, to append.</param>
public sealed record ToolCallEvent(
    int Index,
    [property: JsonPropertyName("id")] string? ToolCallId,
    string? Name,
    string? Arguments) : StreamEvent
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.ToolCall;
}
