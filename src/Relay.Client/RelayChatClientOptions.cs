namespace Relay.Client;

/// <summary>Settings of <see cref="RelayChatClient"/>.</summary>
public sealed class RelayChatClientOptions
{
    /// <summary>The model for requests whose <c>ChatOptions.ModelId</c> is not set (null: the edge's default).</summary>
    public string? DefaultModel { get; set; }

    /// <summary>
    /// Whether an answer may start over (a retryable error, or a stream the edge lost) after text was already yielded.
    /// Off by default: an <c>IChatClient</c> consumer cannot take back updates it received, so the stream ends with the
    /// error instead. On, the restarted answer follows the updates already yielded.
    /// </summary>
    public bool AllowRestart { get; set; }
}
