using System.CommandLine;
using Relay.Cli.Config;
using Relay.Simulator;

namespace Relay.Cli;

/// <summary>
/// The <c>relay</c> command line: <c>ask</c>, <c>chat</c>, <c>attach</c>, <c>log</c>, <c>serve</c>, <c>health</c>, <c>models</c>.
/// Parse errors exit 2 (System.CommandLine's default is 1), and Ctrl+C is handled per answer by
/// <see cref="InterruptSignal"/>, so the library's own termination handling is turned off.
/// </summary>
internal sealed class RelayApp(CliConsole console, InterruptSignal interrupt, TimeProvider time, LogLocation? log = null, ConfigLocation? config = null)
{
    private readonly LogLocation _log = log ?? LogLocation.FromEnvironment();
    private readonly ConfigLocation _config = config ?? ConfigLocation.FromEnvironment();

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
            o.Prompt, o.Attach, o.Model, o.SystemPrompt, o.Template, o.MaxTokens, o.Temperature, o.NoStream, o.Json, o.Raw, o.Quiet, o.NoReconnect, o.ShowReasoning, o.Edge, o.Token, o.Verbose,
            o.Continue, o.ConversationId, o.NoLog,
        };
        ask.SetAction((r, ct) => new AskCommand(console, interrupt, time, _log).RunAsync(Ask(r, o), ct));

        var chat = new Command("chat", "An interactive conversation (one prompt per line when stdin is piped)")
        {
            o.Model, o.SystemPrompt, o.Template, o.MaxTokens, o.Temperature, o.Raw, o.Quiet, o.NoReconnect, o.ShowReasoning, o.Edge, o.Token, o.Verbose,
            o.Continue, o.ConversationId, o.NoLog,
        };
        chat.SetAction((r, ct) => new ChatCommand(console, interrupt, time, _log).RunAsync(Ask(r, o), ct));

        var attach = new Command("attach", "Reattach to an answer still at the edge after its relay process died: the whole answer, or --rest")
        {
            o.StreamId, o.Rest, o.Quiet, o.Json, o.Raw, o.NoReconnect, o.ShowReasoning, o.Edge, o.Token, o.Verbose,
        };
        attach.SetAction((r, ct) => new AttachCommand(console, interrupt, time, _log)
            .RunAsync(r.GetValue(o.StreamId), r.GetValue(o.Rest), r.GetValue(o.Edge) is not null, Ask(r, o), ct));

        var logCommand = new Command("log", "List the recorded exchanges (newest last), search them (-q), --show, --export or --delete one")
        {
            o.Count, o.ConversationId, o.LogJson, o.Query, o.Show, o.Export, o.Delete,
        };
        logCommand.SetAction((r, _) => new LogCommand(console, _log).RunAsync(
            new LogCommand.Request(r.GetValue(o.Count), r.GetValue(o.ConversationId), r.GetValue(o.LogJson), r.GetValue(o.Query), r.GetValue(o.Show), r.GetValue(o.Export), r.GetValue(o.Delete))));

        var serve = new Command("serve", "Run the edge (and the simulator when there is no key) in the foreground") { o.Urls, o.Verbose };
        serve.SetAction((r, ct) => ServeCommand.RunAsync(console, interrupt, r.GetValue(o.Urls), r.GetValue(o.Verbose), StoredKey.Read(_config, console.Error), ct));

        var health = new Command("health", "Check the edge: prints live and ready, exit 1 when not ready") { o.Edge, o.Token, o.Verbose };
        health.SetAction((r, ct) => new HealthCommand(console, time).RunAsync(Connection(r, o), ct));

        var models = new Command("models", "List the models the edge offers") { o.Edge, o.Token, o.Verbose };
        models.SetAction((r, ct) => new ModelsCommand(console, time).RunAsync(Connection(r, o), ct));

        return new RootCommand("relay: streaming LLM chat that survives dropped connections")
        {
            ask, chat, attach, logCommand, serve, health, models, AliasCommands(o), TemplateCommands(o), KeyCommands(),
        };
    }

    private AskSettings Ask(ParseResult r, CliOptions o) => AskSettings.From(r, o, RelayConfig.Load(_config, console.Error), StoredKey.Read(_config, console.Error));

    private ConnectionSettings Connection(ParseResult r, CliOptions o) =>
        ConnectionSettings.From(r, o, RelayConfig.Load(_config, console.Error), StoredKey.Read(_config, console.Error));

    private Command AliasCommands(CliOptions o)
    {
        var aliases = new AliasCommand(console, _config);
        var set = new Command("set", "Make NAME stand for MODEL (-m NAME, /model NAME)") { o.Name, o.TargetModel };
        set.SetAction((r, _) => aliases.SetAsync(r.GetValue(o.Name)!, r.GetValue(o.TargetModel)!));
        var list = new Command("list", "The aliases, one 'name = model' a line");
        list.SetAction((_, _) => aliases.ListAsync());
        var remove = new Command("remove", "Forget an alias") { o.Name };
        remove.SetAction((r, _) => aliases.RemoveAsync(r.GetValue(o.Name)!));
        return new Command("alias", "Short names for models, kept in the settings file") { set, list, remove };
    }

    private Command TemplateCommands(CliOptions o)
    {
        var templates = new TemplateCommand(console, _config);
        var save = new Command("save", "Keep a system prompt (and model) under NAME, for -t NAME") { o.Name, o.SystemPrompt, o.Model };
        save.SetAction((r, _) => templates.SaveAsync(r.GetValue(o.Name)!, r.GetValue(o.SystemPrompt), r.GetValue(o.Model)));
        var list = new Command("list", "The templates, one a line");
        list.SetAction((_, _) => templates.ListAsync());
        var show = new Command("show", "A template's model and system prompt") { o.Name };
        show.SetAction((r, _) => templates.ShowAsync(r.GetValue(o.Name)!));
        var remove = new Command("remove", "Forget a template") { o.Name };
        remove.SetAction((r, _) => templates.RemoveAsync(r.GetValue(o.Name)!));
        return new Command("template", "Saved system prompts (and models), kept in the settings file") { save, list, show, remove };
    }

    private Command KeyCommands()
    {
        var keys = new KeyCommand(console, _config);
        var set = new Command("set", "Store the OpenRouter key (typed without echo, or piped in) for the edge relay runs itself");
        set.SetAction((_, ct) => keys.SetAsync(ct));
        var remove = new Command("remove", "Delete the stored key");
        remove.SetAction((_, _) => keys.RemoveAsync());
        return new Command("key", "The OpenRouter key of relay's own edge, stored readable by you only") { set, remove };
    }
}
