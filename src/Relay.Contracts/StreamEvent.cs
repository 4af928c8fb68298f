using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary>
/// One event of a stream. The set is closed: <see cref="StartEvent"/>, <see cref="DeltaEvent"/>,
/// <see cref="ReasoningEvent"/>, <see cref="ToolCallEvent"/>, <see cref="UsageEvent"/>, and exactly one
/// terminal <see cref="DoneEvent"/> or <see cref="ErrorEvent"/> as the last event. Two more,
/// <see cref="ReconnectingEvent"/> and <see cref="RestartedEvent"/>, are produced by the client only, so a
/// consumer of one sequence sees the interruptions in order with the content.
/// </summary>
public abstract record StreamEvent
{
    private protected StreamEvent()
    {
    }

    /// <summary>The event's id, <c>&lt;streamId&gt;:&lt;seq&gt;</c>; null until the edge numbers it.</summary>
    [JsonIgnore]
    public string? EventId { get; init; }

    /// <summary>The event's name on the wire (<see cref="StreamEventNames"/>).</summary>
    [JsonIgnore]
    public abstract string WireName { get; }

    /// <summary>Whether this event ends the stream.</summary>
    [JsonIgnore]
    public bool IsTerminal => this is DoneEvent or ErrorEvent;
}
