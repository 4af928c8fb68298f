using System.Text.RegularExpressions;

namespace Relay.Cli;

/// <summary>The few ANSI sequences the CLI writes, only where <see cref="CliConsole"/> allows them.</summary>
internal static partial class Ansi
{
    public const string Dim = "\u001b[2m";
    public const string Red = "\u001b[31m";
    public const string Yellow = "\u001b[33m";
    public const string Reset = "\u001b[0m";
    public const string SaveCursor = "\u001b7";
    public const string RestoreCursor = "\u001b8";
    public const string ClearToEndOfLine = "\u001b[K";
    public const string ClearToEndOfScreen = "\u001b[J";

    /// <summary>Moves the cursor to the start of the line <paramref name="rows"/> rows up.</summary>
    public static string RowsUp(int rows) => rows > 0 ? $"\u001b[{rows}F" : "\r";

    /// <summary>The text without its SGR (colour and style) sequences: what takes cells on the screen.</summary>
    public static string Strip(string text) => Sgr().Replace(text, "");

    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex Sgr();
}
