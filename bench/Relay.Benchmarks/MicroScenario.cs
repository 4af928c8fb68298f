using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Relay.Benchmarks;

/// <summary>Runs <see cref="HotPathBenchmarks"/> with BenchmarkDotNet in this process and reports time and allocations per event.</summary>
internal static class MicroScenario
{
    public static void Run(Report report, bool quick)
    {
        var job = (quick ? Job.Dry.WithIterationCount(3).WithWarmupCount(1) : Job.ShortRun)
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .AddLogger(quick ? NullLogger.Instance : ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "relay-bdn"));
        var summary = BenchmarkRunner.Run<HotPathBenchmarks>(config);
        foreach (var r in summary.Reports)
        {
            var name = r.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            if (r.ResultStatistics is { } stats)
            {
                report.Add($"{name}: time per event", stats.Mean / 1000.0, "µs");
            }

            if (r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) is { } bytes)
            {
                report.Add($"{name}: allocated per event", bytes, "B");
            }
        }
    }
}
