using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Relay.Contracts;

namespace Relay.Simulator;

/// <summary>
/// The exact answer the simulator streams for a request, in readable English prose (<see cref="ProseGrammar"/>): a story when
/// the prompt asks for one, explanation otherwise. It depends only on the model, the messages, the token count and the seed. The endpoint itself uses this, so a test can assert stdout equals
/// <see cref="Text"/> to the byte.
/// </summary>
public sealed partial class SimulatedAnswer
{
    /// <summary>Answer length when neither max_tokens, the tokens knob nor the prompt says.</summary>
    public const int DefaultTokens = 150;

    private SimulatedAnswer(IReadOnlyList<string> tokens, IReadOnlyList<string> reasoningTokens, bool cut)
    {
        CutByMaxTokens = cut;
        Tokens = tokens;
        ReasoningTokens = reasoningTokens;
        Text = string.Concat(tokens);
        Reasoning = string.Concat(reasoningTokens);
    }

    /// <summary>The answer's tokens, in the order they stream, one chunk each.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The reasoning tokens streamed before the answer (reasoning models only).</summary>
    public IReadOnlyList<string> ReasoningTokens { get; }

    /// <summary>True when the request's max_tokens cut the answer short: its finish reason is <c>length</c>.</summary>
    public bool CutByMaxTokens { get; }

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
        var reasoning = reasons ? ProseGrammar.Explanation.Tokens(random, Math.Min(40, Math.Max(1, count / 4))) : [];
        Func<Random, int, List<string>> grammar = MarkdownPrompt().IsMatch(prompt) ? MarkdownSample.Tokens
            : StoryPrompt().IsMatch(prompt) ? ProseGrammar.Story.Tokens
            : ProseGrammar.Explanation.Tokens;

        // max_tokens cuts the answer the model would have given, mid-sentence, as a real model does.
        var cut = tokens is null && maxTokens < LengthFromPrompt(prompt);
        var answer = grammar(random, cut ? LengthFromPrompt(prompt) : Math.Max(1, count));
        return new SimulatedAnswer(cut ? answer[..count] : answer, reasoning, cut);
    }

    /// <summary>"Write a 200 word story" gives about 200 tokens; anything else the default.</summary>
    internal static int LengthFromPrompt(string prompt) =>
        WordCount().Match(prompt) is { Success: true } m && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? Math.Clamp(n, 1, 20_000)
            : DefaultTokens;

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

    [GeneratedRegex(@"\b(stor(y|ies)|tale|fable)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex StoryPrompt();

    [GeneratedRegex(@"\b(markdown|code|table)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MarkdownPrompt();

    [GeneratedRegex(@"\b(\d{1,5})[ -]word", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WordCount();
}
