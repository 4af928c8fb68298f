using System.Globalization;
using System.Text;

namespace Relay.Cli;

/// <summary><c>relay log --export</c>: a conversation as Markdown, each prompt and answer under its own heading.</summary>
internal static class ExchangeMarkdown
{
    public static string Conversation(IReadOnlyList<Exchange> exchanges)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        var md = new StringBuilder();
        if (exchanges.Count == 0)
        {
            return "";
        }

        var first = exchanges[0];
        md.Append(CultureInfo.InvariantCulture, $"# {first.Title}\n\nConversation {first.ConversationId}, {first.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm}.\n");
        if (first.SystemPrompt is { Length: > 0 } system)
        {
            md.Append("\n## System\n\n").Append(system.TrimEnd()).Append('\n');
        }

        foreach (var e in exchanges)
        {
            md.Append("\n## You\n\n").Append(e.Prompt.TrimEnd()).Append('\n');
            md.Append("\n## ").Append(e.Model ?? "Answer").Append("\n\n").Append(e.Answer.TrimEnd()).Append('\n');
            var tokens = e.CompletionTokens is { } n ? string.Create(CultureInfo.InvariantCulture, $"{e.PromptTokens} in / {n} out tokens") : null;
            var cost = e.CostUsd is { } usd ? UsageLine.Cost(usd) : null;
            var status = e.Status == Exchange.Complete ? null : e.Status;
            if (string.Join(" · ", new[] { tokens, cost, status }.Where(p => p is not null)) is { Length: > 0 } line)
            {
                md.Append("\n*").Append(line).Append("*\n");
            }
        }

        return md.ToString();
    }
}
