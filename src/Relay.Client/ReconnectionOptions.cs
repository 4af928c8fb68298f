namespace Relay.Client;

/// <summary>
/// The reconnection policy: before attempt n (from 1) wait
/// <c>max(server retry, Retry-After, min(MaxDelay, BaseDelay * 2^(n-1)) * U[0.5, 1))</c>, at most
/// <see cref="MaxAttempts"/> attempts; the count starts again whenever a new event arrives.
/// </summary>
public sealed class ReconnectionOptions
{
    /// <summary>The first backoff step.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The largest backoff step.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts before giving up.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Retries of a first POST answered with a retryable error (429, 503, ...), as the OpenAI SDKs do.</summary>
    public int MaxStartRetries { get; set; } = 2;
}
