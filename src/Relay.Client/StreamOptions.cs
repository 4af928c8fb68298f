namespace Relay.Client;

/// <summary>How one streamed answer may recover from interruptions.</summary>
public sealed record StreamOptions
{
    /// <summary>The defaults: reconnect, and restart when the stream is lost.</summary>
    public static StreamOptions Default { get; } = new();

    /// <summary>Reconnect (resume, or restart) when the connection drops; false fails at once.</summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>
    /// Whether the answer may start over after content was yielded. A consumer that cannot take back what it
    /// showed (a CLI writing to a pipe) sets false: the stream then ends with the error instead.
    /// </summary>
    public bool AllowRestartAfterContent { get; init; } = true;
}
