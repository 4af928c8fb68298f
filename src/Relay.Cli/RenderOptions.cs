namespace Relay.Cli;

/// <summary>How an answer is shown.</summary>
internal sealed record RenderOptions
{
    /// <summary>One JSON line per event on stdout instead of text.</summary>
    public bool Json { get; init; }

    /// <summary>No usage line and no status lines on stderr; errors still show.</summary>
    public bool Quiet { get; init; }

    /// <summary>Show reasoning on stderr even when stderr is not a terminal.</summary>
    public bool ShowReasoning { get; init; }

    /// <summary>The exact text on a terminal too: no Markdown rendering.</summary>
    public bool Raw { get; init; }
}
