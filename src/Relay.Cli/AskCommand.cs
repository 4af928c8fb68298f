using Relay.Contracts;

namespace Relay.Cli;

/// <summary><c>relay ask</c>: one question, the streamed (or whole) answer.</summary>
internal sealed class AskCommand(CliConsole console, InterruptSignal interrupt, TimeProvider time)
{
    public async Task<int> RunAsync(AskSettings settings, CancellationToken cancellationToken)
    {
        var prompt = await PromptInput.ReadAsync(console, settings.Prompt, cancellationToken)
            ?? throw new UsageException("no prompt: give one as an argument or pipe it on stdin (relay ask --help)");

        // Only [system?, user], and no default max_tokens or temperature: the model's own defaults apply.
        var messages = new List<ChatMessage>(2);
        if (!string.IsNullOrEmpty(settings.SystemPrompt))
        {
            messages.Add(ChatMessage.System(settings.SystemPrompt));
        }

        messages.Add(ChatMessage.User(prompt));
        var request = new ChatRequest
        {
            Model = settings.Model,
            Messages = messages,
            MaxTokens = settings.MaxTokens,
            Temperature = settings.Temperature,
        };

        await using var edge = await EdgeConnection.OpenAsync(console, settings.Connection, time, cancellationToken);
        var answers = new AnswerRunner(console, edge, interrupt, time);
        var outcome = settings.NoStream
            ? await answers.WholeAsync(request, settings.Render, cancellationToken)
            : await answers.StreamAsync(request, settings, cancellationToken);
        return interrupt.TerminationExitCode ?? outcome.ExitCode;
    }
}
