using System.Globalization;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// The line printed on stderr after each answer:
/// <c>openai/gpt-4o-mini · 20 in / 292 out tokens · $0.00041 · first token 180 ms · 55 tok/s</c>; counts the edge
/// estimated (an answer cut off) are marked <c>~</c>.
/// </summary>
internal static class UsageLine
{
    public static string Format(string? model, Usage? usage, int deltaCount, TimeSpan? firstToken, TimeSpan? generation, bool interrupted, string? finishReason = null)
    {
        var parts = new List<string>(5) { model ?? "unknown model" };
        var outTokens = usage?.CompletionTokens ?? deltaCount;
        parts.Add(usage switch
        {
            null => string.Create(CultureInfo.InvariantCulture, $"~{outTokens} out tokens"),
            { Estimated: true } => string.Create(CultureInfo.InvariantCulture, $"~{usage.PromptTokens} in / ~{usage.CompletionTokens} out tokens"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{usage.PromptTokens} in / {usage.CompletionTokens} out tokens"),
        });
        if (usage?.CostUsd is { } cost)
        {
            parts.Add("$" + cost.ToString("0.#####", CultureInfo.InvariantCulture));
        }

        if (firstToken is { } ttft)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"first token {ttft.TotalMilliseconds:0} ms"));
        }

        if (generation is { TotalSeconds: > 0 } g && outTokens > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{outTokens / g.TotalSeconds:0} tok/s"));
        }

        if (interrupted)
        {
            parts.Add("interrupted");
        }
        else if (finishReason == "length")
        {
            parts.Add("cut at max tokens (finish reason length)");
        }

        return string.Join(" · ", parts);
    }
}
