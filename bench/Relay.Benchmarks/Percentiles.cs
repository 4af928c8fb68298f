namespace Relay.Benchmarks;

/// <summary>Percentiles of a sample, in the sample's unit (nearest rank).</summary>
internal static class Percentiles
{
    public static double Of(IEnumerable<double> sample, double p)
    {
        var sorted = sample.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>
    /// What a path adds to the direct one at percentile <paramref name="p"/>: the difference of two samples' percentiles,
    /// floored at 0. A difference below 0 is noise between two runs (a proxy cannot make the upstream faster), and a
    /// negative figure or a target derived from one would mean nothing.
    /// </summary>
    public static double Added(IEnumerable<double> path, IEnumerable<double> direct, double p) => Math.Max(0, Of(path, p) - Of(direct, p));

    public static string Describe(IReadOnlyCollection<double> sample, string unit) =>
        $"p50 {Of(sample, 50):0.00} {unit}, p90 {Of(sample, 90):0.00}, p99 {Of(sample, 99):0.00}, p99.9 {Of(sample, 99.9):0.00} (n={sample.Count})";
}
