using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary><c>delta</c>: <c>{"text"}</c>, a non-empty piece of the answer.</summary>
/// <param name="Text">The text to append.</param>
public sealed record DeltaEvent(string Text) : StreamEvent
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.Delta;
}
