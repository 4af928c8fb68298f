using Relay.Contracts;

namespace Relay.Cli;

/// <summary><c>relay ask</c>: one question, the streamed (or whole) answer.</summary>
internal sealed class AskCommand(CliConsole console, InterruptSignal interrupt, TimeProvider time, LogLocation logLocation)
{
    public async Task<int> RunAsync(AskSettings settings, CancellationToken cancellationToken)
    {
        var prompt = await PromptInput.ReadAsync(console, settings.Prompt, cancellationToken)
            ?? throw new UsageException("no prompt: give one as an argument or pipe it on stdin (relay ask --help)");

        using var log = ConversationLog.Open(settings.NoLog ? LogLocation.Disabled : logLocation, console.Error);
        var conversation = ConversationStart.Resolve(log, settings);

        // [system?, earlier turns of a continued conversation, user], and no default max_tokens or temperature: the
        // model's own defaults apply.
        var messages = new List<ChatMessage>(conversation.History.Count + 2);
        if (!string.IsNullOrEmpty(conversation.SystemPrompt))
        {
            messages.Add(ChatMessage.System(conversation.SystemPrompt));
        }

        messages.AddRange(conversation.History);
        messages.Add(ChatMessage.User(prompt));
        var request = new ChatRequest
        {
            Model = conversation.Model,
            Messages = messages,
            MaxTokens = settings.MaxTokens,
            Temperature = settings.Temperature,
        };

        await using var edge = await EdgeConnection.OpenAsync(console, settings.Connection, time, cancellationToken);
        var answers = new AnswerRunner(console, edge, interrupt, time, log);
        var outcome = settings.NoStream
            ? await answers.WholeAsync(request, settings.Render, conversation.Id, cancellationToken)
            : await answers.StreamAsync(request, settings, conversation.Id, cancellationToken);
        return interrupt.TerminationExitCode ?? outcome.ExitCode;
    }
}
