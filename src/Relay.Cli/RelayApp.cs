using System.CommandLine;
using Relay.Simulator;

namespace Relay.Cli;

/// <summary>
/// The <c>relay</c> command line: <c>ask</c>, <c>chat</c>, <c>serve</c>, <c>health</c>, <c>models</c>.
/// Parse errors exit 2 (System.CommandLine's default is 1), and Ctrl+C is handled per answer by
/// <see cref="InterruptSignal"/>, so the library's own termination handling is turned off.
/// </summary>
internal sealed class RelayApp(CliConsole console, InterruptSignal interrupt, TimeProvider time)
{
    /// <summary>Runs the command line and returns the exit code.</summary>
    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = new CliOptions();
        var root = BuildCommand(options);

        // `relay` alone shows what it can do rather than an error.
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        var invocation = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };

        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await console.Error.WriteLineAsync("run 'relay --help' for usage");
            return ExitCodes.Usage;
        }

        try
        {
            var code = await parse.InvokeAsync(invocation, cancellationToken);
            await console.Out.FlushAsync(CancellationToken.None);
            return code;
        }
        catch (UsageException ex)
        {
            await console.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (StartupError.Describe(ex) is { } message)
        {
            // A bad setting or a busy address: the user's to fix, so one line and no stack trace.
            await console.Error.WriteLineAsync($"error: {message}");
            return ExitCodes.Usage;
        }
    }

    private RootCommand BuildCommand(CliOptions o)
    {
        var ask = new Command("ask", "Ask one question and stream the answer to stdout")
        {
            o.Prompt, o.Model, o.SystemPrompt, o.MaxTokens, o.Temperature, o.NoStream, o.Json, o.Quiet, o.NoReconnect, o.ShowReasoning, o.Edge, o.Token, o.Verbose,
        };
        ask.SetAction((r, ct) => new AskCommand(console, interrupt, time).RunAsync(AskSettings.From(r, o), ct));

        var chat = new Command("chat", "An interactive conversation (one prompt per line when stdin is piped)")
        {
            o.Model, o.SystemPrompt, o.MaxTokens, o.Temperature, o.Quiet, o.NoReconnect, o.ShowReasoning, o.Edge, o.Token, o.Verbose,
        };
        chat.SetAction((r, ct) => new ChatCommand(console, interrupt, time).RunAsync(AskSettings.From(r, o), ct));

        var serve = new Command("serve", "Run the edge (and the simulator when there is no key) in the foreground") { o.Urls };
        serve.SetAction((r, ct) => ServeCommand.RunAsync(console, interrupt, r.GetValue(o.Urls), ct));

        var health = new Command("health", "Check the edge: prints live and ready, exit 1 when not ready") { o.Edge, o.Token, o.Verbose };
        health.SetAction((r, ct) => new HealthCommand(console, time).RunAsync(ConnectionSettings.From(r, o), ct));

        var models = new Command("models", "List the models the edge offers") { o.Edge, o.Token, o.Verbose };
        models.SetAction((r, ct) => new ModelsCommand(console, time).RunAsync(ConnectionSettings.From(r, o), ct));

        return new RootCommand("relay: streaming LLM chat that survives dropped connections")
        {
            ask, chat, serve, health, models,
        };
    }
}
