namespace Relay.Edge;

/// <summary>
/// The edge's settings: the <c>Relay</c> configuration section, overridden by the documented environment
/// names (<c>OPENROUTER_API_KEY</c>, <c>RELAY_TOKENS</c>, ...). Validated at start.
/// </summary>
public sealed class RelayEdgeOptions
{
    /// <summary>OpenRouter's API key (<c>OPENROUTER_API_KEY</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>The upstream base URL (<c>OPENROUTER_BASE_URL</c>); null with no key: the embedded simulator.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The model used when a request names none (<c>RELAY_DEFAULT_MODEL</c>).</summary>
    public string DefaultModel { get; set; } = "openai/gpt-4o-mini";

    /// <summary>Whether <c>GET /</c> serves the chat page (RELAY_WEB; 0 or false turns it off).</summary>
    public bool Web { get; set; } = true;

    /// <summary>Bearer tokens clients must present (<c>RELAY_TOKENS</c>, comma-separated); empty: open.</summary>
    public IReadOnlyList<string> Tokens { get; set; } = [];

    /// <summary>How long a stream stays resumable with no reader, and after it ended (<c>RELAY_RESUME_GRACE</c>).</summary>
    public TimeSpan ResumeGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Concurrent generations, not readers (<c>RELAY_MAX_STREAMS</c>).</summary>
    public int MaxStreams { get; set; } = 10_000;

    /// <summary>The most bytes of events held per stream; a larger answer ends with STREAM_TOO_LARGE.</summary>
    public int MaxStreamBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Bytes all streams together may hold in memory (RELAY_MAX_BUFFERED_BYTES), streams in their grace period included.
    /// Past it, finished streams are dropped oldest first, then new streams get 503 OVERLOADED; running ones go on.
    /// </summary>
    public long MaxBufferedBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>The longest a generation may run; then the upstream is cancelled and readers get UPSTREAM_TIMEOUT.</summary>
    public TimeSpan MaxGenerationTime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Retries of a retryable upstream failure before the first token (<c>RELAY_UPSTREAM_RETRIES</c>, 0 to 10; 0: none).
    /// </summary>
    public int UpstreamRetries { get; set; } = 2;

    /// <summary>The most time all retries of one request may wait in all (<c>RELAY_UPSTREAM_RETRY_BUDGET</c>, seconds).</summary>
    public TimeSpan UpstreamRetryBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Who walks a request's fallback <c>models</c> (<c>RELAY_UPSTREAM_FALLBACKS</c>): <c>upstream</c> passes them to
    /// OpenRouter, which falls back itself; <c>edge</c> tries them one by one; <c>auto</c> (default) is <c>upstream</c>
    /// for openrouter.ai and <c>edge</c> for any other upstream and the simulator.
    /// </summary>
    public string UpstreamFallbacks { get; set; } = "auto";

    /// <summary>Whether the edge walks fallback models itself (see <see cref="UpstreamFallbacks"/>).</summary>
    public bool WalksFallbacks => UpstreamFallbacks switch
    {
        "edge" => true,
        "upstream" => false,
        _ => UsesEmbeddedSimulator || !(Uri.TryCreate(BaseUrl ?? "https://openrouter.ai/api/v1", UriKind.Absolute, out var uri) &&
            (uri.Host == "openrouter.ai" || uri.Host.EndsWith(".openrouter.ai", StringComparison.OrdinalIgnoreCase))),
    };

    /// <summary>Silence after which a <c>: ping</c> comment is written.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Redis (<c>RELAY_REDIS</c>, a StackExchange.Redis configuration such as <c>127.0.0.1:6379</c>): streams are
    /// shared there so several instances can resume and cancel each other's streams. Null: in memory.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>This instance's id, sent as <c>X-Relay-Instance</c> on every response (<c>RELAY_INSTANCE_ID</c>; default host name and a random suffix).</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName.ToLowerInvariant()}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Whether the embedded simulator serves (neither a key nor a base URL was set).</summary>
    public bool UsesEmbeddedSimulator => string.IsNullOrEmpty(ApiKey) && string.IsNullOrEmpty(BaseUrl);
}
