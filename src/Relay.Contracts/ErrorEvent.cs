using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary><c>error</c>: the <see cref="StreamError"/> fields, the end of a failed stream.</summary>
/// <param name="Error">The error.</param>
public sealed record ErrorEvent(StreamError Error) : StreamEvent
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.Error;
}
