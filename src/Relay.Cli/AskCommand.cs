using Relay.Contracts;

namespace Relay.Cli;

/// <summary><c>relay ask</c>: one question, the streamed (or whole) answer.</summary>
internal sealed class AskCommand(CliConsole console, InterruptSignal interrupt, TimeProvider time, LogLocation logLocation)
{
    public async Task<int> RunAsync(AskSettings settings, CancellationToken cancellationToken)
    {
        var prompt = await PromptInput.ReadAsync(console, settings.Prompt, cancellationToken)
            ?? throw new UsageException("no prompt: give one as an argument or pipe it on stdin (relay ask --help)");
        var question = Attachments.UserMessage(prompt, settings.Attachments);

        // The log (SQLite: a native library, a file, its schema) opens on another core while the connection, and an
        // in-process edge, start: neither start-up waits for the other.
        var opening = Task.Run(() => ConversationLog.Open(settings.NoLog ? LogLocation.Disabled : logLocation, console.Error), CancellationToken.None);
        EdgeConnection edge;
        try
        {
            edge = await EdgeConnection.OpenAsync(console, settings.Connection, time, cancellationToken);
        }
        catch
        {
            (await opening)?.Dispose();
            throw;
        }

        await using var connection = edge;
        using var log = await opening;
        var conversation = ConversationStart.Resolve(log, settings);
        var request = NewRequest(conversation, question, settings);
        var answers = new AnswerRunner(console, edge, interrupt, time, log);
        var outcome = settings.NoStream
            ? await answers.WholeAsync(request, settings.Render, conversation.Id, cancellationToken)
            : await answers.StreamAsync(request, settings, conversation.Id, cancellationToken);
        return interrupt.TerminationExitCode ?? outcome.ExitCode;
    }

    /// <summary>[system?, earlier turns of a continued conversation, user]; no default max_tokens or temperature: the model's own apply.</summary>
    private static ChatRequest NewRequest(ConversationStart start, ChatMessage question, AskSettings settings)
    {
        var messages = new List<ChatMessage>(start.History.Count + 2);
        if (!string.IsNullOrEmpty(start.SystemPrompt))
        {
            messages.Add(ChatMessage.System(start.SystemPrompt));
        }

        messages.AddRange(start.History);
        messages.Add(question);
        return new ChatRequest
        {
            Model = start.Model,
            Messages = messages,
            MaxTokens = settings.MaxTokens,
            Temperature = settings.Temperature,
        };
    }
}
