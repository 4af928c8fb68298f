using ScottPlot;

namespace Relay.Benchmarks;

/// <summary>PNG charts of the figures (ScottPlot): under docs/perf on a full run, a temporary folder on a quick one.</summary>
internal sealed class Plots(string directory)
{
    private static readonly double[] Levels = [50, 90, 99, 99.9];

    public string Directory { get; } = directory;

    public List<string> Written { get; } = [];

    /// <summary>Grouped bars: p50, p90, p99 and p99.9 of each series.</summary>
    public void Percentiles(string name, string title, IReadOnlyDictionary<string, List<double>> series)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var width = 0.8 / series.Count;
        var i = 0;
        foreach (var (label, values) in series)
        {
            var bars = Levels.Select((level, x) => new Bar
            {
                Position = x + ((i - ((series.Count - 1) / 2.0)) * width),
                Value = Benchmarks.Percentiles.Of(values, level),
                Size = width * 0.95,
                FillColor = palette.GetColor(i),
            }).ToArray();
            plot.Add.Bars(bars).LegendText = label;
            i++;
        }

        plot.Axes.Bottom.SetTicks([0, 1, 2, 3], ["p50", "p90", "p99", "p99.9"]);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("ms");
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, name);
    }

    /// <summary>Lines of y against x, one per series.</summary>
    public void Curves(string name, string title, string xLabel, string yLabel, IReadOnlyList<(string Label, List<double> Xs, List<double> Ys)> series, double? limit = null)
    {
        var plot = new Plot();
        foreach (var (label, xs, ys) in series)
        {
            plot.Add.Scatter(xs.ToArray(), ys.ToArray()).LegendText = label;
        }

        if (limit is { } l)
        {
            var line = plot.Add.HorizontalLine(l);
            line.LegendText = "limit";
            line.LinePattern = LinePattern.Dashed;
        }

        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, name);
    }

    private void Save(Plot plot, string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, name + ".png");
        plot.SavePng(path, 900, 500);
        Written.Add(path);
        Console.WriteLine($"  plot: {path}");
    }
}
