namespace Relay.Benchmarks;

/// <summary>Percentiles of a sample, in the sample's unit.</summary>
internal static class Percentiles
{
    public static double Of(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Describe(List<double> sample, string unit)
    {
        sample.Sort();
        return $"p50 {Of(sample, 50):0.00} {unit}, p90 {Of(sample, 90):0.00}, p99 {Of(sample, 99):0.00}, p99.9 {Of(sample, 99.9):0.00} (n={sample.Count})";
    }
}
