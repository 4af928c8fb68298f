using System.Globalization;
using System.Text;

namespace Relay.Testing;

/// <summary>
/// How many columns a terminal gives a character, from Unicode's own East Asian Width data (Data/EastAsianWide.txt):
/// wide and fullwidth characters two, others one. Independent of the code under test on purpose.
/// </summary>
public static class TerminalWidths
{
    private static readonly (int First, int Last)[] Wide = Load();

    public static int Of(Rune rune)
    {
        var (lo, hi) = (0, Wide.Length - 1);
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (rune.Value < Wide[mid].First)
            {
                hi = mid - 1;
            }
            else if (rune.Value > Wide[mid].Last)
            {
                lo = mid + 1;
            }
            else
            {
                return 2;
            }
        }

        return 1;
    }

    private static (int, int)[] Load()
    {
        using var stream = typeof(TerminalWidths).Assembly.GetManifestResourceStream("EastAsianWide.txt")!;
        using var reader = new StreamReader(stream);
        var ranges = new List<(int, int)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var codes = line[..line.IndexOf(';', StringComparison.Ordinal)].Split("..");
            var first = int.Parse(codes[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ranges.Add((first, codes.Length > 1 ? int.Parse(codes[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : first));
        }

        return [.. ranges.OrderBy(r => r.Item1)];
    }
}
