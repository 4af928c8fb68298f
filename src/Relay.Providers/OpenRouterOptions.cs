using Relay.Contracts.Sse;

namespace Relay.Providers;

/// <summary>Settings of <see cref="OpenRouterProvider"/>; validated at start.</summary>
public sealed class OpenRouterOptions
{
    /// <summary>The default API base.</summary>
    public const string DefaultBaseUrl = "https://openrouter.ai/api/v1";

    /// <summary>The API base; requests go to <c>{BaseUrl}/chat/completions</c>, with or without a trailing slash.</summary>
    public string BaseUrl { get; set; } = DefaultBaseUrl;

    /// <summary>The API key; without one no Authorization header is sent (a local OpenAI-compatible server).</summary>
    public string? ApiKey { get; set; }

    /// <summary>The app's URL, sent as <c>HTTP-Referer</c> for OpenRouter's attribution.</summary>
    public string? HttpReferer { get; set; }

    /// <summary>The app's name, sent as <c>X-Title</c>.</summary>
    public string? AppTitle { get; set; }

    /// <summary>The longest wait for the response's first byte.</summary>
    public TimeSpan FirstByteTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest silence between two reads of the body once it started (comments count as bytes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest single SSE event accepted.</summary>
    public int MaxEventBytes { get; set; } = SseEventReader.DefaultMaxEventBytes;

    /// <summary>The chat completions endpoint for <see cref="BaseUrl"/>, never dropping its last segment.</summary>
    public Uri ChatCompletionsUri => new(BaseUrl.TrimEnd('/') + "/chat/completions");
}
