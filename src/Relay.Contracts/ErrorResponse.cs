namespace Relay.Contracts;

/// <summary>The body of every error answer: <c>{"error":{...},"request_id":"..."}</c>.</summary>
/// <param name="Error">The error.</param>
/// <param name="RequestId">The request's id (its <c>X-Request-Id</c>), to quote when reporting a problem.</param>
public sealed record ErrorResponse(StreamError Error, string? RequestId = null);
