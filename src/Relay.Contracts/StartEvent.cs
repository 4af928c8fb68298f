using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary><c>start</c>: <c>{"stream_id","model","provider"}</c>.</summary>
/// <param name="StreamId">The stream's id.</param>
/// <param name="Model">The model that answers.</param>
/// <param name="Provider">The upstream provider, when known.</param>
public sealed record StartEvent(string StreamId, string Model, string? Provider) : StreamEvent
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.Start;
}
