namespace Relay.Contracts;

/// <summary>The wire names of stream events, as sent in SSE <c>event:</c> lines.</summary>
public static class StreamEventNames
{
    /// <summary>The first event: stream id, model, provider.</summary>
    public const string Start = "start";

    /// <summary>A piece of answer text.</summary>
    public const string Delta = "delta";

    /// <summary>A piece of reasoning text.</summary>
    public const string Reasoning = "reasoning";

    /// <summary>A fragment of a tool call.</summary>
    public const string ToolCall = "tool_call";

    /// <summary>Token counts and cost.</summary>
    public const string Usage = "usage";

    /// <summary>The stream ended normally.</summary>
    public const string Done = "done";

    /// <summary>The stream ended with an error.</summary>
    public const string Error = "error";

    /// <summary>Client side only: the answer starts over; clear what was shown.</summary>
    public const string Restarted = "restarted";

    /// <summary>Client side only: the connection was lost; waiting before the next attempt.</summary>
    public const string Reconnecting = "reconnecting";
}
