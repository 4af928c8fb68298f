using System.Globalization;
using System.Text;

namespace Relay.Benchmarks;

/// <summary>Collects each figure beside its target, prints it, and writes docs/performance.md (full runs only).</summary>
internal sealed class Report
{
    private readonly List<(string Figure, string Measured, string Target, bool? Met)> _rows = [];
    private readonly List<string> _notes = [];

    public void Add(string figure, double measured, string unit, double? limit = null, string? target = null)
    {
        var met = limit is { } l ? measured <= l : (bool?)null;
        var text = string.Create(CultureInfo.InvariantCulture, $"{measured:0.###} {unit}");
        _rows.Add((figure, text, target ?? (limit is { } x ? string.Create(CultureInfo.InvariantCulture, $"<= {x:0.###} {unit}") : "-"), met));
        Console.WriteLine($"  {figure}: {text} (target {_rows[^1].Target}{(met is null ? "" : met.Value ? ", met" : ", NOT met")})");
    }

    public void AddAtLeast(string figure, double measured, string unit, double floor, string? target = null)
    {
        var met = measured >= floor;
        var text = string.Create(CultureInfo.InvariantCulture, $"{measured:0} {unit}");
        _rows.Add((figure, text, target ?? string.Create(CultureInfo.InvariantCulture, $">= {floor:0} {unit}"), met));
        Console.WriteLine($"  {figure}: {text} (target >= {floor:0}, {(met ? "met" : "NOT met")})");
    }

    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine("  note: " + note);
    }

    /// <summary>The CPU model and memory, from /proc where there is one.</summary>
    internal static string Machine()
    {
        static string? Field(string file, string name) => File.Exists(file)
            ? File.ReadLines(file).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var cpu = Field("/proc/cpuinfo", "model name") ?? "unknown CPU";
        var kb = Field("/proc/meminfo", "MemTotal")?.Split(' ')[0];
        var ram = long.TryParse(kb, out var k) ? string.Create(CultureInfo.InvariantCulture, $"{k / 1024.0 / 1024.0:0} GB RAM") : "unknown RAM";
        return $"{cpu}, {ram}";
    }

    public void Write(string path, IEnumerable<string> plots)
    {
        var md = new StringBuilder()
            .Append("# Performance\n\n")
            .Append(CultureInfo.InvariantCulture, $"Measured by `dotnet run -c Release --project bench/Relay.Benchmarks -- all` on {Environment.ProcessorCount} cores, ")
            .Append(CultureInfo.InvariantCulture, $"{Machine()}, .NET {Environment.Version}, {Environment.OSVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. ")
            .Append("Everything runs on loopback against the simulator, and every process shares the machine's cores. The latency, CPU-per-token, per-event and concurrency figures ")
            .Append("come from separate processes, as a deployment has them: the simulator, the edge as docs/deployment.md publishes it (native, `-p:PublishAot=true`, with its own defaults: workstation GC, socket completions on the socket threads; in-memory store, and Redis-backed for its CPU lane), ")
            .Append("nginx (a worker per core), the Portkey gateway and workerd, with this program as the load generator; CPU is each server's own utime + stime from /proc. ")
            .Append("The CLI start-up and CLI memory figures run `relay` as README installs it (`dotnet pack`, `dotnet tool install`: the native package). The resume, memory, Redis and simulator figures host the edge and the simulator inside this program. \"Added\" means over the same request straight to the simulator.\n\n")
            .Append("| figure | measured | target | met |\n|---|---|---|---|\n");
        foreach (var (figure, measured, target, met) in _rows)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {figure} | {measured} | {target} | {(met is null ? "-" : met.Value ? "yes" : "no")} |\n");
        }

        if (_notes.Count > 0)
        {
            md.Append('\n');
            foreach (var note in _notes)
            {
                md.Append("- ").Append(note).Append('\n');
            }
        }

        md.Append("\n## Plots\n\n");
        foreach (var plot in plots)
        {
            md.Append(CultureInfo.InvariantCulture, $"![{Path.GetFileNameWithoutExtension(plot)}]({plot.Replace('\\', '/')})\n\n");
        }

        md.Append("Reproduce: `ulimit -n 65536; dotnet run -c Release --project bench/Relay.Benchmarks -- all` (nginx and redis-server on PATH for those comparisons; ")
            .Append("`npm ci` in deploy/cloudflare and in bench/portkey for the workerd and Portkey lanes; about 25 minutes). `-- <scenario> --quick` runs one scenario small; CI runs `all --quick` so the benchmark cannot rot, without gating on its timings.\n");
        File.WriteAllText(path, md.ToString());
        Console.WriteLine($"wrote {path}");
    }
}
