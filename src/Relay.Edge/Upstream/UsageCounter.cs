using Relay.Contracts;

namespace Relay.Edge.Upstream;

/// <summary>
/// Counts what a stream carried, so an answer the upstream never reported usage for (it was cut off: cancelled, failed,
/// timed out) still gets one. The estimate (docs/api.md, "Usage on every ending"): about four characters a token
/// (OpenAI's rule of thumb for English), never fewer tokens than content chunks (each carries at least one); the prompt
/// from the request's text plus 4 tokens a message for the chat format. Cost is left out: a guess is worse than none.
/// </summary>
internal sealed class UsageCounter
{
    private long _chars;
    private long _reasoningChars;
    private int _chunks;
    private int _reasoningChunks;

    /// <summary>Whether any content (text, reasoning, a tool call) went by.</summary>
    public bool HasContent => _chunks > 0;

    public void Add(StreamEvent e)
    {
        switch (e)
        {
            case DeltaEvent d:
                _chars += d.Text.Length;
                _chunks++;
                break;
            case ReasoningEvent r:
                _reasoningChars += r.Text.Length;
                _reasoningChunks++;
                _chunks++;
                break;
            case ToolCallEvent t:
                _chars += (t.Name?.Length ?? 0) + (t.Arguments?.Length ?? 0);
                _chunks++;
                break;
        }
    }

    /// <summary>The usage this stream's content and <paramref name="request"/> come to, marked estimated.</summary>
    public Usage Estimate(ChatRequest request)
    {
        var reasoning = Math.Max(_reasoningChunks, Tokens(_reasoningChars));
        var completion = Math.Max(_chunks - _reasoningChunks, Tokens(_chars)) + reasoning;
        return Estimated(PromptTokens(request), completion, reasoning);
    }

    /// <summary>The usage of a whole answer the upstream sent without one, marked estimated.</summary>
    public static Usage Estimate(ChatRequest request, ChatResult result)
    {
        var reasoning = Tokens(result.Reasoning?.Length ?? 0);
        var completion = Tokens(result.Text.Length + result.ToolCalls.Sum(c => c.Name.Length + c.Arguments.Length)) + reasoning;
        return Estimated(PromptTokens(request), completion, reasoning);
    }

    private static Usage Estimated(int prompt, int completion, int reasoning) => new()
    {
        PromptTokens = prompt,
        CompletionTokens = completion,
        TotalTokens = prompt + completion,
        ReasoningTokens = reasoning > 0 ? reasoning : null,
        Estimated = true,
    };

    private static int PromptTokens(ChatRequest request) =>
        request.Messages.Sum(m => 4 + Tokens((m.Content?.Length ?? 0) + (m.ToolCalls?.Sum(c => c.Name.Length + c.Arguments.Length) ?? 0)));

    private static int Tokens(long chars) => (int)Math.Min(int.MaxValue, (chars + 3) / 4);
}
