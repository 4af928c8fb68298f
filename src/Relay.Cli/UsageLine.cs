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
        // No model before the start event when none was asked for (Ctrl+C while the edge picks its default): none is named.
        var parts = new List<string>(6);
        if (model is not null)
        {
            parts.Add(model);
        }

        var outTokens = usage?.CompletionTokens ?? deltaCount;
        parts.Add(usage switch
        {
            null => string.Create(CultureInfo.InvariantCulture, $"~{outTokens} out tokens"),
            { Estimated: true } => string.Create(CultureInfo.InvariantCulture, $"~{usage.PromptTokens} in / ~{usage.CompletionTokens} out tokens"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{usage.PromptTokens} in / {usage.CompletionTokens} out tokens"),
        });
        if (usage?.CostUsd is { } cost)
        {
            parts.Add(Cost(cost));
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

    /// <summary>
    /// Dollars to 5 decimals, and to 2 significant digits below that: a small model's answer costs a few millionths, and
    /// "$0" would say it was free.
    /// </summary>
    public static string Cost(decimal usd)
    {
        if (usd == 0 || Math.Abs(usd) >= 0.00001m)
        {
            return "$" + usd.ToString("0.#####", CultureInfo.InvariantCulture);
        }

        // Places up to the first significant digit, then one more.
        var places = 5;
        for (var scaled = Math.Abs(usd) * 100_000m; scaled < 1 && places < 12; scaled *= 10)
        {
            places++;
        }

        return "$" + Math.Round(usd, places + 1).ToString("0." + new string('#', places + 1), CultureInfo.InvariantCulture);
    }
}
