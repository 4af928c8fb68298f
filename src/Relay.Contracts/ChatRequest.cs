using System.Text.Json;

namespace Relay.Contracts;

/// <summary>A request for one answer, streamed or whole.</summary>
public sealed record ChatRequest
{
    /// <summary>The model, e.g. <c>openai/gpt-4o-mini</c>; null means the edge's default model.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// Models to fall back to, in order, when <see cref="Model"/> cannot answer (OpenRouter's <c>models</c>): passed
    /// through to OpenRouter, which falls back itself; walked by the edge before the first token for other upstreams.
    /// </summary>
    public IReadOnlyList<string>? Models { get; init; }

    /// <summary>The conversation so far; at least one message.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary>The most tokens the answer may have.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Sampling temperature, 0 to 2.</summary>
    public double? Temperature { get; init; }

    /// <summary>Nucleus sampling, 0 to 1.</summary>
    public double? TopP { get; init; }

    /// <summary>Sequences that end the answer.</summary>
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>Reasoning effort for reasoning models: <c>low</c>, <c>medium</c> or <c>high</c>.</summary>
    public string? ReasoningEffort { get; init; }

    /// <summary>A seed for deterministic sampling, where the model supports it.</summary>
    public int? Seed { get; init; }

    /// <summary>Tool definitions in OpenAI's shape, passed through unchanged.</summary>
    public JsonElement? Tools { get; init; }

    /// <summary>Tool choice in OpenAI's shape, passed through unchanged.</summary>
    public JsonElement? ToolChoice { get; init; }

    /// <summary>
    /// For <c>POST /v1/chat/stream</c> only: the id the stream should have (8 to 64 of
    /// <c>[A-Za-z0-9_-]</c>). A retried POST with the same id attaches instead of generating twice.
    /// </summary>
    public string? StreamId { get; init; }
}
