using System.Text;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// A tiny terminal: replays what relay wrote to its pty (text, CR/LF, wrapping, and the few ANSI sequences it uses:
/// cursor rows up, clear to end of line/screen, save/restore cursor, colours) and gives back what the screen shows.
/// </summary>
internal static class TerminalScreen
{
    public const int Columns = 100;

    public static string Render(string output)
    {
        var lines = new List<StringBuilder> { new() };
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
                        case 'J': // clear to end of screen
                            Line(lines, row).Length = Math.Min(col, Line(lines, row).Length);
                            lines.RemoveRange(row + 1, lines.Count - row - 1);
                            break;
                        case 'K': // clear to end of line
                            Line(lines, row).Length = Math.Min(col, Line(lines, row).Length);
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
                    if (col >= Columns)
                    {
                        row++;
                        col = 0;
                    }

                    var line = Line(lines, row);
                    while (line.Length < col)
                    {
                        line.Append(' ');
                    }

                    if (col < line.Length)
                    {
                        line[col] = c;
                    }
                    else
                    {
                        line.Append(c);
                    }

                    col++;
                    break;
            }
        }

        return string.Join('\n', lines.Select(l => l.ToString().TrimEnd())).TrimEnd();
    }

    private static StringBuilder Line(List<StringBuilder> lines, int row)
    {
        while (lines.Count <= row)
        {
            lines.Add(new StringBuilder());
        }

        return lines[row];
    }
}
