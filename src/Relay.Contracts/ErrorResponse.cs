namespace Relay.Contracts;

/// <summary>The body of every error answer: <c>{"error":{...}}</c>.</summary>
/// <param name="Error">The error.</param>
public sealed record ErrorResponse(StreamError Error);
