namespace Relay.Client;

/// <summary>What the edge says of itself.</summary>
/// <param name="Live">Whether <c>/health</c> answered 200.</param>
/// <param name="Ready">Whether <c>/health/ready</c> answered 200.</param>
/// <param name="Reason">Why it is not live or not ready, when it is not.</param>
public sealed record EdgeHealth(bool Live, bool Ready, string? Reason);
