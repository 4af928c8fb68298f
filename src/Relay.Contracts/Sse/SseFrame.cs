namespace Relay.Contracts.Sse;

/// <summary>One dispatched SSE event, with the reader's state as it stood at dispatch.</summary>
/// <param name="EventType">The event type; <c>message</c> when none or an empty one was given.</param>
/// <param name="Data">The data, decoded from UTF-8 once the whole event had arrived.</param>
/// <param name="LastEventId">The committed last event id at dispatch (<c>""</c> if none): what a resume sends.</param>
/// <param name="Retry">The reconnection time set by the stream so far, if any.</param>
public readonly record struct SseFrame(string EventType, string Data, string LastEventId, TimeSpan? Retry);
