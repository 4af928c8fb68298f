using System.Text;

namespace Relay.Cli;

/// <summary>
/// The three standard streams and what they are connected to. Commands write only through this, so tests
/// run them in-process with captured streams, and the TTY rules (no ANSI when not a terminal or NO_COLOR)
/// live in one place.
/// </summary>
internal sealed class CliConsole
{
    public required TextReader In { get; init; }

    /// <summary>The answer text only (or --json lines): nothing else ever goes here.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Usage, reasoning, status and errors.</summary>
    public required TextWriter Error { get; init; }

    public bool InputRedirected { get; init; }

    public bool OutputIsTerminal { get; init; }

    public bool ErrorIsTerminal { get; init; }

    /// <summary>Whether ANSI styling may be written to stderr.</summary>
    public bool ErrorColor { get; init; }

    /// <summary>Whether ANSI control sequences may be written to stdout (clearing a restarted answer).</summary>
    public bool OutputAnsi { get; init; }

    /// <summary>The terminal's width in columns, for counting the rows an answer takes.</summary>
    public int Width { get; init; } = 80;

    /// <summary>The terminal's height in rows: a finished Markdown block is redrawn only while all of it is on screen.</summary>
    public int Height { get; init; } = 24;

    /// <summary>Whether answers are rendered as Markdown: stdout is a terminal that takes ANSI, and --raw was not given.</summary>
    public bool RendersMarkdown(RenderOptions options) => OutputAnsi && !options.Raw && !options.Json;

    public static CliConsole FromSystem()
    {
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var outTerminal = !Console.IsOutputRedirected;
        var errTerminal = !Console.IsErrorRedirected;
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        return new CliConsole
        {
            In = Console.In,
            Out = new StreamWriter(Console.OpenStandardOutput(), utf8) { AutoFlush = false },
            // Written from several threads (the in-process edge's logger, the conversation log as it opens): one line at a time.
            Error = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardError(), utf8) { AutoFlush = true }),
            InputRedirected = Console.IsInputRedirected,
            OutputIsTerminal = outTerminal,
            ErrorIsTerminal = errTerminal,
            ErrorColor = errTerminal && !noColor,
            OutputAnsi = outTerminal && !noColor,
            Width = outTerminal ? SafeSize(() => Console.WindowWidth, 80) : 80,
            Height = outTerminal ? SafeSize(() => Console.WindowHeight, 24) : 24,
        };
    }

    private static int SafeSize(Func<int> size, int fallback)
    {
        try
        {
            return size() is > 0 and var n ? n : fallback;
        }
        catch (IOException)
        {
            return fallback;
        }
    }
}
