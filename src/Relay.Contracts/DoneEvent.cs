using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary><c>done</c>: <c>{"finish_reason"}</c>, the normal end of a stream.</summary>
/// <param name="FinishReason">Why the answer ended: <c>stop</c>, <c>length</c>, <c>tool_calls</c>, ...</param>
public sealed record DoneEvent(string FinishReason) : StreamEvent
{
    /// <inheritdoc />
    [JsonIgnore]
    public override string WireName => StreamEventNames.Done;
}
