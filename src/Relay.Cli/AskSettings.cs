using System.CommandLine;

namespace Relay.Cli;

/// <summary>The parsed options of <c>relay ask</c> and <c>relay chat</c>.</summary>
internal sealed record AskSettings
{
    public required ConnectionSettings Connection { get; init; }

    public string? Prompt { get; init; }

    public string? Model { get; init; }

    public string? SystemPrompt { get; init; }

    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public bool NoStream { get; init; }

    public bool NoReconnect { get; init; }

    public bool NoLog { get; init; }

    /// <summary>-c: continue the most recent conversation.</summary>
    public bool Continue { get; init; }

    /// <summary>--cid: continue this conversation.</summary>
    public string? ConversationId { get; init; }

    public required RenderOptions Render { get; init; }

    public static AskSettings From(ParseResult r, CliOptions o)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(o);
        return new AskSettings
        {
            Connection = ConnectionSettings.From(r, o),
            Prompt = r.GetValue(o.Prompt),
            Model = r.GetValue(o.Model),
            SystemPrompt = r.GetValue(o.SystemPrompt),
            MaxTokens = r.GetValue(o.MaxTokens),
            Temperature = r.GetValue(o.Temperature),
            NoStream = r.GetValue(o.NoStream),
            NoReconnect = r.GetValue(o.NoReconnect),
            NoLog = r.GetValue(o.NoLog),
            Continue = r.GetValue(o.Continue),
            ConversationId = r.GetValue(o.ConversationId),
            Render = new RenderOptions { Json = r.GetValue(o.Json), Quiet = r.GetValue(o.Quiet), ShowReasoning = r.GetValue(o.ShowReasoning) },
        };
    }
}
