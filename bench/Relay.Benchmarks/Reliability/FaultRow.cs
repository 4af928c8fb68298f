namespace Relay.Benchmarks.Reliability;

/// <summary>One fault of the matrix: how often it was injected and what it cost.</summary>
internal sealed record FaultRow(string Fault, string How, int Runs, int Lost, int Duplicated, int Orphaned, int Leaked, int Recoveries, double Seconds)
{
    public bool Clean => Runs > 0 && Lost == 0 && Duplicated == 0 && Orphaned == 0 && Leaked == 0;
}
