using System.CommandLine;
using Relay.Cli.Config;

namespace Relay.Cli;

/// <summary>The parsed options of <c>relay ask</c> and <c>relay chat</c>.</summary>
internal sealed record AskSettings
{
    public required ConnectionSettings Connection { get; init; }

    public string? Prompt { get; init; }

    /// <summary>The files of <c>-a</c>, in order.</summary>
    public IReadOnlyList<string> Attachments { get; init; } = [];

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

    /// <summary>The settings file's aliases, for chat's /model.</summary>
    public RelayConfig Config { get; init; } = RelayConfig.Empty;

    /// <summary>
    /// The options of one command line over the settings file: a flag wins, then a template given with -t, then the file's
    /// own default; a model name that is an alias becomes its model.
    /// </summary>
    public static AskSettings From(ParseResult r, CliOptions o, RelayConfig? config = null, StoredKey? key = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(o);
        config ??= RelayConfig.Empty;
        ConfigTemplate? template = null;
        if (r.GetValue(o.Template) is { } name && !config.Templates.TryGetValue(name, out template))
        {
            throw new UsageException($"there is no template {name} (relay template list)");
        }

        return new AskSettings
        {
            Connection = ConnectionSettings.From(r, o, config, key),
            Config = config,
            Prompt = r.GetValue(o.Prompt),
            Attachments = r.GetValue(o.Attach) ?? [],
            Model = config.ResolveModel(r.GetValue(o.Model) ?? template?.Model ?? config.Model),
            SystemPrompt = r.GetValue(o.SystemPrompt) ?? template?.System ?? config.System,
            MaxTokens = r.GetValue(o.MaxTokens),
            Temperature = r.GetValue(o.Temperature),
            NoStream = r.GetValue(o.NoStream),
            NoReconnect = r.GetValue(o.NoReconnect),
            NoLog = r.GetValue(o.NoLog),
            Continue = r.GetValue(o.Continue),
            ConversationId = r.GetValue(o.ConversationId),
            Render = new RenderOptions { Json = r.GetValue(o.Json), Quiet = r.GetValue(o.Quiet), Raw = r.GetValue(o.Raw) || config.Raw, ShowReasoning = r.GetValue(o.ShowReasoning) || config.ShowReasoning },
        };
    }
}
