using System.Diagnostics;
using Relay.Simulator;

namespace Relay.Benchmarks.Reliability;

/// <summary>
/// Runs one row of the matrix: its runs (one after another, or all at once), then waits for the edges to settle once the
/// grace period has passed, and counts what is left: upstream requests still running and streams still held.
/// </summary>
internal sealed class Rows(FaultMatrix matrix, SimulatorHost sim, CancellationToken ct)
{
    // Long enough for the grace (1 s), a lease to lapse and an abort to reach the simulator, several times over.
    private static readonly TimeSpan SettleWithin = TimeSpan.FromSeconds(15);
    private readonly List<string> _heldGates = [];

    public FaultMatrix Matrix => matrix;

    public SimulatorHost Sim => sim;

    public CancellationToken Ct => ct;

    /// <summary>What one run cost, and how often its client resumed or started over.</summary>
    public readonly record struct Outcome(int Lost, int Duplicated, int Orphaned = 0, int Recoveries = 0)
    {
        public static Outcome Of(ClientView view, IReadOnlyList<string> expected) => new(view.Lost(expected), view.Duplicated, Recoveries: view.Recoveries);
    }

    /// <summary>A gate nobody comes back for: released only after the row settled, so an upstream left running shows as orphaned.</summary>
    public void ReleaseLater(string gate) => _heldGates.Add(gate);

    public async Task RunAsync(string fault, string how, int runs, Func<Task<long>> held, Func<int, Task<Outcome>> run, bool parallel = false)
    {
        var start = Stopwatch.GetTimestamp();
        var outcomes = parallel
            ? await Task.WhenAll(Enumerable.Range(0, runs).Select(run))
            : await SequentialAsync(runs, run);
        var (orphaned, leaked) = await SettleAsync(held);
        foreach (var gate in _heldGates)
        {
            sim.Gates.Release(gate);
        }

        _heldGates.Clear();
        matrix.Add(new FaultRow(
            fault,
            how,
            runs,
            outcomes.Sum(o => o.Lost),
            outcomes.Sum(o => o.Duplicated),
            orphaned + outcomes.Sum(o => o.Orphaned),
            leaked,
            outcomes.Sum(o => o.Recoveries),
            Stopwatch.GetElapsedTime(start).TotalSeconds));
    }

    private static async Task<Outcome[]> SequentialAsync(int runs, Func<int, Task<Outcome>> run)
    {
        var outcomes = new Outcome[runs];
        for (var i = 0; i < runs; i++)
        {
            outcomes[i] = await run(i);
        }

        return outcomes;
    }

    /// <summary>Polls (this is a benchmark, not a test) until no upstream request runs and nothing is held, or the time is up.</summary>
    private async Task<(int Orphaned, int Leaked)> SettleAsync(Func<Task<long>> held)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(SettleWithin.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var active = sim.GetStats().ActiveStreams;
            var left = await held();
            if ((active == 0 && left == 0) || Stopwatch.GetTimestamp() > deadline)
            {
                return ((int)active, (int)Math.Min(left, int.MaxValue));
            }

            await Task.Delay(50, ct);
        }
    }
}
