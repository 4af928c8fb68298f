using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary><c>reasoning</c>: <c>{"text"}</c>, a non-empty piece of the model's reasoning.</summary>
/// <param name="Text">The text to append.</param>
public sealed record ReasoningEvent(string Text) : StreamEvent
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.Reasoning;
}
