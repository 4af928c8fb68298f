using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary><c>start</c>: <c>{"stream_id","model","provider","attempts"}</c>.</summary>
/// <param name="StreamId">The stream's id.</param>
/// <param name="Model">The model that answers.</param>
/// <param name="Provider">The upstream provider, when known.</param>
public sealed record StartEvent(string StreamId, string Model, string? Provider) : StreamEvent
{
    /// <summary>Upstream requests it took to get the answer (more than 1 after retries or fallbacks), when the edge says.</summary>
    public int? Attempts { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.Start;
}
