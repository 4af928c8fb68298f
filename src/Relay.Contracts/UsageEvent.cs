using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary><c>usage</c>: the <see cref="Contracts.Usage"/> fields.</summary>
/// <param name="Usage">Token counts and cost.</param>
public sealed record UsageEvent(Usage Usage) : StreamEvent
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.Usage;
}
