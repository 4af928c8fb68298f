using System.Globalization;

namespace Relay.Benchmarks;

/// <summary>CPU time and resident memory of a process (and, for nginx, of its workers), from <c>/proc/&lt;pid&gt;</c>.</summary>
internal static class ProcessCpu
{
    // USER_HZ: the unit of utime and stime in /proc; 100 on every Linux this runs on.
    private const double TicksPerSecond = 100;

    /// <summary>utime + stime of <paramref name="pid"/> and of its direct children, in milliseconds.</summary>
    public static double TotalMs(int pid, bool withChildren = false)
    {
        var ticks = Ticks(pid) + (withChildren ? ChildrenOf(pid).Sum(Ticks) : 0);
        return ticks * 1000 / TicksPerSecond;
    }

    /// <summary>Resident set size of <paramref name="pid"/> (and of its direct children), in MB, from <c>/proc/&lt;pid&gt;/status</c>.</summary>
    public static double ResidentMb(int pid, bool withChildren = false)
    {
        var kb = VmRssKb(pid) + (withChildren ? ChildrenOf(pid).Sum(VmRssKb) : 0);
        return kb / 1024.0;
    }

    private static IEnumerable<int> ChildrenOf(int pid) => Directory.EnumerateDirectories("/proc")
        .Select(dir => int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var child) ? child : -1)
        .Where(child => child > 0 && ParentOf(child) == pid);

    private static long VmRssKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long Ticks(int pid) => Fields(pid) is { } f
        ? long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)
        : 0;

    private static int ParentOf(int pid) => Fields(pid) is { } f ? int.Parse(f[1], CultureInfo.InvariantCulture) : -1;

    /// <summary>The fields after the command name (which may hold spaces): state, ppid, ..., utime is [11], stime [12].</summary>
    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // gone meanwhile
        }
    }
}
