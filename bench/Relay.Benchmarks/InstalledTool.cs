using System.Diagnostics;

namespace Relay.Benchmarks;

/// <summary>
/// relay as README installs it: <c>dotnet pack src/Relay.Cli</c>, then <c>dotnet tool install</c> from that folder (into a
/// tool path beside the benchmark's build, replaced by each run), once per benchmark process. That is the native package
/// for this platform, so the start-up and memory figures describe what users run, not the build output.
/// </summary>
internal static class InstalledTool
{
    private static Task<(string Exe, string[] Prefix)>? _installing;

    public static Task<(string Exe, string[] Prefix)> GetAsync(string root, CancellationToken ct) => _installing ??= InstallAsync(root, ct);

    private static async Task<(string Exe, string[] Prefix)> InstallAsync(string root, CancellationToken ct)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "installed-relay");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var packages = Path.Combine(folder, "packages");
        var tools = Path.Combine(folder, "tools");
        await DotnetAsync(root, ["pack", "src/Relay.Cli", "-o", packages], ct);
        // Its own package cache, so the package just packed is the one installed, never an older one of the same version.
        await DotnetAsync(root, ["tool", "install", "Relay.Cli", "--tool-path", tools, "--add-source", packages], ct, ("NUGET_PACKAGES", Path.Combine(folder, "nuget")));
        return (Path.Combine(tools, "relay"), []);
    }

    private static async Task DotnetAsync(string directory, string[] arguments, CancellationToken ct, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await errors}");
        }
    }
}
