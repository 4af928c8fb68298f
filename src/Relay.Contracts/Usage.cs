namespace Relay.Contracts;

/// <summary>Token counts and cost of one answer.</summary>
public sealed record Usage
{
    /// <summary>Tokens in the prompt.</summary>
    public int PromptTokens { get; init; }

    /// <summary>Tokens in the answer, reasoning included.</summary>
    public int CompletionTokens { get; init; }

    /// <summary>Prompt plus completion tokens.</summary>
    public int TotalTokens { get; init; }

    /// <summary>Of the completion tokens, those spent reasoning, when reported.</summary>
    public int? ReasoningTokens { get; init; }

    /// <summary>Of the prompt tokens, those read from the provider's cache, when reported.</summary>
    public int? CachedTokens { get; init; }

    /// <summary>The cost in US dollars, when reported.</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>
    /// True when the upstream did not report usage (the answer was cut off) and the edge counted it itself: see
    /// docs/api.md, "Usage on every ending". Null when the upstream's own figures.
    /// </summary>
    public bool? Estimated { get; init; }
}
