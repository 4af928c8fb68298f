using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// Where an <c>ask</c> or a <c>chat</c> begins: a new conversation, or (with <c>-c</c> or <c>--cid</c>) one from the log,
/// whose earlier turns are sent as history and whose model and system prompt apply unless given again.
/// </summary>
internal sealed record ConversationStart(string Id, IReadOnlyList<ChatMessage> History, string? Model, string? SystemPrompt)
{
    public static string NewId() => Guid.NewGuid().ToString("N")[..12];

    /// <exception cref="UsageException">-c or --cid with no log, or with nothing to continue.</exception>
    public static ConversationStart Resolve(ConversationLog? log, AskSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Continue && settings.ConversationId is null)
        {
            return new ConversationStart(NewId(), [], settings.Model, settings.SystemPrompt);
        }

        if (log is null)
        {
            throw new UsageException("there is no conversation log to continue from (--no-log, RELAY_LOG=off, or it cannot be opened)");
        }

        var id = settings.ConversationId ?? log.LatestConversation()
            ?? throw new UsageException("there is no conversation to continue: the log is empty");
        var turns = log.Conversation(id);
        if (turns.Count == 0)
        {
            throw new UsageException($"there is no conversation '{id}' in the log (relay log lists them)");
        }

        var last = turns[^1];
        return new ConversationStart(id, log.History(id), settings.Model ?? last.Model, settings.SystemPrompt ?? last.SystemPrompt);
    }
}
