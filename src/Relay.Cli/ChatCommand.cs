using Relay.Cli.Editing;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// <c>relay chat</c>: a conversation. On a terminal it prompts; with piped stdin it reads one prompt per line,
/// for scripts and tests. Ctrl+C stops the answer in progress and the session goes on; Ctrl+C twice at an
/// empty prompt, Ctrl+D (end of input) or <c>/exit</c> leaves.
/// </summary>
internal sealed class ChatCommand(CliConsole console, InterruptSignal interrupt, TimeProvider time, LogLocation logLocation)
{
    private const string LeaveHint = "(Ctrl+C again, Ctrl+D or /exit to leave)";

    public async Task<int> RunAsync(AskSettings settings, CancellationToken cancellationToken)
    {
        using var log = ConversationLog.Open(settings.NoLog ? LogLocation.Disabled : logLocation, console.Error);
        var conversation = ConversationStart.Resolve(log, settings);
        var session = new ChatSession(conversation.Model, conversation.SystemPrompt, conversation.Id, conversation.History);
        await using var edge = await EdgeConnection.OpenAsync(console, settings.Connection, time, cancellationToken);
        var answers = new AnswerRunner(console, edge, interrupt, time, log);
        var interactive = !console.InputRedirected;
        var editor = interactive ? new LineEditor(console.Error, new ConsoleKeyReader(), History(settings), () => TerminalWidth(console)) : null;
        void OnIdleInterrupt() => console.Error.WriteLine("\n" + LeaveHint);
        interrupt.IdleInterrupt += OnIdleInterrupt;
        try
        {
            if (interactive && !settings.Render.Quiet)
            {
                await console.Error.WriteLineAsync("relay chat: /help for commands, Ctrl+C stops an answer, Ctrl+D leaves");
                if (conversation.History.Count > 0)
                {
                    await console.Error.WriteLineAsync($"continuing conversation {conversation.Id} ({conversation.History.Count / 2} earlier answers)");
                }
            }

            var lastExit = ExitCodes.Success;
            while (!cancellationToken.IsCancellationRequested)
            {
                var line = editor is null ? await ReadLineAsync(cancellationToken)
                    : await EditAsync(editor, console.ErrorColor ? Ansi.Dim + "> " + Ansi.Reset : "> ", cancellationToken);
                if (line is null)
                {
                    break; // Ctrl+D, end of piped input, or Ctrl+C twice
                }

                line = line.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                if (line.StartsWith('/'))
                {
                    if (ChatSession.ModelArgument(line) is { } named && settings.Config.ResolveModel(named) is { } wanted && wanted != named)
                    {
                        line = "/model " + wanted; // an alias
                    }

                    if (ChatSession.ModelArgument(line) is { } model && await UnknownModelAsync(edge, model, session, cancellationToken) is { } refusal)
                    {
                        await console.Error.WriteLineAsync(refusal);
                        continue;
                    }

                    var reply = session.Execute(line);
                    if (reply is null)
                    {
                        break;
                    }

                    await console.Error.WriteLineAsync(reply);
                    continue;
                }

                var request = new ChatRequest
                {
                    Model = session.Model,
                    Messages = session.BuildMessages(line),
                    MaxTokens = settings.MaxTokens,
                    Temperature = settings.Temperature,
                };
                var outcome = await answers.StreamAsync(request, settings, session.ConversationId, cancellationToken);
                session.Record(line, outcome);
                lastExit = outcome.Interrupted ? ExitCodes.Success : outcome.ExitCode;
            }

            return interrupt.TerminationExitCode ?? (interactive ? ExitCodes.Success : lastExit);
        }
        finally
        {
            interrupt.IdleInterrupt -= OnIdleInterrupt;
        }
    }

    /// <summary>
    /// Why <paramref name="model"/> cannot be switched to: the edge does not offer it (a variant such as <c>:free</c> counts
    /// as its model). Null when it is offered, or when the list cannot be had (then the first answer will say).
    /// </summary>
    private static async Task<string?> UnknownModelAsync(EdgeConnection edge, string model, ChatSession session, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> offered;
        try
        {
            offered = await edge.Client.GetModelsAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is StreamErrorException or HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }

        var name = model.Split(':')[0];
        return offered.Contains(model, StringComparer.Ordinal) || offered.Contains(name, StringComparer.Ordinal) ? null
            : $"unknown model {model}: the edge does not offer it (relay models lists them); still {session.Model ?? "the edge's default"}";
    }

    /// <summary>The prompt's history: beside the conversation log, or only in memory when nothing may be recorded.</summary>
    private LineHistory History(AskSettings settings) =>
        settings.NoLog || !logLocation.Enabled ? LineHistory.InMemory() : LineHistory.Load(Path.Combine(logLocation.Folder!, "history.jsonl"));

    private static int TerminalWidth(CliConsole console)
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : console.Width;
        }
        catch (IOException)
        {
            return console.Width;
        }
    }

    /// <summary>
    /// A line from the editor, or null at Ctrl+D, at Ctrl+C twice on an empty line, or on SIGTERM/SIGHUP. Ctrl+C is a key
    /// while the line is edited (it clears it) and SIGINT again during the answer that follows.
    /// </summary>
    private async Task<string?> EditAsync(LineEditor editor, string prompt, CancellationToken cancellationToken)
    {
        var read = Task.Factory.StartNew(
            () =>
            {
                using var controlC = new ConsoleKeyReader.ControlCAsInput();
                // Ctrl+C at an empty prompt: the first says how to leave, a second right after it leaves.
                return editor.Read(prompt, again =>
                {
                    if (!again)
                    {
                        console.Error.WriteLine(LeaveHint);
                    }

                    return again;
                });
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var first = await Task.WhenAny(read, interrupt.ExitRequested, Task.Delay(Timeout.Infinite, cancellationToken));
        return first == read ? await read : null;
    }

    /// <summary>A line, or null at end of input or when Ctrl+C was pressed twice at the prompt.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        // A console read cannot be cancelled, so race it against the exit request instead.
        var read = Task.Run(() => console.In.ReadLine(), cancellationToken);
        var first = await Task.WhenAny(read, interrupt.ExitRequested, Task.Delay(Timeout.Infinite, cancellationToken));
        return first == read ? await read : null;
    }
}
