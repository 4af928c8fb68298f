using Relay.Benchmarks;
using Relay.Benchmarks.Reliability;

// Side-by-side figures on loopback against the simulator, each beside its target.
// Usage: dotnet run -c Release --project bench/Relay.Benchmarks -- [latency|cpu|startup|memory|concurrency|resume|micro|simulator|redis|reliability|all|screenshot] [--quick]
// Only a full `all` run rewrites docs/performance.md and docs/perf/*.png; a full `reliability` or `all` run rewrites docs/reliability.md.
var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var quick = args.Contains("--quick");
// A bound, not a target: a full run takes about 31 minutes on 2 cores (the native edge's publish alone about 80 s), a
// quick one about 4; a hung scenario ends the run instead of CI.
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(quick ? 8 : 50));
var ct = cts.Token;
var root = FindRoot();
var full = !quick && scenario == "all";
var report = new Report();
var plots = new Plots(full ? Path.Combine(root, "docs", "perf") : Path.Combine(Path.GetTempPath(), "relay-perf"));
Console.WriteLine($"Relay benchmarks on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}{(quick ? " (quick: small runs, figures not meaningful)" : "")}");

if (scenario == "screenshot")
{
    // The README's picture of the chat page; not part of `all`.
    await PageScreenshot.RunAsync(root, ct);
    return;
}

if (scenario is "micro" or "all")
{
    MicroScenario.Run(report, quick);
}

if (scenario is "latency" or "all")
{
    await LatencyScenario.RunAsync(report, plots, quick, ct);
}

if (scenario is "cpu" or "all")
{
    await CpuScenario.RunAsync(report, quick, ct);
}

if (scenario is "startup" or "all")
{
    await StartupScenario.RunAsync(report, root, quick, ct);
}

if (scenario is "memory" or "all")
{
    await MemoryScenario.RunAsync(report, root, quick, ct);
}

if (scenario is "resume" or "all")
{
    await ResumeCancelScenario.RunAsync(report, quick, ct);
}

if (scenario is "simulator" or "all")
{
    await SimulatorScenario.RunAsync(report, quick, ct);
}

if (scenario is "concurrency" or "all")
{
    await ConcurrencyScenario.RunAsync(report, plots, quick, ct);
}

if (scenario is "redis" or "all")
{
    await RedisScenario.RunAsync(report, quick, ct);
}

if (scenario is "reliability" or "all")
{
    Console.WriteLine("fault matrix (runs, then what was lost, duplicated, orphaned upstream, leaked once the grace passed):");
    var matrix = new FaultMatrix();
    await ReliabilityScenario.RunAsync(matrix, quick, ct);
    if (!quick)
    {
        matrix.Write(Path.Combine(root, "docs", "reliability.md"));
    }
}

if (full)
{
    report.Write(Path.Combine(root, "docs", "performance.md"), plots.Written.Select(p => Path.GetRelativePath(Path.Combine(root, "docs"), p)));
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Relay.slnx")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
