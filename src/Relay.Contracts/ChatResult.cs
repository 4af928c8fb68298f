namespace Relay.Contracts;

/// <summary>A whole answer.</summary>
public sealed record ChatResult
{
    /// <summary>The model that answered.</summary>
    public required string Model { get; init; }

    /// <summary>The upstream provider that served the model, when known.</summary>
    public string? Provider { get; init; }

    /// <summary>The answer's text.</summary>
    public required string Text { get; init; }

    /// <summary>The model's reasoning, when it streamed any.</summary>
    public string? Reasoning { get; init; }

    /// <summary>Tool calls the model asked for.</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];

    /// <summary>Token counts and cost.</summary>
    public Usage? Usage { get; init; }

    /// <summary>Why the answer ended: <c>stop</c>, <c>length</c>, <c>tool_calls</c>, <c>content_filter</c>.</summary>
    public required string FinishReason { get; init; }
}
