using System.Text;

namespace Relay.Testing;

/// <summary>
/// A tiny terminal: replays what relay wrote to its pty (text, CR/LF, wrapping, and the few ANSI sequences it uses:
/// cursor up, right and home, clear to end of line/screen, save/restore cursor, colours) and gives back what the screen
/// shows, and where the cursor is.
/// Characters take the columns <see cref="TerminalWidths"/> gives them (Unicode's East Asian Width): a wide one takes
/// two cells, and one that does not fit in the last column wraps whole to the next row, as xterm does.
/// </summary>
public static class TerminalScreen
{
    public const int Columns = 100;

    /// <summary>What the screen shows after <paramref name="output"/>, rows joined with \n, trailing blanks trimmed.</summary>
    public static string Render(string output, int columns = Columns) => Replay(output, columns).Screen;

    /// <summary>The screen after <paramref name="output"/> and where the cursor is on it (row and column from 0).</summary>
    public static (string Screen, int Row, int Col) Replay(string output, int columns = Columns)
    {
        var lines = new List<List<string>> { new() };
        var (row, col) = (0, 0);
        var saved = (0, 0);
        for (var i = 0; i < output.Length; i++)
        {
            var c = output[i];
            if (c == '\u001b' && i + 1 < output.Length)
            {
                if (output[i + 1] == '7' || output[i + 1] == '8')
                {
                    if (output[i + 1] == '7')
                    {
                        saved = (row, col);
                    }
                    else
                    {
                        (row, col) = saved;
                    }

                    i++;
                    continue;
                }

                if (output[i + 1] == '[')
                {
                    var end = i + 2;
                    while (end < output.Length && !char.IsAsciiLetter(output[end]))
                    {
                        end++;
                    }

                    if (end >= output.Length)
                    {
                        break;
                    }

                    var arg = output[(i + 2)..end];
                    var n = int.TryParse(arg, out var v) ? v : 0;
                    switch (output[end])
                    {
                        case 'F': // rows up, to column 0
                            row = Math.Max(0, row - Math.Max(1, n));
                            col = 0;
                            break;
                        case 'A': // rows up, same column
                            row = Math.Max(0, row - Math.Max(1, n));
                            break;
                        case 'C': // columns right
                            col = Math.Min(columns - 1, col + Math.Max(1, n));
                            break;
                        case 'H': // home
                            (row, col) = (0, 0);
                            break;
                        case 'J': // clear to end of screen
                            Truncate(Line(lines, row), col);
                            lines.RemoveRange(row + 1, lines.Count - row - 1);
                            break;
                        case 'K': // clear to end of line
                            Truncate(Line(lines, row), col);
                            break;
                    }

                    i = end;
                    continue;
                }
            }

            switch (c)
            {
                case '\r':
                    col = 0;
                    break;
                case '\n':
                    row++;
                    col = 0;
                    break;
                default:
                    var rune = Rune.GetRuneAt(output, i);
                    i += rune.Utf16SequenceLength - 1;
                    var width = TerminalWidths.Of(rune);
                    if (col + width > columns)
                    {
                        row++;
                        col = 0;
                    }

                    var line = Line(lines, row);
                    while (line.Count < col + width)
                    {
                        line.Add(" ");
                    }

                    line[col] = rune.ToString();
                    if (width == 2)
                    {
                        line[col + 1] = ""; // the right half of a wide character
                    }

                    col += width;
                    break;
            }
        }

        return (string.Join('\n', lines.Select(l => string.Concat(l).TrimEnd())).TrimEnd(), row, col);
    }

    private static void Truncate(List<string> line, int col)
    {
        if (col < line.Count)
        {
            line.RemoveRange(col, line.Count - col);
        }
    }

    private static List<string> Line(List<List<string>> lines, int row)
    {
        while (lines.Count <= row)
        {
            lines.Add([]);
        }

        return lines[row];
    }
}
