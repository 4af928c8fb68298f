using Relay.Contracts.Sse;

namespace Relay.Client;

/// <summary>Settings of <see cref="EdgeClient"/>.</summary>
public sealed class EdgeClientOptions
{
    /// <summary>The edge's root URL, when the client builds its own <see cref="HttpClient"/>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>A bearer token for an edge with RELAY_TOKENS.</summary>
    public string? Token { get; set; }

    /// <summary>The reconnection policy.</summary>
    public ReconnectionOptions Reconnection { get; set; } = new();

    /// <summary>Silence after which the connection counts as lost (3x the edge's 15 s ping).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>The largest event accepted from the edge.</summary>
    public int MaxEventBytes { get; set; } = SseEventReader.DefaultMaxEventBytes;
}
