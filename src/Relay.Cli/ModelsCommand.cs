using Relay.Contracts;
using Spectre.Console;

namespace Relay.Cli;

/// <summary><c>relay models</c>: a table on a terminal, one id a line otherwise.</summary>
internal sealed class ModelsCommand(CliConsole console, TimeProvider time)
{
    public async Task<int> RunAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        await using var edge = await EdgeConnection.OpenAsync(console, settings, time, cancellationToken);
        IReadOnlyList<string> models;
        try
        {
            models = await edge.Client.GetModelsAsync(cancellationToken);
        }
        catch (StreamErrorException ex)
        {
            await new AnswerRenderer(console, new RenderOptions(), time).WriteErrorAsync(ex.Error);
            return ExitCodes.Error;
        }

        if (console.OutputIsTerminal)
        {
            var table = new Table().AddColumn("model").AddColumn("provider");
            foreach (var id in models)
            {
                table.AddRow(Markup.Escape(id), Markup.Escape(id.Contains('/', StringComparison.Ordinal) ? id[..id.IndexOf('/', StringComparison.Ordinal)] : ""));
            }

            var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Out), Ansi = console.OutputAnsi ? AnsiSupport.Yes : AnsiSupport.No });
            ansi.Write(table);
        }
        else
        {
            foreach (var id in models)
            {
                await console.Out.WriteLineAsync(id);
            }
        }

        await console.Out.FlushAsync(cancellationToken);
        return ExitCodes.Success;
    }
}
