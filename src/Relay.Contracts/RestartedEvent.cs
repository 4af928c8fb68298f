using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary>
/// <c>restarted</c>: client side only, never sent by the edge. The client had to start the answer over
/// (a new stream); a display clears what it showed of the old one. <c>data</c> is <c>{}</c>.
/// </summary>
public sealed record RestartedEvent : StreamEvent
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.Restarted;
}
