using Spectre.Console;

namespace Relay.Cli;

/// <summary>How many rows text takes on a terminal: what erasing or redrawing an answer in place has to count.</summary>
internal static class TerminalRows
{
    /// <summary>
    /// Rows the text takes on a terminal <paramref name="width"/> columns wide, from the row it starts on to the row the
    /// cursor ends on, wrapping long lines: each character takes its cell width (two for CJK and most emoji,
    /// Spectre.Console's table), and a wide one that does not fit in the last column wraps whole to the next row.
    /// </summary>
    public static int Of(ReadOnlySpan<char> text, int width)
    {
        var rows = 1;
        var column = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == '\n')
            {
                rows++;
                column = 0;
                continue;
            }

            var cells = rune.IsAscii ? (rune.Value < 32 ? 0 : 1) : rune.ToString().GetCellWidth();
            if (column + cells > width)
            {
                rows++;
                column = 0;
            }

            column += cells;
        }

        return rows;
    }
}
