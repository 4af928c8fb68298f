namespace Relay.Cli.Tests;

/// <summary>A <see cref="CliConsole"/> over string buffers, as a terminal or as pipes.</summary>
internal static class TestConsole
{
    public static (CliConsole Console, StringWriter Out, StringWriter Error) Create(bool terminal = false, string input = "", int width = 80)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var console = new CliConsole
        {
            In = new StringReader(input),
            Out = stdout,
            Error = stderr,
            InputRedirected = input.Length > 0,
            OutputIsTerminal = terminal,
            ErrorIsTerminal = terminal,
            ErrorColor = terminal,
            OutputAnsi = terminal,
            Width = width,
        };
        return (console, stdout, stderr);
    }
}
