using System.Globalization;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// The state of one <c>relay chat</c>: model, system prompt, history and usage totals, and the slash
/// commands that change them. Kept free of I/O so the rules are tested directly.
/// </summary>
internal sealed class ChatSession(string? model, string? systemPrompt, string? conversationId = null, IReadOnlyList<ChatMessage>? history = null)
{
    public const string InterruptedMarker = " [interrupted]";

    public const string Help = """
        /model NAME    switch model for the next answers
        /system TEXT   set the system prompt (empty to remove it)
        /clear         forget the conversation so far
        /usage         token and cost totals of this session
        /help          this list
        /exit          leave (also Ctrl+D, or Ctrl+C twice at an empty prompt)
        Ctrl+C while an answer streams stops that answer; the session goes on.
        """;

    private readonly List<ChatMessage> _history = [.. history ?? []];
    private int _promptTokens;
    private int _completionTokens;
    private decimal _cost;
    private int _answers;

    public string? Model { get; private set; } = model;

    /// <summary>The model that gave the last answer (the edge's default when none was chosen).</summary>
    public string? AnsweredBy { get; private set; }

    /// <summary>The conversation the answers are logged under; /clear starts a new one.</summary>
    public string ConversationId { get; private set; } = conversationId ?? ConversationStart.NewId();

    public string? SystemPrompt { get; private set; } = systemPrompt;

    public IReadOnlyList<ChatMessage> History => _history;

    /// <summary>The request for the next answer: the system prompt, the history, then <paramref name="prompt"/>.</summary>
    public List<ChatMessage> BuildMessages(string prompt)
    {
        var messages = new List<ChatMessage>(_history.Count + 2);
        if (!string.IsNullOrEmpty(SystemPrompt))
        {
            messages.Add(ChatMessage.System(SystemPrompt));
        }

        messages.AddRange(_history);
        messages.Add(ChatMessage.User(prompt));
        return messages;
    }

    /// <summary>Records a finished (or interrupted) answer in the history and the totals.</summary>
    public void Record(string prompt, AnswerOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        AnsweredBy = outcome.Model ?? AnsweredBy;
        if (outcome.Error is not null && outcome.Text.Length == 0)
        {
            return; // nothing was answered: the question stays out of the history, to be asked again
        }

        _history.Add(ChatMessage.User(prompt));
        _history.Add(ChatMessage.Assistant(outcome.Interrupted ? outcome.Text + InterruptedMarker : outcome.Text));
        _answers++;
        if (outcome.Usage is { } u)
        {
            _promptTokens += u.PromptTokens;
            _completionTokens += u.CompletionTokens;
            _cost += u.CostUsd ?? 0;
        }
    }

    /// <summary>The model a <c>/model NAME</c> line asks for, or null for any other line.</summary>
    public static string? ModelArgument(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.StartsWith("/model ", StringComparison.Ordinal) && line[7..].Trim() is { Length: > 0 } name ? name : null;
    }

    /// <summary>Runs a slash command; returns the text to show, or null for <c>/exit</c>.</summary>
    public string? Execute(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? line : line[..space];
        var arg = space < 0 ? "" : line[(space + 1)..].Trim();
        switch (name)
        {
            case "/exit" or "/quit" or "/bye":
                return null;
            case "/model" when arg.Length > 0:
                Model = arg;
                return $"model: {arg}";
            case "/model":
                return $"model: {Model ?? (AnsweredBy is { } answered ? $"{answered} (the edge's default)" : "the edge's default (named after the first answer)")}";
            case "/system":
                SystemPrompt = arg.Length > 0 ? arg : null;
                return arg.Length > 0 ? "system prompt set" : "system prompt removed";
            case "/clear":
                _history.Clear();
                ConversationId = ConversationStart.NewId();
                return "conversation cleared";
            case "/usage":
                return string.Create(CultureInfo.InvariantCulture, $"{_answers} answers · {_promptTokens} in / {_completionTokens} out tokens · {UsageLine.Cost(_cost)}");
            case "/help":
                return Help;
            default:
                return $"unknown command {name}; /help lists them";
        }
    }
}
