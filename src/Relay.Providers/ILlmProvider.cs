using Relay.Contracts;

namespace Relay.Providers;

/// <summary>A source of answers: whole, or streamed as <see cref="StreamEvent"/>s.</summary>
public interface ILlmProvider
{
    /// <summary>Generates a whole answer.</summary>
    /// <exception cref="StreamErrorException">Any failure, as an error of the taxonomy.</exception>
    Task<ChatResult> GenerateAsync(ChatRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams an answer. The events carry no <see cref="StreamEvent.EventId"/> (the edge numbers them). The
    /// sequence is a <see cref="StartEvent"/> (empty stream id, the model and provider the upstream named) once
    /// the upstream's first chunk arrived; then content (<see cref="DeltaEvent"/>, <see cref="ReasoningEvent"/>,
    /// <see cref="ToolCallEvent"/>); then at most one <see cref="UsageEvent"/>; then exactly one terminal
    /// <see cref="DoneEvent"/> or <see cref="ErrorEvent"/>. A failure before the first chunk is a lone
    /// <see cref="ErrorEvent"/> (the edge answers it with an HTTP status). Failures are events, never thrown;
    /// cancelling the token aborts the upstream request and ends the sequence with no further events.
    /// </summary>
    IAsyncEnumerable<StreamEvent> GenerateStreamAsync(ChatRequest request, CancellationToken cancellationToken = default);
}
