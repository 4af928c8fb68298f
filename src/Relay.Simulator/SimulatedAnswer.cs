using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Relay.Contracts;

namespace Relay.Simulator;

/// <summary>
/// The exact answer the simulator streams for a request: it depends only on the model, the messages, the
/// token count and the seed. The endpoint itself uses this, so a test can assert stdout equals
/// <see cref="Text"/> to the byte.
/// </summary>
public sealed partial class SimulatedAnswer
{
    /// <summary>Answer length when neither max_tokens, the tokens knob nor the prompt says.</summary>
    public const int DefaultTokens = 150;

    private static readonly string[] Words =
    [
        "the", "river", "carried", "a", "small", "boat", "past", "quiet", "houses", "and", "morning", "light", "fell", "on",
        "water", "while", "she", "remembered", "every", "word", "her", "grandmother", "said", "about", "courage", "café",
        "naïve", "über", "東京", "数据", "流", "🎉", "🌊", "señor", "crème", "brûlée", "garden", "window", "opened", "slowly",
        "into", "bright", "afternoon", "where", "children", "laughed", "near", "old", "stone", "bridge", "with", "stories",
        "of", "distant", "cities", "mountains", "rain", "summer", "night", "sky", "stars", "listened", "waited", "found",
    ];

    private SimulatedAnswer(IReadOnlyList<string> tokens, IReadOnlyList<string> reasoningTokens)
    {
        Tokens = tokens;
        ReasoningTokens = reasoningTokens;
        Text = string.Concat(tokens);
        Reasoning = string.Concat(reasoningTokens);
    }

    /// <summary>The answer's tokens, in the order they stream, one chunk each.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The reasoning tokens streamed before the answer (reasoning models only).</summary>
    public IReadOnlyList<string> ReasoningTokens { get; }

    /// <summary>The whole answer.</summary>
    public string Text { get; }

    /// <summary>The whole reasoning.</summary>
    public string Reasoning { get; }

    /// <summary>The answer for a request.</summary>
    /// <param name="model">The model slug.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="maxTokens">The request's max_tokens, if any.</param>
    /// <param name="seed">The seed (the request's, else the simulator's).</param>
    /// <param name="tokens">The <c>tokens</c> knob, if set: it wins over everything.</param>
    public static SimulatedAnswer For(string model, IReadOnlyList<ChatMessage> messages, int? maxTokens = null, int seed = 0, int? tokens = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Content ?? "";
        var count = tokens ?? Math.Min(maxTokens ?? int.MaxValue, LengthFromPrompt(prompt));
        var random = new Random(HashCode(model, messages, seed));
        var reasons = SimulatedModel.Find(model)?.Reasons == true;
        var reasoning = reasons ? Sentences(random, Math.Min(40, Math.Max(1, count / 4)), "Let me think:") : [];
        return new SimulatedAnswer(Sentences(random, Math.Max(1, count), null), reasoning);
    }

    /// <summary>"Write a 200 word story" gives about 200 tokens; anything else the default.</summary>
    internal static int LengthFromPrompt(string prompt) =>
        WordCount().Match(prompt) is { Success: true } m && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? Math.Clamp(n, 1, 20_000)
            : DefaultTokens;

    private static List<string> Sentences(Random random, int count, string? opening)
    {
        var tokens = new List<string>(count);
        var sentenceStart = true;
        for (var i = 0; i < count; i++)
        {
            string token;
            if (i == 0 && opening is not null)
            {
                token = opening;
            }
            else if (i == count - 1)
            {
                token = ".";
            }
            else if (!sentenceStart && random.Next(9) == 0)
            {
                token = random.Next(6) == 0 ? ".\n\n" : random.Next(2) == 0 ? "." : ",";
                sentenceStart = token != ",";
                tokens.Add(token);
                continue;
            }
            else
            {
                var word = Words[random.Next(Words.Length)];
                if (sentenceStart)
                {
                    word = char.ToUpperInvariant(word[0]) + word[1..];
                }

                token = (i == 0 || tokens[^1].EndsWith('\n') ? "" : " ") + word;
            }

            sentenceStart = false;
            tokens.Add(token);
        }

        return tokens;
    }

    /// <summary>FNV-1a over the request: stable across processes, unlike string.GetHashCode.</summary>
    private static int HashCode(string model, IReadOnlyList<ChatMessage> messages, int seed)
    {
        var hash = 2166136261u;
        void Mix(string s)
        {
            foreach (var b in Encoding.UTF8.GetBytes(s))
            {
                hash = (hash ^ b) * 16777619u;
            }

            hash = (hash ^ 0xff) * 16777619u;
        }

        Mix(model);
        foreach (var m in messages)
        {
            Mix(m.Role.ToString());
            Mix(m.Content ?? "");
        }

        return (int)(hash ^ (uint)seed);
    }

    [GeneratedRegex(@"\b(\d{1,5})[ -]word", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WordCount();
}
