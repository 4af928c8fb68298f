namespace Relay.Simulator;

/// <summary>
/// A model the simulator serves, with the chunk-shape details its provider shows through OpenRouter
/// (shared/reference/openrouter-streaming.md §3.3-§3.6).
/// </summary>
/// <param name="Id">The slug, e.g. <c>openai/gpt-4o-mini</c>.</param>
/// <param name="Name">The display name in the models list.</param>
/// <param name="Provider">The provider's display name in every chunk.</param>
/// <param name="NativeStop">The provider's own finish reason.</param>
/// <param name="UsageShape">Which of the usage-chunk variants it sends by default.</param>
/// <param name="Reasons">Whether it streams reasoning before the answer.</param>
/// <param name="ContextLength">The context length in the models list.</param>
/// <param name="PromptPrice">Price per prompt token, in dollars.</param>
/// <param name="CompletionPrice">Price per completion token, in dollars.</param>
public sealed record SimulatedModel(
    string Id, string Name, string Provider, string NativeStop, UsageShape UsageShape, bool Reasons, int ContextLength, decimal PromptPrice, decimal CompletionPrice)
{
    /// <summary>Whether it takes images; OpenRouter answers 404 "No endpoints found that support image input" for one that does not.</summary>
    public bool TakesImages { get; init; } = true;

    /// <summary>The provider's own finish reason for an answer cut by max_tokens.</summary>
    public string NativeLength => Provider switch
    {
        "Anthropic" => "max_tokens",
        "Google AI Studio" => "MAX_TOKENS",
        _ => "length",
    };

    /// <summary>The default model everywhere.</summary>
    public const string DefaultId = "openai/gpt-4o-mini";

    /// <summary>Every model served.</summary>
    public static IReadOnlyList<SimulatedModel> All { get; } =
    [
        new(DefaultId, "OpenAI: GPT-4o-mini", "OpenAI", "completed", UsageShape.C, false, 128_000, 0.00000015m, 0.0000006m),
        new("anthropic/claude-sonnet-4", "Anthropic: Claude Sonnet 4", "Anthropic", "end_turn", UsageShape.B, false, 200_000, 0.000003m, 0.000015m),
        new("google/gemini-2.5-flash", "Google: Gemini 2.5 Flash", "Google AI Studio", "STOP", UsageShape.A, false, 1_048_576, 0.0000003m, 0.0000025m),
        new("deepseek/deepseek-r1", "DeepSeek: R1", "DeepInfra", "stop", UsageShape.C, true, 163_840, 0.0000004m, 0.000002m) { TakesImages = false },
    ];

    /// <summary>The model with that slug, if served.</summary>
    public static SimulatedModel? Find(string? id) => All.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal));
}
