using System.Text.Json;
using Relay.Contracts;

namespace Relay.Providers;

/// <summary>Reads OpenRouter's usage object (every era's shape: details optional, cost optional).</summary>
internal static class UsageReader
{
    public static Usage? Read(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var prompt = Int(usage, "prompt_tokens") ?? 0;
        var completion = Int(usage, "completion_tokens") ?? 0;
        return new Usage
        {
            PromptTokens = prompt,
            CompletionTokens = completion,
            TotalTokens = Int(usage, "total_tokens") ?? prompt + completion,
            ReasoningTokens = usage.TryGetProperty("completion_tokens_details", out var cd) ? Int(cd, "reasoning_tokens") : null,
            CachedTokens = usage.TryGetProperty("prompt_tokens_details", out var pd) ? Int(pd, "cached_tokens") : null,
            CostUsd = usage.TryGetProperty("cost", out var cost) && cost.ValueKind == JsonValueKind.Number && cost.TryGetDecimal(out var c) ? c : null,
        };
    }

    private static int? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
