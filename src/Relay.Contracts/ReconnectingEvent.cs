using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary>
/// <c>reconnecting</c>: client side only, never sent by the edge. The connection was lost and the client
/// waits <see cref="DelayMs"/> before attempt <see cref="Attempt"/> of <see cref="MaxAttempts"/>.
/// </summary>
/// <param name="Attempt">The attempt about to be made, from 1.</param>
/// <param name="MaxAttempts">The most attempts that will be made.</param>
/// <param name="DelayMs">The wait before it, in milliseconds.</param>
public sealed record ReconnectingEvent(int Attempt, int MaxAttempts, long DelayMs) : StreamEvent
{
    /// <summary>
    /// Why the attempt before could not start, when nothing had connected yet (a refused connection, the edge's retryable
    /// error); null after a connection that was there was lost.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public StreamError? Cause { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.Reconnecting;
}
